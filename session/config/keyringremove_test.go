package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/lookout-app/lookout/session/config"
)

// refusingKeyring is a keyring double whose Delete fails for the keys in
// refuse, as a locked or vanished Secret Service does.
type refusingKeyring struct {
	secrets map[string]string
	refuse  map[string]bool
}

func (k *refusingKeyring) Get(key string) (string, error) {
	s, ok := k.secrets[key]
	if !ok {
		return "", ErrSecretNotFound
	}
	return s, nil
}

func (k *refusingKeyring) Set(key, s string) error { k.secrets[key] = s; return nil }

func (k *refusingKeyring) Delete(key string) error {
	if k.refuse[key] {
		return fmt.Errorf("%w: the collection is locked", ErrKeyringUnavailable)
	}
	delete(k.secrets, key)
	return nil
}

// TestRemoveAccountFileReportsKeyringLeft: removing an account deletes the
// keyring entries Lookout stored for it; one the keyring refuses to delete
// is reported (ErrSecretNotDeleted, *SecretNotDeletedError naming the key
// and the keyring's cause) after the account left the file, the others are
// still deleted, and the report holds no secret.
func TestRemoveAccountFileReportsKeyringLeft(t *testing.T) {
	const doc = `# desk
[[account]]
name = "home"
kind = "tuya"
endpoint = "https://openapi.tuyaus.com"
client_id = "cid"
secret = "keyring:home-secret"
uid = "u1"

[[account]]
name = "media"
kind = "whep"
[[account.stream]]
name = "lobby"
url = "https://m.example.com/lobby/whep"
token = "keyring:media-lobby-token"
[[account.stream]]
name = "gate"
url = "https://m.example.com/gate/whep"
token = "keyring:media-gate-token"

[[account]]
name = "site"
kind = "een"
endpoint = "https://api.c000.eagleeyenetworks.com"
token = "keyring:shared-een-token"
`
	secrets := map[string]string{"home-secret": "tuya-s3cret-value", "media-lobby-token": "lobby-t0ken-value",
		"media-gate-token": "gate-t0ken-value", "shared-een-token": "een-t0ken-value"}
	tests := []struct {
		name    string
		account string
		refuse  []string
		left    []string // reported as not deleted
		gone    []string // deleted from the keyring
		kept    []string // still in the keyring, not reported
	}{
		{"all deleted", "home", nil, nil, []string{"home-secret"}, nil},
		{"keyring refuses the only one", "home", []string{"home-secret"}, []string{"home-secret"}, nil, nil},
		{"keyring refuses one of two", "media", []string{"media-gate-token"}, []string{"media-gate-token"}, []string{"media-lobby-token"}, nil},
		{"keyring refuses both", "media", []string{"media-lobby-token", "media-gate-token"}, []string{"media-lobby-token", "media-gate-token"}, nil, nil},
		{"a hand-written reference is not the account's", "site", []string{"shared-een-token"}, nil, nil, []string{"shared-een-token"}},
		{"no keyring", "home", nil, []string{"home-secret"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			kr := &refusingKeyring{secrets: map[string]string{}, refuse: map[string]bool{}}
			for k, v := range secrets {
				kr.secrets[k] = v
			}
			for _, k := range tc.refuse {
				kr.refuse[k] = true
			}
			var store KeyringStore = kr
			if tc.name == "no keyring" {
				store = nil
			}
			err := ks.RemoveAccountFile(path, tc.account, store)
			cfg, lerr := ks.Load(path)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if _, ok := cfg.Account(tc.account); ok || len(cfg.Accounts) != 2 {
				t.Fatalf("after removal the file has %d accounts, %q among them: %v", len(cfg.Accounts), tc.account, ok)
			}
			if len(tc.left) == 0 {
				if err != nil {
					t.Fatalf("RemoveAccountFile: %v", err)
				}
			} else {
				var left *SecretNotDeletedError
				if !errors.Is(err, ErrSecretNotDeleted) || !errors.Is(err, ErrKeyringUnavailable) || !errors.As(err, &left) {
					t.Fatalf("RemoveAccountFile: %v, want a *SecretNotDeletedError", err)
				}
				if left.Account != tc.account || !slices.Equal(left.Keys, tc.left) {
					t.Fatalf("reported %q keys %v, want %v", left.Account, left.Keys, tc.left)
				}
				for _, k := range tc.left {
					if !strings.Contains(err.Error(), "secret-tool clear service lookout username "+k) {
						t.Errorf("the report does not say how to delete %s: %v", k, err)
					}
				}
				for _, v := range secrets {
					if strings.Contains(err.Error(), v) {
						t.Fatalf("the report holds a secret: %v", err)
					}
				}
			}
			for _, k := range tc.gone {
				if _, ok := kr.secrets[k]; ok {
					t.Errorf("%s is still in the keyring", k)
				}
			}
			for _, k := range append(append([]string{}, tc.left...), tc.kept...) {
				if _, ok := kr.secrets[k]; !ok {
					t.Errorf("%s left the keyring", k)
				}
			}
		})
	}
}
