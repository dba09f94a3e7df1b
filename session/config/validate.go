package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// reName is what an account name may look like: it is the first part of
// every source name ("home/<device-id>") and must survive a shell unquoted.
var reName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validator checks decoded accounts against the rules of their kind and
// collects every problem with its line.
type validator struct {
	file  string
	dir   string // the config file's directory, for relative ca_file paths
	ps    *positions
	kinds Kinds
	names map[string]int // account name -> line of its name key
	errs  []*Error
}

// fail records fe at line.
func (v *validator) fail(line int, fe *FieldError) {
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Msg: fe.Msg, Err: fe})
}

// acct carries what the checks of one account share.
type acct struct {
	base   string // index path of the account table
	header int    // line of its [[account]] header
}

// at returns the line of the account's key (or deeper path), or the
// account's header line when the key is not in the file.
func (v *validator) at(a acct, path ...string) int {
	return v.ps.at(join(append([]string{a.base}, path...)...), a.header)
}

func (v *validator) has(a acct, key string) bool { return v.ps.has(join(a.base, key)) }

// lineOf is the line of a field error of the account.
func (v *validator) lineOf(a acct, fe *FieldError) int {
	if fe.Missing || fe.Field == "" {
		return a.header
	}
	return v.at(a, append([]string{fe.Field}, fe.Path...)...)
}

