package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Kind is what the config file knows of one kind of account: its keys and
// how to check them. Each vendor package describes its own kind (STYLE.md:
// one package and one line per kind); the parser, the account form and the
// secret store iterate over the Kinds they are given, so this package names
// no vendor.
type Kind struct {
	Name  string // the value of the account's kind key, e.g. "tuya"
	Title string // what the service is, for the form and the docs
	// Fields are the keys an account of the kind may hold besides name and
	// kind, in the order they are written and shown. ca_file is every
	// kind's and need not be listed.
	Fields []Field
	// Validate checks the kind's keys of one account and copies them into
	// a. Each problem is a *FieldError (several joined with errors.Join):
	// the parser words it at the line of its field, the form under the
	// field. A missing key of a Required field is found before Validate
	// runs; Validate reports other absent keys with Missing.
	Validate func(c *Check, a *Account) error
}

// FieldType is the TOML type of a field's value.
type FieldType int

// Field types. The parser rejects a value of another type before any
// Validate runs.
const (
	TypeString  FieldType = iota // a string
	TypeInt                      // an integer
	TypeStrings                  // an array of strings
	TypeTables                   // [[account.KEY]] tables whose keys are Sub
	TypeAny                      // checked by the kind's Validate alone
)

// Field is one key of a kind of account.
type Field struct {
	Key   string // the TOML key
	Label string // the form's label
	Help  string // the form's hint: what to write and where to find it
	Type  FieldType
	// Required fields must be present; a missing one is reported at the
	// account's header and under the field in the form.
	Required bool
	// Secret values may be "keyring:KEY"; the form hides them and moves
	// them to the OS keyring.
	Secret bool
	// Multiline asks the form for a several-line input.
	Multiline bool
	// Choices are the values the form offers to pick from, when the field
	// takes one of a few.
	Choices []string
	// Example is a valid value (string, int64, []string or, for tables,
	// []map[string]string): CheckAccount puts it in place of a wrong one
	// so one problem does not hide the next.
	Example any
	// Sub are the keys of each table of a TypeTables field.
	Sub []Field
	// Ref returns a pointer to where the field lives in a (*string,
	// *int64, *[]string, or the kind's own type with TOML and the form
	// codecs set). Nil keeps the value in a.Values.
	Ref func(a *Account) any
	// Rows and SetRows read and write a TypeTables field as one map per
	// table, keyed by the Sub keys.
	Rows    func(a Account) []map[string]string
	SetRows func(a *Account, rows []map[string]string)
	// TOML writes a value of the kind's own type; nil for the plain types.
	// "" leaves the key out.
	TOML func(v any) string
	// FormText and FormParse are the form's codec for a value of the
	// kind's own type; nil for the plain types (a list is comma separated).
	FormText  func(v any) string
	FormParse func(s string) any
}

// FieldError is a problem of one field of an account: what a kind's
// Validate returns, and what a config *Error and CheckAccount carry, so the
// form puts it under its field with errors.As, never by reading the words.
type FieldError struct {
	Field string   // the account's key ("name", "endpoint", "stream")
	Path  []string // where under the key: array indexes and table keys
	Msg   string   // lower-case: what is wrong and what to do
	// Missing is set when the key is absent; Msg then names what is
	// missing ("streams (or rooms)").
	Missing bool
}

// Error returns Msg.
func (e *FieldError) Error() string { return e.Msg }

// Problem returns a *FieldError at path (the field's key, then the indexes
// and keys under it).
func Problem(path []string, format string, args ...any) *FieldError {
	fe := &FieldError{Msg: fmt.Sprintf(format, args...)}
	if len(path) > 0 {
		fe.Field, fe.Path = path[0], append([]string(nil), path[1:]...)
	}
	return fe
}

// Missing reports that field is absent; words say what to add.
func Missing(field, words string) *FieldError {
	return &FieldError{Field: field, Msg: words, Missing: true}
}

// FieldErrors returns the *FieldErrors inside err, depth first (through
// errors.Join and wrapping).
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// Kinds is the list of account kinds a config file may hold.
type Kinds []Kind

// Lookup returns the kind named name.
func (ks Kinds) Lookup(name string) (Kind, bool) {
	for _, k := range ks {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Names returns the kinds' names in order.
func (ks Kinds) Names() []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name
	}
	return out
}

