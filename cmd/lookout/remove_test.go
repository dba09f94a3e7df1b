package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session/config"
)

// keyringDouble is an OS keyring in memory whose Delete fails for the keys
// in refuse, as a locked Secret Service does.
type keyringDouble struct {
	secrets map[string]string
	refuse  map[string]bool
}

func (k *keyringDouble) Get(key string) (string, error) {
	s, ok := k.secrets[key]
	if !ok {
		return "", config.ErrSecretNotFound
	}
	return s, nil
}

func (k *keyringDouble) Set(key, s string) error { k.secrets[key] = s; return nil }

func (k *keyringDouble) Delete(key string) error {
	if k.refuse[key] {
		return fmt.Errorf("%w: the collection is locked", config.ErrKeyringUnavailable)
	}
	delete(k.secrets, key)
	return nil
}

// TestAccountRemove: "lookout account remove NAME" takes the account out of
// the file and its stored secret out of the keyring; when the keyring
// refuses to delete it, the account is still removed (exit 0) and one
// warning line on stderr names the entry left and how to delete it, without
// the secret. An unknown account is bad usage (exit 2).
func TestAccountRemove(t *testing.T) {
	const secret = "tuya-s3cret-in-keyring"
	doc := `# desk

[[account]]
name = "home"
kind = "tuya"
endpoint = "https://openapi.tuyaus.com"
client_id = "cid"
secret = "keyring:home-secret"
uid = "u1"

[[account]]
name = "site"
kind = "een"
endpoint = "https://api.c000.eagleeyenetworks.com"
token = "keyring:site-token"
`
	tests := []struct {
		name    string
		refuse  bool
		warning bool
	}{
		{"keyring deletes", false, false},
		{"keyring refuses", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			kr := &keyringDouble{secrets: map[string]string{"home-secret": secret, "site-token": "een-t0ken"}, refuse: map[string]bool{"home-secret": tc.refuse}}
			old := keyringStore
			keyringStore = func() config.KeyringStore { return kr }
			defer func() { keyringStore = old }()

			code, out, stderr := lookout(t, context.Background(), "--config", path, "account", "remove", "home")
			if code != exitOK || !strings.Contains(out, `removed account "home"`) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			cfg, err := kindList.Config().Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := cfg.Account("home"); ok || len(cfg.Accounts) != 1 {
				t.Fatalf("the file still has home, or lost site: %+v", cfg.Accounts)
			}
			_, stillThere := kr.secrets["home-secret"]
			if stillThere != tc.refuse || kr.secrets["site-token"] == "" {
				t.Fatalf("keyring after removal: %v", kr.secrets)
			}
			if !tc.warning {
				if stderr != "" {
					t.Fatalf("stderr %q", stderr)
				}
				return
			}
			want := "lookout: account remove home: warning: "
			if !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 ||
				!strings.Contains(stderr, "secret-tool clear service lookout username home-secret") || strings.Contains(stderr, secret) {
				t.Fatalf("stderr %q, want one warning line naming home-secret", stderr)
			}
		})
	}

	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := lookout(t, context.Background(), "--config", path, "account", "remove", "nobody"); code != exitUsage ||
		!strings.HasPrefix(stderr, "lookout: account: no account \"nobody\"") {
		t.Fatalf("unknown account: exit %d, stderr %q", code, stderr)
	}
}
