package diag

import (
	"archive/zip"
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestNoSecretInTheExport writes a bundle whose config, logs and report
// carry secrets in every form Lookout meets them, unpacks the zip and looks
// for each secret in every file.
func TestNoSecretInTheExport(t *testing.T) {
	secrets := map[string]string{
		"tuya secret":        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
		"een token":          "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXNrIn0.c2lnbmF0dXJlLXZhbHVl",
		"trtc secret_key":    "trtc-secret-key-0123456789",
		"whep stream token":  "whep-bearer-abcdef",
		"keyring secret":     "from-the-keyring-7777",
		"mqtt password":      "mqtt-pass-5555",
		"ice password":       "icepwdicepwdicepwd1234",
		"turn credential":    "turn-cred-31415926",
		"tuya sign":          "ABCDEF0123456789ABCDEF0123456789",
		"access token in js": "tok-access-424242",
	}
	config := `# my cameras
[[account]]
name = "home"   # the house
kind = "tuya"
endpoint = "https://openapi.tuyaus.com"
client_id = "abc"
secret = "` + secrets["tuya secret"] + `"  # oops, not in the keyring
uid = "u1"

[[account]]
name = "site"
kind = "een"
endpoint = "https://api.c000.eagleeyenetworks.com"
token = '` + secrets["een token"] + `'

[[account]]
name = "meet"
kind = "trtc"
endpoint = "https://signaling.rtc-web.com"
sdk_app_id = 1400000000
secret_key = "keyring:meet-secret_key"
user_id = "desk-1"

[[account]]
name = "media"
kind = "whep"
[[account.stream]]
name = "lobby"
url = "https://media.example.com/lobby/whep"
token = "` + secrets["whep stream token"] + `"
`
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	log.Info("mqtt connect", "broker", "ssl://127.0.0.1:8883", "password", secrets["mqtt password"])
	log.Info("http", "url", "https://openapi.tuyaus.com/v1.0/token?grant_type=1&sign="+secrets["tuya sign"])
	log.Warn("whep", "header", "Authorization: Bearer "+secrets["whep stream token"])
	log.Debug("sdp", "answer", "v=0\r\na=ice-ufrag:abcd\na=ice-pwd:"+secrets["ice password"]+"\n")
	log.Error("unexpected", "err", "login failed for secret "+secrets["keyring secret"])
	log.Info("raw", "body", `{"access_token":"`+secrets["access token in js"]+`","expire_time":7200}`)
	log.Info("een", "jwt", secrets["een token"])
	report := map[string]any{"ok": true, "accounts": []map[string]any{{
		"account": "home", "steps": []map[string]any{{"name": "turn-udp", "detail": "turn:127.0.0.1:3478 credential=" + secrets["turn credential"]}},
	}}}
	var zipped bytes.Buffer
	err := Write(&zipped, Bundle{
		Logs: logs.Bytes(), Report: report, Versions: map[string]string{"lookout": "dev", "ffmpeg": "5.1"},
		Config: []byte(config), ConfigPath: "/home/desk/.config/lookout/config.toml",
		Secrets: []string{secrets["keyring secret"]}, Now: time.Unix(0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(b)
	}
	for _, name := range []string{"logs.txt", "precheck.json", "versions.txt", "config.toml"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the zip has no %s (has %v)", name, len(files))
		}
	}
	for name, body := range files {
		for what, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s holds the %s", name, what)
			}
		}
	}
	cfg := files["config.toml"]
	for _, kept := range []string{`name = "home"   # the house`, `secret = "<redacted>"  # oops, not in the keyring`,
		`secret_key = "keyring:meet-secret_key"`, `client_id = "abc"`, "# my cameras"} {
		if !strings.Contains(cfg, kept) {
			t.Errorf("config.toml lacks %q:\n%s", kept, cfg)
		}
	}
	if !strings.Contains(files["logs.txt"], `msg="mqtt connect"`) || !strings.Contains(files["versions.txt"], "ffmpeg: 5.1") {
		t.Errorf("the useful parts are gone:\n%s\n%s", files["logs.txt"], files["versions.txt"])
	}
}

func TestRing(t *testing.T) {
	r := NewRing(2)
	for _, s := range []string{"one\ntw", "o\nthree\n", "fo"} {
		if _, err := r.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(r.Bytes()); got != "two\nthree\nfo" {
		t.Fatalf("ring holds %q", got)
	}
}
