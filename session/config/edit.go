package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The window edits the config file as text, so what the user wrote around
// the accounts it touches survives: comments, blank lines, key order and the
// other accounts stay byte for byte. go-toml has no comment-keeping
// encoder, hence these few line-level helpers.

var (
	reHeader   = regexp.MustCompile(`^\s*\[\[?\s*([A-Za-z0-9_."-]+)\s*\]\]?`)
	reKeyValue = regexp.MustCompile(`^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)`)
)

// KeyValue is one key of a rendered account and its TOML value.
type KeyValue struct {
	Key   string
	Value string // TOML text, e.g. `"home"`, `["a", "b"]`, `1400000000`
}

// Fields returns the keys of a, in the order the contract's example writes
// them, with their TOML values; empty optional keys are left out. Streams
// of a whep account are not among them (see StreamTables).
func Fields(a Account) []KeyValue {
	var kv []KeyValue
	str := func(k, v string) {
		if v != "" {
			kv = append(kv, KeyValue{k, Quote(v)})
		}
	}
	list := func(k string, v []string) {
		if len(v) > 0 {
			kv = append(kv, KeyValue{k, quoteList(v)})
		}
	}
	str("name", a.Name)
	str("kind", a.Kind)
	switch a.Kind {
	case KindTuya:
		str("endpoint", a.Endpoint)
		str("client_id", a.ClientID)
		str("secret", a.Secret)
		str("uid", a.UID)
		str("sign_method", a.SignMethod)
		list("devices", a.Devices)
	case KindEEN:
		str("endpoint", a.Endpoint)
		str("token", a.Token)
	case KindWCS:
		str("url", a.URL)
		str("app_key", a.AppKey)
		list("streams", a.Streams)
		if len(a.WCSRooms) > 0 {
			parts := make([]string, len(a.WCSRooms))
			for i, r := range a.WCSRooms {
				parts[i] = fmt.Sprintf("{name = %s, streams = %s}", Quote(r.Name), quoteList(r.Streams))
			}
			kv = append(kv, KeyValue{"rooms", "[" + strings.Join(parts, ", ") + "]"})
		}
	case KindTRTC:
		str("endpoint", a.Endpoint)
		if a.SDKAppID != 0 {
			kv = append(kv, KeyValue{"sdk_app_id", strconv.FormatInt(a.SDKAppID, 10)})
		}
		str("secret_key", a.SecretKey)
		str("user_id", a.UserID)
		list("rooms", a.TRTCRooms)
	}
	str("ca_file", a.CAFile)
	return kv
}

// StreamTables renders the [[account.stream]] tables of a whep account.
func StreamTables(a Account) string {
	var b strings.Builder
	for _, s := range a.WHEPStreams {
		b.WriteString("[[account.stream]]\n")
		fmt.Fprintf(&b, "name = %s\nurl = %s\n", Quote(s.Name), Quote(s.URL))
		if s.PublishURL != "" {
			fmt.Fprintf(&b, "publish_url = %s\n", Quote(s.PublishURL))
		}
		if s.SubURL != "" {
			fmt.Fprintf(&b, "sub_url = %s\n", Quote(s.SubURL))
		}
		if s.Token != "" {
			fmt.Fprintf(&b, "token = %s\n", Quote(s.Token))
		}
	}
	return b.String()
}

// RenderAccount returns a as an [[account]] table.
func RenderAccount(a Account) string {
	var b strings.Builder
	b.WriteString("[[account]]\n")
	for _, kv := range Fields(a) {
		b.WriteString(kv.Key + " = " + kv.Value + "\n")
	}
	b.WriteString(StreamTables(a))
	return b.String()
}

// Quote writes s as a TOML basic string.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// AddAccount returns data with a appended as a new [[account]] table.
func AddAccount(data []byte, a Account) []byte {
	out := bytes.TrimRight(data, "\n")
	if len(out) > 0 {
		out = append(out, "\n\n"...)
	}
	return append(out, RenderAccount(a)...)
}

// block is the line range [start, end) of one account's tables; lead is
// where the comments and blank lines just above its header begin.
type block struct{ lead, start, end int }