// wordList writes names as "a, b or c".
func wordList(names []string) string {
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// field returns the field of k named key.
func (k Kind) field(key string) (Field, bool) {
	for _, f := range k.Fields {
		if f.Key == key {
			return f, true
		}
	}
	if key == "ca_file" {
		return caFileField, true
	}
	return Field{}, false
}

// caFileField is the ca_file key every kind has.
var caFileField = Field{Key: "ca_file", Label: "CA file", Help: "Optional PEM bundle trusted besides the system roots",
	Type: TypeString, Ref: func(a *Account) any { return &a.CAFile }}

// FormFields returns the inputs of the kind's form: its fields, then
// ca_file.
func (k Kind) FormFields() []Field { return append(append([]Field(nil), k.Fields...), caFileField) }

// anyField returns the field named key of the first kind that has it.
func (ks Kinds) anyField(key string) (Field, bool) {
	for _, k := range ks {
		if f, ok := k.field(key); ok {
			return f, true
		}
	}
	return Field{}, false
}

// SecretKeys names the secret-bearing keys of the kind (a secret key of
// its tables, such as a whep stream's token, by its own name).
func (k Kind) SecretKeys() []string {
	var out []string
	for _, f := range k.Fields {
		if f.Secret {
			out = append(out, f.Key)
		}
		for _, s := range f.Sub {
			if s.Secret {
				out = append(out, s.Key)
			}
		}
	}
	return out
}

// SecretValues returns the values of a's secret fields (and of its
// tables' secret keys) that are set: plain secrets or "keyring:" refs.
func (k Kind) SecretValues(a Account) []string {
	var out []string
	for _, f := range k.Fields {
		if s, ok := f.Get(a).(string); ok && f.Secret && s != "" {
			out = append(out, s)
		}
		rows, _ := f.Get(a).([]map[string]string)
		for _, r := range rows {
			for _, sub := range f.Sub {
				if sub.Secret && r[sub.Key] != "" {
					out = append(out, r[sub.Key])
				}
			}
		}
	}
	return out
}

// Get returns the value of field f of a: a string, int64, []string, the
// kind's own type, or for tables []map[string]string.
func (f Field) Get(a Account) any {
	if f.Type == TypeTables && f.Rows != nil {
		return f.Rows(a)
	}
	if f.Ref != nil {
		return reflect.ValueOf(f.Ref(&a)).Elem().Interface()
	}
	return a.Values[f.Key]
}

// Set stores v as the value of field f of a; a nil v clears it.
func (f Field) Set(a *Account, v any) {
	if f.Type == TypeTables && f.SetRows != nil {
		rows, _ := v.([]map[string]string)
		f.SetRows(a, rows)
		return
	}
	if f.Ref != nil {
		p := reflect.ValueOf(f.Ref(a)).Elem()
		if v == nil {
			p.Set(reflect.Zero(p.Type()))
		} else {
			p.Set(reflect.ValueOf(v))
		}
		return
	}
	if v == nil {
		delete(a.Values, f.Key)
		return
	}
	if a.Values == nil {
		a.Values = map[string]any{}
	}
	a.Values[f.Key] = v
}

// isZero reports whether v is an unset value.
func isZero(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// tomlValue writes the value of f in a, or "" when it is unset.
func (f Field) tomlValue(a Account) string {
	v := f.Get(a)
	if isZero(v) {
		return ""
	}
	if f.TOML != nil {
		return f.TOML(v)
	}
	switch t := v.(type) {
	case string:
		return Quote(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case []string:
		return quoteList(t)
	}
	return ""
}

// Text returns the form's words for the value of f in a.
func (f Field) Text(a Account) string {
	v := f.Get(a)
	if f.FormText != nil {
		return f.FormText(v)
	}
	switch t := v.(type) {
	case string:
		return t
	case int64:
		if t == 0 {
			return ""
		}
		return strconv.FormatInt(t, 10)
	case []string:
		return strings.Join(t, ", ")
	}
	return ""
}

// FormValue parses what the form's input for f holds into a value for
// Set; nil for an empty input.
func (f Field) FormValue(s string) any {
	s = strings.TrimSpace(s)
	if f.FormParse != nil {
		return f.FormParse(s)
	}
	if s == "" {
		return nil
	}
	switch f.Type {
	case TypeInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return int64(-1) // the kind's Validate words it
		}
		return n
	case TypeStrings:
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return s
}

// typeWords says in TOML words what field f takes, in the table named table.
func typeWords(f Field, table string) string {
	switch f.Type {
	case TypeString:
		return "a string"
	case TypeInt:
		return "an integer"
	case TypeStrings:
		return "an array of strings"
	case TypeTables:
		return "[[" + table + "." + f.Key + "]] tables"
	}
	return ""
}

// valueWords names the TOML type of a decoded value, with its article.
func valueWords(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []string, []map[string]any:
		return "an array"
	case map[string]any:
		return "an inline table"
	}
	return "a date or time"
}

// tables returns v as an array of tables, or false.
func tables(v any) ([]map[string]any, bool) {
	switch t := v.(type) {
	case []map[string]any:
		return t, true
	case map[string]any:
		return []map[string]any{t}, true // [account.KEY]: the index words it
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// typeCheck checks v against field f, at path under the table named table
// ("account"); it returns v in its plain Go type.
func typeCheck(f Field, v any, table string, path []string) (any, error) {
	name := f.Key
	switch f.Type {
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case TypeInt:
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case TypeStrings:
		list, ok := Elems(v)
		if !ok {
			break
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, isStr := e.(string)
			if !isStr {
				return nil, Problem(path, "%s must hold only strings, not %s", name, valueWords(e))
			}
			out = append(out, s)
		}
		return out, nil
	case TypeTables:
		ts, ok := tables(v)
		if !ok {
			break
		}
		sub := Kind{Fields: f.Sub}
		for i, t := range ts {
			for k, x := range t {
				sf, known := sub.field(k)
				if !known || sf.Key == "ca_file" {
					return nil, Problem(append(path, strconv.Itoa(i), k), "unknown key %q in [[%s.%s]]; check its spelling", k, table, f.Key)
				}
				if _, err := typeCheck(sf, x, table+"."+f.Key, append(path, strconv.Itoa(i), k)); err != nil {
					return nil, err
				}
			}
		}
		return ts, nil
	default:
		return v, nil
	}
	return nil, Problem(path, "%s must be %s, not %s", name, typeWords(f, table), valueWords(v))
}
