package diag

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/lookout-app/lookout/session/kinds"
)

// The secret every case hides; none of its parts occurs elsewhere.
const (
	sec  = "S3cr3t-Zq9XwV7"
	sec2 = "Other-Kp4RtY2"
)

// brokenConfigs are config files that fail to load, each hiding secrets in
// one of the shapes a person (or an attacker crafting a file) can give
// them. keep lists text that must survive, so that redaction is not just
// "remove everything".
var brokenConfigs = []struct {
	name, text string
	keep       []string
}{
	{"inline table with spaces", `[[account]]
name = "media"
kind = "whep"
stream = [{ name = "lobby", url = "https://m.example.com/lobby/whep", token = "` + sec + `" }]`,
		[]string{`kind = "whep"`, `name = "lobby"`, `url = "https://m.example.com/lobby/whep"`}},
	{"inline table without spaces", `x = {token="` + sec + `",name="cam"}`, []string{`name="cam"`}},
	{"inline tables across lines", "rooms = [\n  {name = \"ops\", streams = [\"a\"], secret_key = '" + sec + "'},\n  {name = \"b\", token = \"" + sec2 + "\"},\n]",
		[]string{`name = "ops"`, `streams = ["a"]`}},
	{"nested inline table", `a = { b = { c = 1, token = "` + sec + `" } }`, []string{"c = 1"}},
	{"spaces and tabs around =", "secret \t=\t  \"" + sec + "\"\ntoken   =   '" + sec2 + "'", nil},
	{"quoted keys", `"token" = "` + sec + `"` + "\n'secret_key' = '" + sec2 + "'", nil},
	{"dotted keys", `account.token = "` + sec + `"` + "\nstream . \"password\" = \"" + sec2 + `"`, nil},
	{"upper case key", `Token = "` + sec + `"` + "\nSECRET = \"" + sec2 + `"`, nil},
	{"keys the kinds do not list", `client_secret = "` + sec + `"` + "\nmqtt_password = \"" + sec2 + `"`, nil},
	{"multi-line basic string", "token = \"\"\"\n" + sec + "\n" + sec2 + "\"\"\"\nkind = \"een\"", []string{`kind = "een"`}},
	{"multi-line literal string", "secret = '''" + sec + "\n" + sec2 + "'''\nkind = \"tuya\"", []string{`kind = "tuya"`}},
	{"multi-line string never closed", "name = \"x\"\nsecret = \"\"\"" + sec + "\n" + sec2 + "\n", []string{`name = "x"`}},
	{"string never closed", "token = \"" + sec + "\nkind = \"een\"", []string{`kind = "een"`}},
	{"escaped quote inside", `token = "a\"` + sec + `"`, nil},
	{"bare value", "token = " + sec + "\nkind = \"een\"", []string{`kind = "een"`}},
	{"value on the next line", "token =\n   \"" + sec + "\"\nkind = \"een\"", []string{`kind = "een"`}},
	{"array of secrets", `token = ["` + sec + `", "` + sec2 + `"]`, nil},
	{"two pairs on one line", `name = "home" token = "` + sec + `"`, []string{`name = "home"`}},
	{"pair after a header", `[[account]] secret = "` + sec + `"`, []string{"[[account]]"}},
	{"pasted secret alone on a line", "[[account]]\nname = \"home\"\n" + sec + "\n", []string{`name = "home"`}},
	{"yaml style", "token: " + sec + "\nname = \"home\"", []string{`name = "home"`}},
	{"quoted table name", `["` + sec + `"]`, nil},
	{"password in a URL", `url = "wss://desk:` + sec + `@wcs.example.com:8443"`, []string{"wss://desk:"}},
	{"token in a URL", `url = "https://m.example.com/whep?token=` + sec + `&x=1"`, []string{"https://m.example.com/whep?"}},
	{"crlf line ends", "name = \"home\"\r\nsecret = \"" + sec + "\"\r\ntoken = " + sec2 + "\r\n", []string{`name = "home"`}},
	{"keyring reference kept", "secret = \"keyring:home-secret\"\ntoken = \"" + sec + "\"", []string{`secret = "keyring:home-secret"`}},
	{"keyring prefix with a value after it", `secret = "keyring:x" "` + sec + `"`, nil},
	{"table named after a secret", "[account.token]\nvalue = \"" + sec + "\"\n[[account]]\nname = \"home\"", []string{"[account.token]", `name = "home"`}},
	{"secret in the middle of a dotted key", `stream.token.value = "` + sec + `"`, nil},
	{"secret commented out", "# secret = \"" + sec + "\"\n  #token: " + sec2 + "\nname = \"home\" # old_password=" + sec[2:], []string{`name = "home"`, "# secret = "}},
	{"comment after the value kept", `secret = "` + sec + `"  # in the file for now`, []string{"# in the file for now"}},
}