// accountBlocks finds the [[account]] tables of a document, in order.
func accountBlocks(lines []string) []block {
	var out []block
	for i, l := range lines {
		m := reHeader.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name := strings.ReplaceAll(m[1], " ", "")
		if len(out) > 0 && out[len(out)-1].end < 0 && !strings.HasPrefix(name, "account.") {
			out[len(out)-1].end = i
		}
		if name == "account" && strings.HasPrefix(strings.TrimSpace(l), "[[") {
			if len(out) > 0 && out[len(out)-1].end < 0 {
				out[len(out)-1].end = i
			}
			out = append(out, block{start: i, end: -1})
		}
	}
	for i := range out {
		if out[i].end < 0 {
			out[i].end = len(lines)
		}
		// The comment lines right above a header belong to that account.
		lead := out[i].start
		for lead > 0 && isComment(lines[lead-1]) && (i == 0 || lead-1 > out[i-1].start) {
			lead--
		}
		out[i].lead = lead
		if i > 0 && out[i-1].end > lead {
			out[i-1].end = lead
		}
	}
	return out
}

func isComment(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }

func isCommentOrBlank(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#")
}

// findAccount returns the block of the account named name.
func findAccount(path string, data []byte, name string) ([]string, block, error) {
	cfg, err := Parse(path, data)
	if err != nil {
		return nil, block{}, err
	}
	idx := -1
	for i, a := range cfg.Accounts {
		if a.Name == name {
			idx = i
		}
	}
	if idx < 0 {
		return nil, block{}, fmt.Errorf("config: no account %q in %s", name, path)
	}
	lines := strings.Split(string(data), "\n")
	blocks := accountBlocks(lines)
	if len(blocks) != len(cfg.Accounts) {
		return nil, block{}, fmt.Errorf("config: %s: cannot tell where account %q is written", path, name)
	}
	return lines, blocks[idx], nil
}

// RemoveAccount returns data without the account named name and the
// comments right above its header.
func RemoveAccount(path string, data []byte, name string) ([]byte, error) {
	lines, b, err := findAccount(path, data, name)
	if err != nil {
		return nil, err
	}
	out := append(append([]string{}, lines[:b.lead]...), lines[b.end:]...)
	return []byte(tidy(out)), nil
}

// ReplaceAccount returns data with the account named name changed to a.
// Keys a still has keep their line, place and trailing comment with the new
// value; keys it no longer has are dropped; new keys follow the last kept
// one. Comment lines inside the table stay. A whep account's stream tables
// are written anew.
func ReplaceAccount(path string, data []byte, name string, a Account) ([]byte, error) {
	lines, b, err := findAccount(path, data, name)
	if err != nil {
		return nil, err
	}
	want := Fields(a)
	values := map[string]string{}
	for _, kv := range want {
		values[kv.Key] = kv.Value
	}
	done := map[string]bool{}
	var body []string
	lastKey := -1
	inSub := false
	for i := b.start; i < b.end; i++ {
		l := lines[i]
		if i > b.start && reHeader.MatchString(l) {
			inSub = true // [[account.stream]] tables are rewritten below
		}
		if inSub {
			continue
		}
		if i == b.start || isCommentOrBlank(l) {
			body = append(body, l)
			continue
		}
		m := reKeyValue.FindStringSubmatch(l)
		if m == nil {
			body = append(body, l)
			continue
		}
		rest := l[len(m[0]):]
		span := valueSpan(lines, i, rest)
		comment := trailingComment(lines[i+span-1], span == 1, len(m[0]))
		i += span - 1
		v, keep := values[m[2]]
		if !keep {
			continue
		}
		done[m[2]] = true
		body = append(body, m[1]+m[2]+m[3]+v+comment)
		lastKey = len(body)
	}
	var added []string
	for _, kv := range want {
		if !done[kv.Key] {
			added = append(added, kv.Key+" = "+kv.Value)
		}
	}
	if lastKey < 0 {
		lastKey = 1
	}
	body = append(body[:lastKey], append(added, body[lastKey:]...)...)
	if st := StreamTables(a); st != "" {
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		body = append(body, strings.Split(strings.TrimRight(st, "\n"), "\n")...)
		if b.end < len(lines) {
			body = append(body, "")
		}
	}
	out := append(append(append([]string{}, lines[:b.start]...), body...), lines[b.end:]...)
	return []byte(tidy(out)), nil
}

// valueSpan counts the lines of a value starting with rest on line i: more
// than one for an array or inline table left open at the end of the line.
func valueSpan(lines []string, i int, rest string) int {
	depth := bracketDepth(rest)
	n := 1
	for depth > 0 && i+n < len(lines) {
		depth += bracketDepth(lines[i+n])
		n++
	}
	return n
}

// bracketDepth is the change in [ ] and { } nesting over a line, outside
// strings and comments.
func bracketDepth(s string) int {
	d := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return d
		case c == '[' || c == '{':
			d++
		case c == ']' || c == '}':
			d--
		}
	}
	return d
}