// types checks the TOML type of every key of the i-th account against its
// kind's fields (or, for a kind not known, any kind's field of that name)
// and returns the values in their plain Go types.
func (v *validator) types(i int, r rawAccount) map[string]any {
	a := acct{base: join("account", strconv.Itoa(i))}
	a.header = v.ps.at(a.base, 0)
	kindName, _ := r["kind"].(string)
	kind, known := v.kinds.Lookup(kindName)
	out := map[string]any{}
	keys := append([]string(nil), v.ps.children[a.base]...)
	var rest []string // keys the index missed, in a fixed order
	for k := range r {
		if !contains(keys, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)
	for _, k := range keys {
		val, ok := r[k]
		if !ok {
			continue
		}
		var f Field
		found := false
		switch {
		case k == "name" || k == "kind":
			f, found = Field{Key: k, Type: TypeString}, true
		case known:
			f, found = kind.field(k)
		}
		if !found {
			f, found = v.kinds.anyField(k)
		}
		if !found {
			v.fail(v.at(a, k), Problem([]string{k}, "unknown key %q in [[account]]; check its spelling", k))
			continue
		}
		conv, err := typeCheck(f, val, "account", []string{k})
		var fe *FieldError
		if errors.As(err, &fe) {
			v.fail(v.lineOf(a, fe), fe)
			continue
		}
		out[k] = conv
	}
	return out
}

// account validates the i-th account, whose values types has checked,
// and converts it.
func (v *validator) account(i int, r map[string]any) Account {
	a := acct{base: join("account", strconv.Itoa(i))}
	a.header = v.ps.at(a.base, 0)
	name, _ := r["name"].(string)
	kindName, _ := r["kind"].(string)
	out := Account{Name: name, Kind: kindName, Line: a.header}

	switch {
	case !v.has(a, "name"):
		v.errs = append(v.errs, &Error{File: v.file, Line: a.header,
			Msg: "account has no name; add name = \"...\" using a-z, 0-9, _ and -", Err: Missing("name", "name")})
	case !reName.MatchString(name):
		v.fail(v.at(a, "name"), Problem([]string{"name"}, "account name %q is invalid; use only a-z, 0-9, _ and -", name))
	default:
		line := v.at(a, "name")
		if first, dup := v.names[name]; dup {
			v.fail(line, Problem([]string{"name"}, "account name %q is already used on line %d; names must be unique", name, first))
		} else {
			v.names[name] = line
		}
	}

	kind, known := v.kinds.Lookup(kindName)
	kindList := wordList(v.kinds.Names())
	switch {
	case !v.has(a, "kind"):
		v.errs = append(v.errs, &Error{File: v.file, Line: a.header,
			Msg: fmt.Sprintf("account has no kind; add kind = \"...\" with one of %s", kindList), Err: Missing("kind", "kind")})
		return out
	case !known:
		v.fail(v.at(a, "kind"), Problem([]string{"kind"}, "unknown kind %q; use %s", kindName, kindList))
		return out
	}
	label := kindName + " account"
	if name != "" {
		label += fmt.Sprintf(" %q", name)
	}

	for _, k := range v.ps.children[a.base] {
		if _, ok := kind.field(k); !ok && k != "name" && k != "kind" {
			v.fail(v.at(a, k), Problem([]string{k}, "key %q is not used by %s accounts; remove it", k, kindName))
		}
	}

	var missing []*FieldError
	for _, f := range kind.Fields {
		if f.Required && !v.has(a, f.Key) {
			missing = append(missing, Missing(f.Key, f.Key))
		}
	}
	for _, f := range kind.Fields {
		if f.Ref == nil && f.Type != TypeTables {
			f.Set(&out, r[f.Key])
		}
	}
	c := &Check{Label: label, v: v, a: a, vals: r}
	if kind.Validate != nil {
		for _, fe := range FieldErrors(kind.Validate(c, &out)) {
			if fe.Missing && fe.Path == nil {
				missing = append(missing, fe)
				continue
			}
			v.fail(v.lineOf(a, fe), fe)
		}
	}
	if len(missing) > 0 {
		words := make([]string, len(missing))
		errs := make([]error, len(missing))
		for j, m := range missing {
			words[j], errs[j] = m.Msg, m
		}
		v.errs = append(v.errs, &Error{File: v.file, Line: a.header,
			Msg: fmt.Sprintf("%s is missing %s", label, strings.Join(words, ", ")), Err: errors.Join(errs...)})
	}

	if s, _ := r["ca_file"].(string); s != "" {
		out.CAFile = v.caFile(a, s)
	}
	return out
}

// Check is what a Kind's Validate sees of one account: its keys, with
// their values in plain Go types (string, int64, []string, tables as
// []map[string]any, other values as decoded), and the checks the kinds
// share. Each check returns nil or a *FieldError.
type Check struct {
	// Label names the account in messages: `tuya account "home"`.
	Label string
	v     *validator
	a     acct
	vals  map[string]any
}

// Has reports whether the file sets path (a key, then indexes and keys
// under it).
func (c *Check) Has(path ...string) bool {
	return c.v.ps.has(join(append([]string{c.a.base}, path...)...))
}

// Keys returns the keys of the table at path, in file order.
func (c *Check) Keys(path ...string) []string {
	return c.v.ps.children[join(append([]string{c.a.base}, path...)...)]
}

// Value returns the value of key as decoded, or nil.
func (c *Check) Value(key string) any { return c.vals[key] }

// String returns the string at key, or "".
func (c *Check) String(key string) string { s, _ := c.vals[key].(string); return s }

// Int returns the integer at key, or 0.
func (c *Check) Int(key string) int64 { n, _ := c.vals[key].(int64); return n }

// Strings returns the strings at key, or nil.
func (c *Check) Strings(key string) []string { l, _ := c.vals[key].([]string); return l }

// Tables returns the tables of a TypeTables key, or nil.
func (c *Check) Tables(key string) []map[string]any {
	t, _ := c.vals[key].([]map[string]any)
	if m, ok := c.vals[key].(map[string]any); ok && t == nil {
		t = []map[string]any{m}
	}
	return t
}

// NonEmpty rejects a key that is present but blank; absent keys are
// reported once, as missing, at the header.
func (c *Check) NonEmpty(key string) error {
	if c.Has(key) && strings.TrimSpace(c.String(key)) == "" {
		return Problem([]string{key}, "%s is empty; set it", key)
	}
	return nil
}

// Secret checks a secret-bearing value at path (its key last); the value
// never appears in messages.
func (c *Check) Secret(val string, path ...string) error {
	key := path[len(path)-1]
	if len(path) == 1 {
		if err := c.NonEmpty(key); err != nil {
			return err
		}
	}
	if k, ok := strings.CutPrefix(val, KeyringPrefix); ok && strings.TrimSpace(k) == "" {
		return Problem(path, "%s says %q but names no key; write \"keyring:KEY\"", key, KeyringPrefix)
	}
	return nil
}

// URL checks that val, at path (its key last), is an absolute URL with the
// secure scheme, or the insecure one on a loopback host. An absent
// top-level key is not checked (it is reported as missing when required).
func (c *Check) URL(val, secure, insecure string, path ...string) error {
	key := path[len(path)-1]
	if len(path) == 1 && !c.Has(key) {
		return nil
	}
	if strings.TrimSpace(val) == "" {
		return Problem(path, "%s is empty; set an absolute %s:// url", key, secure)
	}
	u, err := url.Parse(val)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return Problem(path, "%s is not an absolute url; write %s://HOST/...", key, secure)
	}
	switch strings.ToLower(u.Scheme) {
	case secure:
	case insecure:
		if !isLoopback(u.Hostname()) {
			return Problem(path, "%s must use %s://; %s:// is allowed only for 127.0.0.1, localhost or ::1", key, secure, insecure)
		}
	default:
		return Problem(path, "%s must be an absolute %s:// url", key, secure)
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ValidID reports whether s can be the last part of a source name: not
// blank, no '/', no control character.
func ValidID(s string) bool {
	if strings.TrimSpace(s) == "" || strings.Contains(s, "/") {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// IDs checks a list of source ids at path (its key last; what names one in
// messages); seen collects the ids of the account so far, to reject an id
// used twice.
func (c *Check) IDs(what string, vals []string, seen map[string]bool, path ...string) error {
	var errs []error
	for j, s := range vals {
		at := append(append([]string{}, path...), strconv.Itoa(j))
		switch {
		case !ValidID(s):
			errs = append(errs, Problem(at, "%s %q is invalid; ids cannot be blank or contain '/'", what, s))
		case seen[s]:
			errs = append(errs, Problem(at, "%s %q is listed twice in %s", what, s, c.Label))
		default:
			seen[s] = true
		}
	}
	return errors.Join(errs...)
}

// Elems returns the elements of an array value as decoded, or false when it
// is not an array (nil is an empty one).
func Elems(x any) ([]any, bool) {
	switch t := x.(type) {
	case nil:
		return nil, true
	case []any:
		return t, true
	case []map[string]any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = t[i]
		}
		return out, true
	case []string:
		out := make([]any, len(t))
		for i := range t {
			out[i] = t[i]
		}
		return out, true
	}
	return nil, false
}

// caFile checks that the bundle exists and holds a certificate, and returns
// its path resolved against the config file's directory.
func (v *validator) caFile(a acct, name string) string {
	line := v.at(a, "ca_file")
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(v.dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		reason := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		v.fail(line, Problem([]string{"ca_file"}, "cannot read ca_file %q: %s", name, reason))
		return p
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		v.fail(line, Problem([]string{"ca_file"}, "ca_file %q holds no PEM certificate", name))
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