// eatsRest names the cases whose value runs to the end of the file (an
// unterminated multi-line string), so nothing after it is kept.
var eatsRest = map[string]bool{"multi-line string never closed": true}

// kindConfigs writes each secret key of each kind, as the kinds declare
// them, inside an inline table with spaces: the shape today's line-start
// redaction missed.
func kindConfigs() (cases []struct{ name, text string }) {
	for _, k := range kinds.List().Config() {
		kind := k.Name
		for _, key := range k.SecretKeys() {
			cases = append(cases, struct{ name, text string }{kind + " " + key,
				"[[account]]\nkind = \"" + kind + "\"\nx = { " + key + " = \"" + sec + "\", other = 1 }\n" + key + "  =  \"" + sec2 + "\""})
		}
	}
	return cases
}

// exported runs text as a failing config through the whole export and
// returns config.toml as unpacked from the zip.
func exported(t *testing.T, text string) string {
	t.Helper()
	var z bytes.Buffer
	if err := Write(&z, Bundle{Config: []byte(text), ConfigPath: "/home/desk/.config/lookout/config.toml", Now: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z.Bytes()), int64(z.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "config.toml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatal("the zip has no config.toml")
	return ""
}

// TestBrokenConfigExportHasNoSecret: a config that fails to load (every
// case ends in a broken header, some are broken on their own) keeps none of
// its secrets in the diagnostics export, whatever shape they take, and
// keeps the rest of the file readable.
func TestBrokenConfigExportHasNoSecret(t *testing.T) {
	type tc struct {
		name, text string
		keep       []string
	}
	var cases []tc
	for _, c := range brokenConfigs {
		keep := c.keep
		if !eatsRest[c.name] {
			keep = append(keep, `name = "after"`)
		}
		cases = append(cases, tc{c.name, c.text, keep})
	}
	for _, c := range kindConfigs() {
		cases = append(cases, tc{"kind " + c.name, c.text, []string{"other = 1", `name = "after"`}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.text + "\n[[account]\nname = \"after\"\n"
			if _, err := kinds.List().Config().Parse("config.toml", []byte(text)); err == nil {
				t.Fatalf("the case loads; it must not:\n%s", text)
			}
			got := exported(t, text)
			for _, s := range []string{sec, sec2, sec[:8], sec[6:], sec2[:7]} {
				if strings.Contains(got, s) {
					t.Errorf("the export holds %q:\n%s", s, got)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(got, k) {
					t.Errorf("the export lost %q:\n%s", k, got)
				}
			}
		})
	}
}

// FuzzRedactConfig: for any text, every string the TOML decoder finds under
// a secret key is gone from RedactConfig's output, when the text is valid
// TOML; and RedactConfig never panics on text that is not. Seeded with the
// cases of TestBrokenConfigExportHasNoSecret, each with and without its
// breakage (the broken forms are also the corpus in
// testdata/fuzz/FuzzRedactConfig).
func FuzzRedactConfig(f *testing.F) {
	for _, c := range brokenConfigs {
		f.Add(c.text)
		f.Add(c.text + "\n[[account]\n")
	}
	for _, c := range kindConfigs() {
		f.Add(c.text)
	}
	f.Add("a = { b = [ { token = \"" + sec + "\" } ] }\n")
	f.Fuzz(func(t *testing.T, text string) {
		out := string(RedactConfig([]byte(text)))
		var doc map[string]any
		if toml.Unmarshal([]byte(text), &doc) != nil {
			return
		}
		for _, v := range secretValues(doc, false) {
			// A value that also occurs elsewhere in the file (as a name, a
			// comment or a key) may rightly stay there; "keyring:" names a
			// key.
			if len(v) < 6 || strings.Count(text, v) != 1 || strings.HasPrefix(v, "keyring:") || strings.Contains(Redacted, v) {
				continue
			}
			if strings.Contains(out, v) {
				t.Fatalf("secret %q survived:\n%s\n---\n%s", v, text, out)
			}
		}
	})
}

// secretValues returns the strings of doc held under a secret key, at any
// depth (inline tables, arrays, tables).
func secretValues(v any, secret bool) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, secretValues(e, secret || isSecretKey(k))...)
		}
	case []any:
		for _, e := range x {
			out = append(out, secretValues(e, secret)...)
		}
	case string:
		if secret {
			out = append(out, x)
		}
	}
	return out
}
