package config_test

import (
	"errors"
	. "github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/internal/testcert"
	"github.com/lookout-app/lookout/session/kinds"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// lines joins its arguments as the lines of a file: argument i is line i+1.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

// Valid accounts of every kind, used as the start of cases.
var (
	tuyaOK = []string{
		`[[account]]`,
		`name = "home"`,
		`kind = "tuya"`,
		`endpoint = "https://openapi.tuyaus.com"`,
		`client_id = "id"`,
		`secret = "s"`,
		`uid = "u"`,
	}
	eenOK = []string{
		`[[account]]`,
		`name = "site"`,
		`kind = "een"`,
		`endpoint = "https://api.c000.eagleeyenetworks.com"`,
		`token = "t"`,
	}
)

func with(base []string, more ...string) string {
	return lines(append(append([]string{}, base...), more...)...)
}

// writeCA writes a self-signed certificate in PEM to dir/name.
func writeCA(t testing.TB, dir, name string) string {
	t.Helper()
	_, _, pemBytes := testcert.Server(t)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// errorCases are configs that must fail, each with the exact "LINE: msg"
// expected after the file name.
var errorCases = []struct {
	name string
	toml string
	want string
}{
	// TOML syntax and types, with go-toml's line.
	{"syntax unterminated string", lines(`[[account]]`, `name = "home`), `2: invalid toml: basic strings cannot have new lines`},
	{"syntax missing equals", lines(`[[account]]`, `name "home"`), `2: invalid toml: expected '=' after key`},
	{"syntax duplicate key", lines(`[[account]]`, `name = "a"`, `name = "b"`), `3: invalid toml: key name is already defined`},
	{"type name integer", lines(`[[account]]`, `kind = "een"`, `name = 5`), `3: name must be a string, not an integer`},
	{"type sdk_app_id string", lines(`[[account]]`, `kind = "trtc"`, `sdk_app_id = "1400000000"`), `3: sdk_app_id must be an integer, not a string`},
	{"type devices string", with(tuyaOK, `devices = "abc"`), `8: devices must be an array of strings, not a string`},
	{"type account integer", lines(`# accounts`, `account = 3`), `2: account must be [[account]] tables, not an integer`},
	{"single-bracket account", lines(`# accounts`, `[account]`, `name = "home"`), `2: [account] must be written [[account]] (an array of tables)`},
	{"single-bracket stream", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[account.stream]`, `name = "lobby"`, `url = "https://m.example/whep"`), `4: [account.stream] must be written [[account.stream]] (an array of tables)`},
	{"type name inline table", lines(`[[account]]`, `kind = "een"`, `name = {a = 1}`), `3: name must be a string, not an inline table`},
	{"type device integer", with(tuyaOK, `devices = ["d1", 2]`), `8: devices must hold only strings, not an integer`},
	{"type device nested array", with(tuyaOK, `devices = [["d1"]]`), `8: devices must hold only strings, not an array`},
	{"type stream inline table", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `stream = {name = "lobby", url = "https://m.example/whep"}`), `4: stream must be [[account.stream]] tables, not an inline table`},
	{"dotted stream key", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `stream.name = "lobby"`), `4: "stream.name" must go in a [[account.stream]] table`},
	{"dotted account key", lines(`# accounts`, `account.name = "home"`), `2: "account.name" must go in a [[account]] table`},
	{"stream before account", lines(`# streams`, `[[account.stream]]`, `name = "lobby"`), `2: [[account.stream]] must come after an [[account]] header`},

	// Unknown keys, from the decoder and per kind.
	{"unknown top-level key", lines(`title = "cams"`, ``, `[[account]]`), `1: unknown key "title" at the top level; only [[account]] tables belong there`},
	// go-toml matches a struct field's name whatever its case; TOML does not.
	{"account in capitals", lines(`[[Account]]`, `name = "home"`, `kind = "een"`, `endpoint = "https://e.example.com"`, `token = "t"`), `1: unknown key "Account" at the top level; only [[account]] tables belong there`},
	{"account in capitals before one", lines(`[[ACCOUNT]] # old`, `[[account]]`, `name = "home"`, `kind = "een"`, `endpoint = "https://e.example.com"`, `token = "t"`), `1: unknown key "ACCOUNT" at the top level; only [[account]] tables belong there`},
	{"account key in capitals", lines(`# accounts`, `Account = [{name = "home"}]`), `2: unknown key "Account" at the top level; only [[account]] tables belong there`},
	{"unknown account key", with(tuyaOK, `colour = "red"`), `8: unknown key "colour" in [[account]]; check its spelling`},
	{"unknown stream key", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://m.example/whep"`, `pubish_url = "https://m.example/whip"`), `7: unknown key "pubish_url" in [[account.stream]]; check its spelling`},
	{"key of another kind", with(eenOK, `devices = ["d1"]`), `6: key "devices" is not used by een accounts; remove it`},
	{"streams in whep", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `streams = ["a"]`, `[[account.stream]]`, `name = "lobby"`, `url = "https://m.example/whep"`), `4: key "streams" is not used by whep accounts; remove it`},
	{"unknown wcs room key", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com:8443"`, `rooms = [`, `  {name = "ops", streams = ["a"]},`, `  {name = "lab", streams = ["b"], colour = "red"},`, `]`), `7: unknown key "colour" in a wcs room; use name and streams`},

	// Kind and name.
	{"unknown kind", lines(`[[account]]`, `name = "home"`, `kind = "nest"`), `3: unknown kind "nest"; use tuya, een, wcs, whep or trtc`},
	{"missing kind", lines(`[[account]]`, `name = "home"`), `1: account has no kind; add kind = "..." with one of tuya, een, wcs, whep or trtc`},
	{"missing name", lines(`# one`, `[[account]]`, `kind = "een"`, `endpoint = "https://e.example"`, `token = "t"`), `2: account has no name; add name = "..." using a-z, 0-9, _ and -`},
	{"upper-case name", lines(`[[account]]`, `kind = "een"`, `name = "Home"`, `endpoint = "https://e.example"`, `token = "t"`), `3: account name "Home" is invalid; use only a-z, 0-9, _ and -`},
	{"name with slash", lines(`[[account]]`, `kind = "een"`, `name = "a/b"`, `endpoint = "https://e.example"`, `token = "t"`), `3: account name "a/b" is invalid; use only a-z, 0-9, _ and -`},
	{"empty name", lines(`[[account]]`, `kind = "een"`, `name = ""`, `endpoint = "https://e.example"`, `token = "t"`), `3: account name "" is invalid; use only a-z, 0-9, _ and -`},
	{"repeated name", with(tuyaOK, ``, `[[account]]`, `kind = "een"`, `endpoint = "https://e.example"`, `token = "t"`, `name = "home"`), `13: account name "home" is already used on line 2; names must be unique`},
	{"repeated name inline", lines(`account = [`, `  {name = "a", kind = "een", endpoint = "https://e.example", token = "t"},`, `  {name = "a", kind = "een", endpoint = "https://e.example", token = "t"},`, `]`), `3: account name "a" is already used on line 2; names must be unique`},

	// Required keys, at the account header.
	{"tuya missing keys", lines(`# home`, `[[account]]`, `name = "home"`, `kind = "tuya"`, `endpoint = "https://openapi.tuyaus.com"`, `secret = "s"`), `2: tuya account "home" is missing client_id, uid`},
	{"een missing token", lines(`[[account]]`, `name = "site"`, `kind = "een"`, `endpoint = "https://e.example"`), `1: een account "site" is missing token`},
	{"wcs missing url", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `streams = ["cam1"]`), `1: wcs account "wcs" is missing url`},
	{"wcs missing streams", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `streams = []`, `rooms = []`), `1: wcs account "wcs" is missing streams (or rooms)`},
	{"whep without stream", lines(`[[account]]`, `name = "media"`, `kind = "whep"`), `1: whep account "media" is missing a [[account.stream]] with name and url`},
	{"whep stream missing url", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, ``, `[[account.stream]]`, `name = "lobby"`), `5: stream of whep account "media" is missing url`},
	{"trtc missing keys", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `user_id = "desk-1"`), `1: trtc account "meet" is missing sdk_app_id, secret_key`},
	{"empty client_id", with(tuyaOK[:4], `client_id = ""`, `secret = "s"`, `uid = "u"`), `5: client_id is empty; set it`},
	{"empty token", with(eenOK[:4], `token = ""`), `5: token is empty; set it`},

	// Values.
	{"sign_method sha1", with(tuyaOK, `sign_method = "sha1"`), `8: sign_method must be "hmac" or "md5", not "sha1"`},
	{"endpoint http remote", with(eenOK[:3], `endpoint = "http://api.example.com"`, `token = "t"`), `4: endpoint must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1`},
	{"endpoint without scheme", with(eenOK[:3], `endpoint = "api.example.com"`, `token = "t"`), `4: endpoint is not an absolute url; write https://HOST/...`},
	{"endpoint ftp", with(eenOK[:3], `endpoint = "ftp://api.example.com"`, `token = "t"`), `4: endpoint must be an absolute https:// url`},
	{"endpoint empty", with(eenOK[:3], `endpoint = ""`, `token = "t"`), `4: endpoint is empty; set an absolute https:// url`},
	{"wcs url https", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "https://wcs.example.com"`, `streams = ["cam1"]`), `4: url must be an absolute wss:// url`},
	{"wcs url ws remote", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "ws://wcs.example.com:8080"`, `streams = ["cam1"]`), `4: url must use wss://; ws:// is allowed only for 127.0.0.1, localhost or ::1`},
	{"whep url http remote", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "http://media.example.com/lobby/whep"`), `6: url must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1`},
	{"whep sub_url http remote", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://media.example.com/lobby/whep"`, `sub_url = "http://media.example.com/lobby-sub/whep"`), `7: sub_url must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1`},
	{"whep publish_url http remote", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://media.example.com/lobby/whep"`, `publish_url = "http://media.example.com/lobby/whip"`), `7: publish_url must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1`},
	{"whep repeated stream", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://m.example/a"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://m.example/b"`), `8: stream "lobby" is listed twice in whep account "media"`},
	{"whep token keyring without key", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`, `url = "https://m.example/a"`, `token = "keyring:"`), `7: token says "keyring:" but names no key; write "keyring:KEY"`},
	{"sdk_app_id zero", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `sdk_app_id = 0`, `secret_key = "k"`, `user_id = "desk-1"`), `5: sdk_app_id must be a positive integer`},
	{"secret keyring without key", with(tuyaOK[:5], `secret = "keyring:"`, `uid = "u"`), `6: secret says "keyring:" but names no key; write "keyring:KEY"`},
	{"device repeated", with(tuyaOK, `devices = [`, `  "d1",`, `  "d1",`, `]`), `10: device id "d1" is listed twice in tuya account "home"`},
	{"device with slash", with(tuyaOK, `devices = ["d1", "a/b"]`), `8: device id "a/b" is invalid; ids cannot be blank or contain '/'`},
	{"trtc room table without name", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `sdk_app_id = 1400000000`, `secret_key = "k"`, `user_id = "desk-1"`, `rooms = [{members = ["a"]}]`), `8: trtc room needs a name string, like {name = "8080"}`},
	{"trtc usersig_ttl bad", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `sdk_app_id = 1400000000`, `secret_key = "k"`, `user_id = "desk-1"`, `usersig_ttl = "soon"`), `8: usersig_ttl "soon" must be a duration of at least 1m, like "24h"`},
	{"trtc room integer", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `sdk_app_id = 1400000000`, `secret_key = "k"`, `user_id = "desk-1"`, `rooms = [`, `  "a",`, `  8080,`, `]`), `10: room 8080 must be a string; write "8080"`},
	{"trtc rooms string", lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`, `sdk_app_id = 1400000000`, `secret_key = "k"`, `user_id = "desk-1"`, `rooms = "8080"`), `8: rooms must be an array of strings or tables, like rooms = ["8080"] or [{name = "8080", members = ["alice"]}]`},
	{"wcs rooms strings", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `rooms = ["ops"]`), `5: rooms must be an array of tables, like rooms = [{name = "ops", streams = ["a", "b"]}]`},
	{"wcs room without streams", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `[[account.rooms]]`, `name = "ops"`), `5: wcs room needs streams, like streams = ["a", "b"]`},
	{"wcs room without name", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `rooms = [`, `  {streams = ["a"]},`, `]`), `6: wcs room is missing name`},
	{"wcs room named like a stream", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `streams = ["cam1"]`, `rooms = [{name = "cam1", streams = ["a"]}]`), `6: room "cam1" is already a stream or room of wcs account "wcs"`},
	{"wcs room stream with slash", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `[[account.rooms]]`, `name = "ops"`, `streams = ["a", "b/c"]`), `7: stream "b/c" is invalid; ids cannot be blank or contain '/'`},
	{"wcs rooms one table", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `rooms = {name = "ops", streams = ["a"]}`), `5: rooms must be an array of tables, like rooms = [{name = "ops", streams = ["a", "b"]}]`},
	{"wcs empty talk_stream", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `streams = ["cam1"]`, `talk_stream = " "`), `6: talk_stream is empty; set it`},
	{"talk_stream on tuya", lines(`[[account]]`, `name = "home"`, `kind = "tuya"`, `endpoint = "https://openapi.tuyaus.com"`, `client_id = "x"`, `secret = "y"`, `uid = "z"`, `talk_stream = "a"`), `8: key "talk_stream" is not used by tuya accounts; remove it`},
	{"wcs empty app_key", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "wss://wcs.example.com"`, `app_key = ""`, `streams = ["cam1"]`), `5: app_key is empty; set it`},
	{"ca_file missing", with(eenOK, `ca_file = "nope.pem"`), `6: cannot read ca_file "nope.pem": no such file or directory`},
	{"ca_file not pem", with(eenOK, `ca_file = "notes.txt"`), `6: ca_file "notes.txt" holds no PEM certificate`},

	// Several problems: the earliest line is reported.
	{"earliest error wins", with(tuyaOK, `sign_method = "sha1"`, ``, `[[account]]`, `name = "x"`, `kind = "nest"`), `8: sign_method must be "hmac" or "md5", not "sha1"`},
	{"header error before key error", lines(`[[account]]`, `name = "site"`, `kind = "een"`, `endpoint = "http://e.example"`), `1: een account "site" is missing token`},
}

// validCases are configs that must parse, with the accounts' names.
var validCases = []struct {
	name  string
	toml  string
	names []string
}{
	{"empty file", "", nil},
	{"comments only", lines(`# nothing yet`, ``), nil},
	{"tuya minimal", with(tuyaOK), []string{"home"}},
	{"tuya md5 loopback http", lines(`[[account]]`, `name = "demo-tuya"`, `kind = "tuya"`, `endpoint = "http://127.0.0.1:8080"`, `client_id = "id"`, `secret = "keyring:demo"`, `uid = "u"`, `sign_method = "md5"`, `devices = ["d1", "d2"]`), []string{"demo-tuya"}},
	{"een localhost and ipv6", with(eenOK, ``, `[[account]]`, `name = "site_2"`, `kind = "een"`, `endpoint = "http://[::1]:9000/"`, `token = "t"`, ``, `[[account]]`, `name = "site3"`, `kind = "een"`, `endpoint = "http://localhost:9000"`, `token = "t"`), []string{"site", "site_2", "site3"}},
	{"wcs ws loopback, rooms only", lines(`[[account]]`, `name = "wcs"`, `kind = "wcs"`, `url = "ws://127.0.0.1:8080"`, `[[account.rooms]]`, `name = "ops"`, `streams = ["a", "b"]`), []string{"wcs"}},
	{"inline streams", lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `stream = [{name = "a", url = "https://m.example/a"}, {name = "b", url = "https://m.example/b", publish_url = "https://m.example/b/whip", token = "keyring:media-b"}]`), []string{"media"}},
	{"inline accounts", lines(`account = [{name = "a", kind = "een", endpoint = "https://e.example", token = "t"}]`), []string{"a"}},
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ks.Parse(path, []byte(tc.toml))
			if err == nil {
				t.Fatalf("Parse succeeded with %d accounts, want error %q", len(cfg.Accounts), tc.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if got, want := err.Error(), path+":"+tc.want; got != want {
				t.Fatalf("error\n got %q\nwant %q", got, want)
			}
			if ce.File != path {
				t.Errorf("File = %q, want %q", ce.File, path)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ks.Parse("config.toml", []byte(tc.toml))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range cfg.Accounts {
				names = append(names, a.Name)
			}
			if !reflect.DeepEqual(names, tc.names) {
				t.Fatalf("names = %q, want %q", names, tc.names)
			}
			if cfg.Missing || cfg.Path != "config.toml" {
				t.Fatalf("Missing = %v, Path = %q", cfg.Missing, cfg.Path)
			}
		})
	}
}

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ks.Parse("testdata/example.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Path: "testdata/example.toml", Accounts: []Account{
		{
			Name: "home", Kind: "tuya", Line: 1,
			Endpoint: "https://openapi.tuyaus.com", ClientID: "tuya-client-id", Secret: "keyring:home-secret",
			UID: "az1600000000000abcde", SignMethod: "hmac", Devices: []string{},
		},
		{
			Name: "site", Kind: "een", Line: 12,
			Endpoint: "https://api.c000.eagleeyenetworks.com", Token: "een-access-token",
		},
		{
			Name: "wcs", Kind: "wcs", Line: 19,
			URL: "wss://wcs.example.com:8443", AppKey: "defaultApp", Streams: []string{"cam1", "cam2"},
			TalkStream: "{stream}-talk",
		},
		{
			Name: "media", Kind: "whep", Line: 29,
			WHEPStreams: []WHEPStream{{Name: "lobby", URL: "https://media.example.com/lobby/whep"}},
		},
		{
			Name: "meet", Kind: "trtc", Line: 38,
			Endpoint: "https://signaling.rtc-web.com", SDKAppID: 1400000000,
			SecretKey: "keyring:meet-secret-key", UserID: "desk-1", TRTCRooms: []string{"8080"},
			Values: map[string]any{"rooms": []any{"8080"}},
		},
	}}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got  %+v\nwant %+v", cfg, want)
	}
	if a, ok := cfg.Account("media"); !ok || a.Line != 29 {
		t.Fatalf("Account(media) = %+v, %v", a, ok)
	}
	if _, ok := cfg.Account("nope"); ok {
		t.Fatal("Account(nope) found")
	}
}

