// Package diag writes the diagnostics bundle a user attaches to a support
// ticket: one zip with the recent logs, the last pre-check report, the
// versions of Lookout and its libraries, and the config file, every secret
// removed. Redaction works on the text, so a secret that reached a log line
// by mistake is caught too.
package diag

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

// Redacted replaces every secret in a bundle.
const Redacted = "<redacted>"

// Bundle is what goes into the zip.
type Bundle struct {
	// Logs is the recent log text.
	Logs []byte
	// Report is the last pre-check report (encoded as JSON), or nil.
	Report any
	// Versions name the components and their versions; Versions() gives
	// those known from the build.
	Versions map[string]string
	// Config is the config file's text ("" when there is none) and
	// ConfigPath its name.
	Config     []byte
	ConfigPath string
	// Secrets are secret values known to the caller (resolved from the
	// keyring, for example) that must not appear anywhere in the bundle.
	Secrets []string
	// Now stamps the bundle.
	Now time.Time
}

// secretKeys are the config and JSON keys whose values are secrets.
var secretKeys = []string{"secret", "token", "secret_key", "password", "access_token", "refresh_token",
	"usersig", "user_sig", "credential", "auth", "passwd", "sign", "ice-pwd", "authorization", "key"}

var (
	// key = "value" in TOML, with the key one of secretKeys, at a line's
	// start (a config quoted in a log; the config file itself goes through
	// RedactConfig).
	reTOMLSecret = regexp.MustCompile(`(?im)^([ \t]*(?:` + alt(secretKeys) + `)[ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"|'[^']*')`)
	// "key": "value" in JSON, key=value and key: value in logs and URLs.
	// The quotes may be escaped, as in a JSON body logged as a string.
	reJSONSecret = regexp.MustCompile(`(?i)(\\?"(?:` + alt(secretKeys) + `)\\?"\s*:\s*\\?")[^"\\]*`)
	reKVSecret   = regexp.MustCompile(`(?i)\b((?:` + alt(secretKeys) + `)[ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"|[^\s&"]+)`)
	// The password of a URL's userinfo: scheme://user:password@host.
	reUserinfo    = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://[^/\s:@"']*:)[^/\s@"']*@`)
	reBearer      = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+`)
	reJWT         = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)
	reICEPassword = regexp.MustCompile(`(?m)(a=ice-pwd:)\S+`)
)

func alt(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = regexp.QuoteMeta(k)
	}
	return strings.Join(q, "|")
}

// RedactConfig removes the secret values of a config file's text, keeping
// "keyring:" references (they name a key, not the secret) and everything
// else as written. The text need not be valid TOML (see tomlredact.go):
// secrets in inline tables, after quoted or dotted keys, in multi-line
// strings or in a broken line are removed too, and a line that is not
// TOML at all is removed whole.
func RedactConfig(text []byte) []byte {
	return redactTOML(text)
}

// redactTOMLLines removes the values of secret keys written as TOML lines
// in free text (a config quoted in a log).
func redactTOMLLines(text []byte) []byte {
	return reTOMLSecret.ReplaceAllFunc(text, func(m []byte) []byte {
		sub := reTOMLSecret.FindSubmatch(m)
		v := strings.Trim(string(sub[2]), `"'`)
		if strings.HasPrefix(v, "keyring:") || v == "" {
			return m
		}
		return append(append([]byte{}, sub[1]...), `"`+Redacted+`"`...)
	})
}

// RedactText removes secrets from free text: the values of secret keys in
// key=value, "key": "value" and TOML form, bearer tokens, JWTs, SDP ICE
// passwords, and every value of secrets.
func RedactText(text []byte, secrets []string) []byte {
	out := redactTOMLLines(text)
	out = reUserinfo.ReplaceAll(out, []byte("${1}"+Redacted+"@"))
	out = reJSONSecret.ReplaceAll(out, []byte(`${1}`+Redacted))
	out = reKVSecret.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reKVSecret.FindSubmatch(m)
		if v := bytes.Trim(sub[2], `"`); bytes.HasPrefix(v, []byte("keyring:")) || string(v) == Redacted {
			return m
		}
		return append(append([]byte{}, sub[1]...), Redacted...)
	})
	out = reBearer.ReplaceAll(out, []byte("${1}"+Redacted))
	out = reJWT.ReplaceAll(out, []byte(Redacted))
	out = reICEPassword.ReplaceAll(out, []byte("${1}"+Redacted))
	// Longest first, so a secret holding another is removed whole.
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, s := range sorted {
		if len(s) >= 4 {
			out = bytes.ReplaceAll(out, []byte(s), []byte(Redacted))
		}
	}
	return out
}

// Versions returns the versions known from the build: Lookout's own, Go's,
// and that of every module built in (Fyne, pion, go-astiav, malgo, ...),
// keyed by module path.
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v["lookout"] = bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v["lookout"] += " " + s.Value
		}
	}
	for _, d := range bi.Deps {
		v[d.Path] = d.Version
	}
	return v
}

// Write writes b as a zip to w: logs.txt, precheck.json (when there is a
// report), versions.txt and config.toml (when there is a config), each
// passed through RedactText with b.Secrets; config.toml first goes
// through RedactConfig.
func Write(w io.Writer, b Bundle) error {
	z := zip.NewWriter(w)
	add := func(name string, data []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.Now})
		if err != nil {
			return err
		}
		_, err = f.Write(RedactText(data, b.Secrets))
		return err
	}
	if err := add("logs.txt", b.Logs); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	if b.Report != nil {
		rep, err := json.MarshalIndent(b.Report, "", "  ")
		if err != nil {
			return fmt.Errorf("diag: report: %w", err)
		}
		if err := add("precheck.json", rep); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
	}
	var vb strings.Builder
	keys := make([]string, 0, len(b.Versions))
	for k := range b.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&vb, "%s: %s\n", k, b.Versions[k])
	}
	if err := add("versions.txt", []byte(vb.String())); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	if len(b.Config) > 0 {
		head := "# " + b.ConfigPath + ", secrets removed\n"
		if err := add("config.toml", append([]byte(head), RedactConfig(b.Config)...)); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	return nil
}

// Ring keeps the last lines written to it, for the bundle's logs. It is an
// io.Writer safe for concurrent use.
type Ring struct {
	mu    sync.Mutex
	lines [][]byte
	max   int
	part  []byte
}

// NewRing keeps the last n lines.
func NewRing(n int) *Ring { return &Ring{max: max(n, 1)} }

// Write implements io.Writer.
func (r *Ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := append(r.part, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		r.lines = append(r.lines, append([]byte(nil), data[:i+1]...))
		if len(r.lines) > r.max {
			r.lines = r.lines[len(r.lines)-r.max:]
		}
		data = data[i+1:]
	}
	r.part = append([]byte(nil), data...)
	return len(p), nil
}

// Bytes returns the lines kept.
func (r *Ring) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(bytes.Join(r.lines, nil), r.part...)
}
