package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// Fields returns the keys of a, in the order its kind lists them, with
// their TOML values; empty optional keys are left out. Fields of tables
// (a whep account's streams) are not among them (see Tables).
func (ks Kinds) Fields(a Account) []KeyValue {
	var kv []KeyValue
	if a.Name != "" {
		kv = append(kv, KeyValue{"name", Quote(a.Name)})
	}
	if a.Kind != "" {
		kv = append(kv, KeyValue{"kind", Quote(a.Kind)})
	}
	k, _ := ks.Lookup(a.Kind)
	for _, f := range k.FormFields() {
		if f.Type == TypeTables {
			continue
		}
		if v := f.tomlValue(a); v != "" {
			kv = append(kv, KeyValue{f.Key, v})
		}
	}
	return kv
}

// Tables renders the [[account.KEY]] tables of a (a whep account's
// streams).
func (ks Kinds) Tables(a Account) string {
	var b strings.Builder
	k, _ := ks.Lookup(a.Kind)
	for _, f := range k.Fields {
		if f.Type != TypeTables {
			continue
		}
		rows, _ := f.Get(a).([]map[string]string)
		for _, row := range rows {
			b.WriteString("[[account." + f.Key + "]]\n")
			for i, s := range f.Sub {
				// The first keys are written even when empty, so an
				// incomplete table is reported at its own line.
				if v := row[s.Key]; v != "" || i < 2 && s.Required {
					fmt.Fprintf(&b, "%s = %s\n", s.Key, Quote(v))
				}
			}
		}
	}
	return b.String()
}

// RenderAccount returns a as an [[account]] table.
func (ks Kinds) RenderAccount(a Account) string {
	var b strings.Builder
	b.WriteString("[[account]]\n")
	for _, kv := range ks.Fields(a) {
		b.WriteString(kv.Key + " = " + kv.Value + "\n")
	}
	b.WriteString(ks.Tables(a))
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
func (ks Kinds) AddAccount(data []byte, a Account) []byte {
	out := bytes.TrimRight(data, "\n")
	if len(out) > 0 {
		out = append(out, "\n\n"...)
	}
	return append(out, ks.RenderAccount(a)...)
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
func (ks Kinds) findAccount(path string, data []byte, name string) ([]string, block, error) {
	cfg, err := ks.Parse(path, data)
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
func (ks Kinds) RemoveAccount(path string, data []byte, name string) ([]byte, error) {
	lines, b, err := ks.findAccount(path, data, name)
	if err != nil {
		return nil, err
	}
	out := append(append([]string{}, lines[:b.lead]...), lines[b.end:]...)
	return []byte(tidy(out)), nil
}

// ReplaceAccount returns data with the account named name changed to a.
// Keys a still has keep their line, place and trailing comment with the new
// value; keys it no longer has are dropped; new keys follow the last kept
// one. Comment lines inside the table stay. Its tables (a whep account's
// streams) are written anew.
func (ks Kinds) ReplaceAccount(path string, data []byte, name string, a Account) ([]byte, error) {
	lines, b, err := ks.findAccount(path, data, name)
	if err != nil {
		return nil, err
	}
	want := ks.Fields(a)
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
			inSub = true // [[account.KEY]] tables are rewritten below
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
	if st := ks.Tables(a); st != "" {
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
func (ks Kinds) Save(path string, data []byte) (*Config, error) {
	cfg, err := ks.Parse(path, data)
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

// CheckAccount validates a as if it were the only account of a file and
// returns the problems by field (a missing key is reported under its name
// as "KEY is required"), in the order of the file. Each field found wrong
// is set to its kind's example value and the account checked again, so one
// problem does not hide the next. path is the config file's (a relative
// ca_file is read from its folder); others are the names of the file's
// other accounts, which a must not reuse.
func (ks Kinds) CheckAccount(path string, a Account, others []string) []*FieldError {
	var errs []*FieldError
	for _, o := range others {
		if o == a.Name && a.Name != "" {
			errs = append(errs, Problem([]string{"name"}, "account name %q is already used; names must be unique", a.Name))
		}
	}
	seen := map[string]bool{}
	for range 12 {
		found := ks.checkOnce(path, a)
		if len(found) == 0 {
			break
		}
		progress := false
		for _, fe := range found {
			if seen[fe.Field] {
				continue
			}
			seen[fe.Field] = true
			errs = append(errs, fe)
			progress = ks.standIn(&a, fe.Field) || progress
		}
		if !progress {
			break
		}
	}
	return errs
}

// standIn sets field key of a to its example value; false when it cannot.
func (ks Kinds) standIn(a *Account, key string) bool {
	if key == "name" {
		a.Name = "stand-in"
		return true
	}
	k, ok := ks.Lookup(a.Kind)
	if !ok {
		return false
	}
	f, ok := k.field(key)
	if !ok {
		return false
	}
	f.Set(a, f.Example)
	return true
}

// checkOnce parses a alone and returns the fields of its first problem.
func (ks Kinds) checkOnce(path string, a Account) []*FieldError {
	_, err := ks.Parse(path, []byte(ks.RenderAccount(a)))
	var ce *Error
	if !errors.As(err, &ce) {
		return nil
	}
	var out []*FieldError
	for _, fe := range ce.Fields() {
		if fe.Missing {
			fe = &FieldError{Field: fe.Field, Msg: fe.Msg + " is required", Missing: true}
		}
		out = append(out, fe)
	}
	if len(out) == 0 {
		out = append(out, &FieldError{Msg: ce.Msg})
	}
	return out
}