func TestParseWCSRoomsAndDefaults(t *testing.T) {
	doc := lines(
		`[[account]]`,
		`name = "wcs"`,
		`kind = "wcs"`,
		`url = "wss://wcs.example.com"`,
		`streams = ["cam1"]`,
		`rooms = [{name = "ops", streams = ["a", "b"]}, {name = "lab", streams = ["c"]}]`,
	)
	cfg, err := ks.Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.AppKey != "defaultApp" {
		t.Errorf("AppKey = %q, want the default %q", a.AppKey, "defaultApp")
	}
	want := []WCSRoom{{Name: "ops", Streams: []string{"a", "b"}}, {Name: "lab", Streams: []string{"c"}}}
	if !reflect.DeepEqual(a.WCSRooms, want) {
		t.Errorf("WCSRooms = %+v, want %+v", a.WCSRooms, want)
	}
}

func TestParseCAFile(t *testing.T) {
	dir := t.TempDir()
	writeCA(t, dir, "ca.pem")
	path := filepath.Join(dir, "config.toml")
	cfg, err := ks.Parse(path, []byte(with(eenOK, `ca_file = "ca.pem"`)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Accounts[0].CAFile, filepath.Join(dir, "ca.pem"); got != want {
		t.Fatalf("CAFile = %q, want %q (relative to the config file)", got, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(dir, "none", "config.toml")
		cfg, err := ks.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Missing || cfg.Path != path || len(cfg.Accounts) != 0 {
			t.Fatalf("Load = %+v, want Missing with no accounts", cfg)
		}
	})
	t.Run("existing file", func(t *testing.T) {
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, []byte(with(eenOK)), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := ks.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Missing || len(cfg.Accounts) != 1 || cfg.Accounts[0].Name != "site" {
			t.Fatalf("Load = %+v", cfg)
		}
	})
	t.Run("bad file", func(t *testing.T) {
		path := filepath.Join(dir, "bad.toml")
		if err := os.WriteFile(path, []byte(lines(`[[account]]`, `name = "x"`, `kind = "nest"`)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ks.Load(path)
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != 3 {
			t.Fatalf("Load error = %v, want an *Error on line 3", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		_, err := ks.Load(dir) // a directory
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != 0 {
			t.Fatalf("Load error = %#v, want an *Error with no line", err)
		}
		if want := dir + ": cannot read the file: is a directory"; err.Error() != want {
			t.Fatalf("error %q, want %q", err, want)
		}
	})
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  Error
		want string
	}{
		{"file and line", Error{File: "c.toml", Line: 3, Msg: "bad"}, "c.toml:3: bad"},
		{"no line", Error{File: "c.toml", Msg: "bad"}, "c.toml: bad"},
		{"nothing", Error{Msg: "bad"}, "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPath(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("HOME", t.TempDir())
	def, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := os.UserConfigDir()
	if want := filepath.Join(base, "lookout", "config.toml"); def != want {
		t.Fatalf("DefaultPath = %q, want %q", def, want)
	}
	for _, tc := range []struct {
		name, flag, env, want string
	}{
		{"flag wins", "/f.toml", "/e.toml", "/f.toml"},
		{"env", "", "/e.toml", "/e.toml"},
		{"default", "", "", def},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvConfig, tc.env)
			got, err := Path(tc.flag)
			if err != nil || got != tc.want {
				t.Fatalf("Path(%q) = %q, %v; want %q", tc.flag, got, err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range errorCases {
		f.Add([]byte(tc.toml))
	}
	for _, tc := range validCases {
		f.Add([]byte(tc.toml))
	}
	if data, err := os.ReadFile("testdata/example.toml"); err == nil {
		f.Add(data)
	}
	dir := f.TempDir()
	writeCA(f, dir, "ca.pem")
	path := filepath.Join(dir, "config.toml")
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ks.Parse(path, data)
		if err != nil {
			ce, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if ce.File != path || ce.Line < 0 || ce.Line > strings.Count(string(data), "\n")+1 || ce.Msg == "" {
				t.Fatalf("bad error %#v for %d lines", ce, strings.Count(string(data), "\n")+1)
			}
			return
		}
		seen := map[string]bool{}
		for _, a := range cfg.Accounts {
			if !regexp.MustCompile(`^[a-z0-9_-]+$`).MatchString(a.Name) || seen[a.Name] {
				t.Fatalf("accepted bad or repeated name %q", a.Name)
			}
			seen[a.Name] = true
			if _, ok := ks.Lookup(a.Kind); !ok {
				t.Fatalf("accepted kind %q", a.Kind)
			}
			if a.Line < 1 {
				t.Fatalf("account %q has line %d", a.Name, a.Line)
			}
		}
	})
}

// ks are the kinds the app knows.
var ks = kinds.List().Config()

// TestParseWHEPSubURL reads a stream's optional sub_url, and writes it back
// in the account's stream tables.
func TestParseWHEPSubURL(t *testing.T) {
	c, err := ks.Parse("config.toml", []byte(lines(`[[account]]`, `name = "media"`, `kind = "whep"`, `[[account.stream]]`, `name = "lobby"`,
		`url = "https://media.example.com/lobby/whep"`, `sub_url = "https://media.example.com/lobby-sub/whep"`)))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Account("media")
	if len(a.WHEPStreams) != 1 || a.WHEPStreams[0].SubURL != "https://media.example.com/lobby-sub/whep" {
		t.Fatalf("streams %+v", a.WHEPStreams)
	}
	if got := ks.Tables(a); !strings.Contains(got, `sub_url = "https://media.example.com/lobby-sub/whep"`) {
		t.Fatalf("stream tables lose sub_url:\n%s", got)
	}
}
