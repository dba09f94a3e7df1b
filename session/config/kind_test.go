package config_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	. "github.com/lookout-app/lookout/session/config"
)

// TestParseErrorsSayTheirField checks that a config error carries the
// *FieldError of the key it concerns (errors.As, never its words): the
// account form puts each one under its field.
func TestParseErrorsSayTheirField(t *testing.T) {
	for _, tc := range []struct {
		name    string
		toml    string
		fields  []string
		missing bool
	}{
		{"no name", lines(`[[account]]`, `kind = "een"`, `endpoint = "https://e.example"`, `token = "t"`), []string{"name"}, true},
		{"bad name", with(eenOK[:1], `name = "Site!"`, `kind = "een"`, `endpoint = "https://e.example"`, `token = "t"`), []string{"name"}, false},
		{"no kind", lines(`[[account]]`, `name = "a"`), []string{"kind"}, true},
		{"unknown kind", lines(`[[account]]`, `name = "a"`, `kind = "nest"`), []string{"kind"}, false},
		{"missing keys", with(tuyaOK[:4], `uid = "u"`), []string{"client_id", "secret"}, true},
		{"wcs without streams", lines(`[[account]]`, `name = "w"`, `kind = "wcs"`, `url = "wss://w.example"`), []string{"streams"}, true},
		{"whep without stream", lines(`[[account]]`, `name = "m"`, `kind = "whep"`), []string{"stream"}, true},
		{"bad url", with(eenOK[:3], `endpoint = "ftp://e.example"`, `token = "t"`), []string{"endpoint"}, false},
		{"stream url", lines(`[[account]]`, `name = "m"`, `kind = "whep"`, `[[account.stream]]`, `name = "a"`, `url = "ftp://m.example"`), []string{"stream"}, false},
		{"type", with(tuyaOK, `devices = "d1"`), []string{"devices"}, false},
		{"key of another kind", with(eenOK, `uid = "u"`), []string{"uid"}, false},
		{"trtc ttl", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://s.example"`, `sdk_app_id = 1`,
			`secret_key = "k"`, `user_id = "u"`, `usersig_ttl = "1s"`), []string{"usersig_ttl"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ks.Parse("c.toml", []byte(tc.toml))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not an *Error", err)
			}
			var fields []string
			for _, fe := range ce.Fields() {
				fields = append(fields, fe.Field)
				if fe.Missing != tc.missing {
					t.Errorf("%s: Missing = %v, want %v", fe.Field, fe.Missing, tc.missing)
				}
			}
			if !reflect.DeepEqual(fields, tc.fields) {
				t.Fatalf("%v concerns fields %q, want %q", err, fields, tc.fields)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.fields[0] {
				t.Fatalf("errors.As finds %+v, want field %s", fe, tc.fields[0])
			}
		})
	}
}

// gadget is a kind of account only this test knows, with keys of every
// plain type kept in Account.Values and a secret.
var gadget = Kind{
	Name:  "gadget",
	Title: "test-only gadget",
	Fields: []Field{
		{Key: "host", Label: "Host", Required: true, Example: "https://example.com"},
		{Key: "port", Label: "Port", Type: TypeInt, Example: int64(443)},
		{Key: "feeds", Label: "Feeds", Type: TypeStrings, Required: true, Example: []string{"x"}},
		{Key: "password", Label: "Password", Secret: true, Required: true, Example: "x"},
	},
	Validate: func(c *Check, a *Account) error {
		var errs []error
		errs = append(errs, c.URL(c.String("host"), "https", "http", "host"), c.Secret(c.String("password"), "password"),
			c.IDs("feed", c.Strings("feeds"), map[string]bool{}, "feeds"))
		if c.Has("port") && (c.Int("port") < 1 || c.Int("port") > 65535) {
			errs = append(errs, Problem([]string{"port"}, "port must be 1 to 65535"))
		}
		return errors.Join(errs...)
	},
}

// TestKindOfItsOwn registers gadget next to the app's kinds: the parser
// checks its keys by type, requires its required ones, runs its validator
// at the right line, keeps its values; the file is written back, checked
// by field and its secret moved to the keyring with nothing in this
// package knowing the kind.
func TestKindOfItsOwn(t *testing.T) {
	list := append(append(Kinds{}, ks...), gadget)
	doc := lines(`[[account]]`, `name = "g"`, `kind = "gadget"`, `host = "https://g.example.com"`, `port = 8443`,
		`feeds = ["a", "b"]`, `password = "pw"`)
	cfg, err := list.Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	want := map[string]any{"host": "https://g.example.com", "port": int64(8443), "feeds": []string{"a", "b"}, "password": "pw"}
	if !reflect.DeepEqual(a.Values, want) {
		t.Fatalf("values %#v, want %#v", a.Values, want)
	}
	if _, err := ks.Parse("c.toml", []byte(doc)); err == nil {
		t.Fatal("the app's kinds alone accept a gadget account")
	}
	for _, tc := range []struct{ toml, want string }{
		{with(strings.Split(doc, "\n")[:4], `port = "8443"`, `feeds = ["a"]`, `password = "pw"`), "5: port must be an integer, not a string"},
		{with(strings.Split(doc, "\n")[:5], `feeds = ["a", "a"]`, `password = "pw"`), `6: feed "a" is listed twice in gadget account "g"`},
		{with(strings.Split(doc, "\n")[:4], `port = 0`, `feeds = ["a"]`, `password = "pw"`), "5: port must be 1 to 65535"},
		{with(strings.Split(doc, "\n")[:4]), `1: gadget account "g" is missing feeds, password`},
	} {
		if _, err := list.Parse("c.toml", []byte(tc.toml)); err == nil || err.Error() != "c.toml:"+tc.want {
			t.Errorf("error %v, want c.toml:%s", err, tc.want)
		}
	}

	out := list.RenderAccount(a)
	if back, err := list.Parse("c.toml", []byte(out)); err != nil || !reflect.DeepEqual(back.Accounts[0].Values, want) {
		t.Fatalf("rendered\n%s\nparses to %+v, %v", out, back, err)
	}
	bad := a
	bad.Values = map[string]any{"host": "http://g.example.com", "port": int64(70000)}
	var got []problem
	for _, fe := range list.CheckAccount(filepath.Join(t.TempDir(), "c.toml"), bad, nil) {
		got = append(got, problem{fe.Field, fe.Msg})
	}
	wantProblems := []problem{{"feeds", "feeds is required"}, {"password", "password is required"},
		{"host", "host must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1"}, {"port", "port must be 1 to 65535"}}
	if !reflect.DeepEqual(got, wantProblems) {
		t.Fatalf("problems %v, want %v", got, wantProblems)
	}
	if keys := gadget.SecretKeys(); !reflect.DeepEqual(keys, []string{"password"}) {
		t.Fatalf("secret keys %v", keys)
	}
	kr := memKeyring{fakeKeyring: fakeKeyring{secrets: map[string]string{}}}
	stored, err := list.StoreSecrets(kr, a)
	if err != nil || stored.Values["password"] != "keyring:g-password" || kr.secrets["g-password"] != "pw" || a.Values["password"] != "pw" {
		t.Fatalf("stored %v (%v), keyring %v, original %v", stored.Values, err, kr.secrets, a.Values)
	}
}
