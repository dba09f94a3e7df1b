package config_test

import (
	. "github.com/lookout-app/lookout/session/config"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const editDoc = `# my cameras
# (hand-written)

# the house
[[account]]
name = "home"   # the house
kind = "tuya"
endpoint = "https://openapi.tuyaus.com"
client_id = "abc"
secret = "keyring:home-secret"  # kept in the keyring
uid = "u1"
devices = [
  "d1",  # porch
  "d2",
]

# media server
[[account]]
name = "media"
kind = "whep"
[[account.stream]]
name = "lobby"
url = "https://media.example.com/lobby/whep"
`

func TestEditAccounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	tuya := Account{Name: "shop", Kind: "tuya", Endpoint: "https://openapi.tuyaeu.com", ClientID: "id2",
		Secret: "keyring:shop-secret", UID: "u2", SignMethod: "md5"}
	for _, tc := range []struct {
		name     string
		edit     func([]byte) ([]byte, error)
		contains []string // substrings the result must hold
		absent   []string
		accounts []string // names after the edit
	}{
		{
			name:     "add keeps everything",
			edit:     func(d []byte) ([]byte, error) { return ks.AddAccount(d, tuya), nil },
			contains: []string{"# my cameras", "# the house", `name = "home"   # the house`, `"d1",  # porch`, `sign_method = "md5"`},
			accounts: []string{"home", "media", "shop"},
		},
		{
			name: "replace keeps comments and order",
			edit: func(d []byte) ([]byte, error) {
				a := Account{Name: "home", Kind: "tuya", Endpoint: "https://openapi.tuyaeu.com", ClientID: "xyz",
					Secret: "keyring:home-secret", UID: "u1"}
				return ks.ReplaceAccount(path, d, "home", a)
			},
			contains: []string{"# the house\n[[account]]\nname = \"home\"   # the house\nkind = \"tuya\"\nendpoint = \"https://openapi.tuyaeu.com\"\nclient_id = \"xyz\"\nsecret = \"keyring:home-secret\"  # kept in the keyring\nuid = \"u1\"\n\n# media server"},
			absent:   []string{"d1", "porch", "tuyaus"},
			accounts: []string{"home", "media"},
		},
		{
			name: "replace adds new keys after the last one",
			edit: func(d []byte) ([]byte, error) {
				a := Account{Name: "home", Kind: "tuya", Endpoint: "https://openapi.tuyaus.com", ClientID: "abc",
					Secret: "keyring:home-secret", UID: "u1", SignMethod: "md5", Devices: []string{"d3"}}
				return ks.ReplaceAccount(path, d, "home", a)
			},
			contains: []string{"uid = \"u1\"\ndevices = [\"d3\"]\nsign_method = \"md5\"\n"},
			accounts: []string{"home", "media"},
		},
		{
			name: "replace rewrites whep streams",
			edit: func(d []byte) ([]byte, error) {
				a := Account{Name: "media", Kind: "whep", WHEPStreams: []WHEPStream{{Name: "gate", URL: "https://m.example.com/gate/whep"}}}
				return ks.ReplaceAccount(path, d, "media", a)
			},
			contains: []string{"# media server\n[[account]]\nname = \"media\"\nkind = \"whep\"\n[[account.stream]]\nname = \"gate\""},
			absent:   []string{"lobby"},
			accounts: []string{"home", "media"},
		},
		{
			name:     "remove takes the comment above",
			edit:     func(d []byte) ([]byte, error) { return ks.RemoveAccount(path, d, "home") },
			contains: []string{"# my cameras\n# (hand-written)\n\n# media server\n[[account]]"},
			absent:   []string{"# the house", "home"},
			accounts: []string{"media"},
		},
		{
			name:     "remove the last",
			edit:     func(d []byte) ([]byte, error) { return ks.RemoveAccount(path, d, "media") },
			contains: []string{"  \"d2\",\n]\n"},
			absent:   []string{"media", "lobby"},
			accounts: []string{"home"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.edit([]byte(editDoc))
			if err != nil {
				t.Fatal(err)
			}
			s := string(out)
			for _, c := range tc.contains {
				if !strings.Contains(s, c) {
					t.Errorf("result lacks %q:\n%s", c, s)
				}
			}
			for _, c := range tc.absent {
				if strings.Contains(s, c) {
					t.Errorf("result still has %q:\n%s", c, s)
				}
			}
			cfg, err := ks.Save(path, out)
			if err != nil {
				t.Fatalf("result does not validate: %v\n%s", err, s)
			}
			var names []string
			for _, a := range cfg.Accounts {
				names = append(names, a.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.accounts, ",") {
				t.Errorf("accounts %v, want %v", names, tc.accounts)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
		})
	}
}

func TestEditErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if _, err := ks.RemoveAccount(path, []byte(editDoc), "nobody"); err == nil || !strings.Contains(err.Error(), `no account "nobody"`) {
		t.Errorf("remove of an unknown account: %v", err)
	}
	if err := os.WriteFile(path, []byte(editDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := ks.AddAccount([]byte(editDoc), Account{Name: "home", Kind: "een", Endpoint: "https://x.example.com", Token: "t"})
	if _, err := ks.Save(path, bad); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("a repeated name was saved: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != editDoc {
		t.Fatal("a failed save changed the file")
	}
}

// problem is a field error as the form shows it.
type problem struct{ field, msg string }

func TestCheckAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	for _, tc := range []struct {
		name string
		a    Account
		want []problem
	}{
		{"valid tuya", Account{Name: "h", Kind: "tuya", Endpoint: "https://e.example.com", ClientID: "c", Secret: "s", UID: "u"}, nil},
		{"missing keys", Account{Name: "h", Kind: "tuya", Endpoint: "https://e.example.com", UID: "u"},
			[]problem{{"client_id", "client_id is required"}, {"secret", "secret is required"}}},
		{"a missing key does not hide a bad one", Account{Name: "h", Kind: "tuya", Endpoint: "http://e.example.com", UID: "u"},
			[]problem{{"client_id", "client_id is required"}, {"secret", "secret is required"},
				{"endpoint", "endpoint must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1"}}},
		{"no name", Account{Kind: "een", Endpoint: "https://e.example.com", Token: "t"}, []problem{{"name", "name is required"}}},
		{"whep stream without url", Account{Name: "m", Kind: "whep", WHEPStreams: []WHEPStream{{Name: "lobby"}}},
			[]problem{{"stream", "url is empty; set an absolute https:// url"}}},
		{"bad name", Account{Name: "Home!", Kind: "een", Endpoint: "https://e.example.com", Token: "t"},
			[]problem{{"name", `account name "Home!" is invalid; use only a-z, 0-9, _ and -`}}},
		{"plain http", Account{Name: "e", Kind: "een", Endpoint: "http://e.example.com", Token: "t"},
			[]problem{{"endpoint", "endpoint must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1"}}},
		{"taken name", Account{Name: "home", Kind: "een", Endpoint: "https://e.example.com", Token: "t"},
			[]problem{{"name", `account name "home" is already used; names must be unique`}}},
		{"trtc app id", Account{Name: "m", Kind: "trtc", Endpoint: "https://e.example.com", SDKAppID: -1, SecretKey: "k", UserID: "u"},
			[]problem{{"sdk_app_id", "sdk_app_id must be a positive integer"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ks.CheckAccount(path, tc.a, []string{"home"})
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if (problem{got[i].Field, got[i].Msg}) != tc.want[i] {
					t.Errorf("problem %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

type memKeyring struct {
	fakeKeyring
	fail error
}

func (k memKeyring) Set(key, s string) error {
	if k.fail != nil {
		return k.fail
	}
	k.secrets[key] = s
	return nil
}

func (k memKeyring) Delete(key string) error { delete(k.secrets, key); return nil }

func TestStoreSecrets(t *testing.T) {
	kr := memKeyring{fakeKeyring: fakeKeyring{secrets: map[string]string{}}}
	a := Account{Name: "home", Kind: "tuya", Secret: "s3cret"}
	got, err := ks.StoreSecrets(kr, a)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "keyring:home-secret" || kr.secrets["home-secret"] != "s3cret" {
		t.Fatalf("stored %+v, keyring %v", got, kr.secrets)
	}
	again, err := ks.StoreSecrets(kr, got)
	if err != nil || again.Secret != got.Secret {
		t.Fatalf("a reference was stored again: %+v %v", again, err)
	}
	w := Account{Name: "media", Kind: "whep", WHEPStreams: []WHEPStream{{Name: "lobby", Token: "tok"}}}
	gw, err := ks.StoreSecrets(kr, w)
	if err != nil || gw.WHEPStreams[0].Token != "keyring:media-lobby-token" || w.WHEPStreams[0].Token != "tok" {
		t.Fatalf("whep: %+v (input %+v) %v", gw, w, err)
	}
	broken := memKeyring{fakeKeyring: fakeKeyring{secrets: map[string]string{}}, fail: ErrKeyringUnavailable}
	same, err := ks.StoreSecrets(broken, a)
	if err == nil || same.Secret != "s3cret" || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("failing keyring: %+v %v", same, err)
	}
}

// FuzzEditAccounts edits any valid config: removing its first account
// leaves a valid file with the others, and writing the first account over
// itself leaves a valid file with the same accounts.
func FuzzEditAccounts(f *testing.F) {
	f.Add([]byte(editDoc))
	f.Add([]byte("[[account]]\nname = \"a\"\nkind = \"een\"\nendpoint = \"https://e.example.com\"\ntoken = \"t\" # c\n"))
	f.Add([]byte("# x\n[[account]] # h\nname='w'\nkind='whep'\n[[account.stream]]\nname='s'\nurl='https://m.example.com/w'\n\n# next\n[[account]]\nname = \"t\"\nkind = \"trtc\"\nendpoint = \"https://s.example.com\"\nsdk_app_id = 1\nsecret_key = \"k\"\nuser_id = \"u\"\nrooms = [\n \"1\", # one\n]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/nonexistent/config.toml"
		cfg, err := ks.Parse(path, data)
		if err != nil || len(cfg.Accounts) == 0 {
			return
		}
		for _, a := range cfg.Accounts {
			if a.CAFile != "" {
				return // the file it names does not exist here
			}
		}
		first := cfg.Accounts[0]
		out, err := ks.RemoveAccount(path, data, first.Name)
		if err == nil {
			after, perr := ks.Parse(path, out)
			if perr != nil {
				t.Fatalf("removing %q broke the file: %v\n%s", first.Name, perr, out)
			}
			if len(after.Accounts) != len(cfg.Accounts)-1 {
				t.Fatalf("removing %q left %d of %d accounts", first.Name, len(after.Accounts), len(cfg.Accounts))
			}
		}
		out, err = ks.ReplaceAccount(path, data, first.Name, first)
		if err != nil {
			return
		}
		after, perr := ks.Parse(path, out)
		if perr != nil {
			t.Fatalf("rewriting %q broke the file: %v\n%s", first.Name, perr, out)
		}
		if len(after.Accounts) != len(cfg.Accounts) || after.Accounts[0].Name != first.Name {
			t.Fatalf("rewriting %q changed the accounts", first.Name)
		}
	})
}