// trailingComment returns " # ..." at the end of l (with the spaces before
// it), or "". from is where the value starts when l is the key's own line.
func trailingComment(l string, single bool, from int) string {
	if !single {
		from = 0
	}
	var quote byte
	for i := from; i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			j := i
			for j > 0 && (l[j-1] == ' ' || l[j-1] == '\t') {
				j--
			}
			return l[j:]
		}
	}
	return ""
}

// tidy joins lines, with no run of blank lines longer than one and one
// newline at the end.
func tidy(lines []string) string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" && len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	for len(out) > 0 && strings.TrimSpace(out[0]) == "" {
		out = out[1:]
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// Save checks data as a config file and writes it to path (0600,
// atomically), creating the directory (0700) when needed. A document that
// does not validate is not written: the file keeps what it had.
func Save(path string, data []byte) (*Config, error) {
	cfg, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := WriteFile(path, data); err != nil {
		return nil, err
	}
	return cfg, nil
}

// ReadDocument returns the config file's text; a missing file is empty.
func ReadDocument(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return data, nil
}

// FieldError is a problem of one key of an account being edited.
type FieldError struct {
	Key string // the TOML key ("" when the problem is not one key's)
	Msg string
}

// CheckAccount validates a as if it were the only account of a file and
// returns the problems by key (a missing key is reported under its name),
// in the order of the file. Each key found wrong is set to a valid stand-in
// and the account checked again, so one problem does not hide the next.
// path is the config file's (a relative ca_file is read from its folder);
// others are the names of the file's other accounts, which a must not reuse.
func CheckAccount(path string, a Account, others []string) []FieldError {
	var errs []FieldError
	for _, o := range others {
		if o == a.Name && a.Name != "" {
			errs = append(errs, FieldError{Key: "name", Msg: fmt.Sprintf("account name %q is already used; names must be unique", a.Name)})
		}
	}
	seen := map[string]bool{}
	for range 12 {
		found := checkOnce(path, a)
		if len(found) == 0 {
			break
		}
		progress := false
		for _, fe := range found {
			if seen[fe.Key] {
				continue
			}
			seen[fe.Key] = true
			errs = append(errs, fe)
			progress = standIn(&a, fe.Key) || progress
		}
		if !progress {
			break
		}
	}
	return errs
}

// standIn sets key of a to a valid value; false when it cannot.
func standIn(a *Account, key string) bool {
	const host = "example.com"
	switch key {
	case "name":
		a.Name = "stand-in"
	case "endpoint":
		a.Endpoint = "https://" + host
	case "url":
		a.URL = "wss://" + host
	case "client_id":
		a.ClientID = "x"
	case "secret":
		a.Secret = "x"
	case "uid":
		a.UID = "x"
	case "sign_method":
		a.SignMethod = SignHMAC
	case "devices":
		a.Devices = nil
	case "token":
		a.Token = "x"
	case "streams":
		a.Streams = []string{"x"}
	case "rooms":
		a.WCSRooms, a.TRTCRooms = nil, nil
		if a.Kind == KindWCS && len(a.Streams) == 0 {
			a.Streams = []string{"x"}
		}
	case "sdk_app_id":
		a.SDKAppID = 1
	case "secret_key":
		a.SecretKey = "x"
	case "user_id":
		a.UserID = "x"
	case "ca_file":
		a.CAFile = ""
	case "stream":
		a.WHEPStreams = []WHEPStream{{Name: "x", URL: "https://" + host}}
	default:
		return false
	}
	return true
}

// checkOnce parses a alone and maps the first problem to its keys.
func checkOnce(path string, a Account) []FieldError {
	text := RenderAccount(a)
	_, err := Parse(path, []byte(text))
	var ce *Error
	if err == nil || !errors.As(err, &ce) {
		return nil
	}
	lines := strings.Split(text, "\n")
	key := ""
	inStream := false
	if ce.Line > 1 && ce.Line <= len(lines) {
		for _, l := range lines[:ce.Line-1] {
			inStream = inStream || strings.HasPrefix(l, "[[account.stream]]")
		}
		if m := reKeyValue.FindStringSubmatch(lines[ce.Line-1]); m != nil {
			key = m[2]
		}
		if inStream || strings.HasPrefix(lines[ce.Line-1], "[[account.stream]]") {
			key = "stream"
		}
	}
	if strings.HasPrefix(ce.Msg, "account has no name") {
		return []FieldError{{Key: "name", Msg: "name is required"}}
	}
	if _, missing, ok := strings.Cut(ce.Msg, " is missing "); ok && key == "" {
		var out []FieldError
		for _, k := range strings.Split(missing, ", ") {
			out = append(out, FieldError{Key: k, Msg: k + " is required"})
		}
		return out
	}
	return []FieldError{{Key: key, Msg: ce.Msg}}
}
