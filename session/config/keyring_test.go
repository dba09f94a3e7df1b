package config_test

import (
	"errors"
	. "github.com/lookout-app/lookout/session/config"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeKeyring is an in-memory Keyring; err, when set, is returned by every
// Get as a keyring that cannot be reached would.
type fakeKeyring struct {
	secrets map[string]string
	err     error
}

func (k fakeKeyring) Get(key string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	s, ok := k.secrets[key]
	if !ok {
		return "", ErrSecretNotFound
	}
	return s, nil
}

func TestResolve(t *testing.T) {
	const secret = "s3cr3t-value"
	kr := fakeKeyring{secrets: map[string]string{"home-secret": secret, "blank": ""}}
	store := "`secret-tool store --label=lookout service lookout username "
	for _, tc := range []struct {
		name    string
		value   string
		kr      Keyring
		want    string
		wantErr error    // sentinel, or nil
		msg     []string // substrings the error must hold
	}{
		{"plain value", "plain", kr, "plain", nil, nil},
		{"empty value", "", kr, "", nil, nil},
		{"prefix inside value", "x keyring:a", kr, "x keyring:a", nil, nil},
		{"keyring hit", "keyring:home-secret", kr, secret, nil, nil},
		{"keyring miss", "keyring:other", kr, "", ErrSecretNotFound,
			[]string{`"other"`, store + "other`", "or put the value in the config file"}},
		{"keyring unavailable", "keyring:home-secret", fakeKeyring{err: errors.New("dbus: no session bus")}, "", ErrKeyringUnavailable,
			[]string{`"home-secret"`, "Secret Service", store + "home-secret`", "dbus: no session bus"}},
		{"keyring empty secret", "keyring:blank", kr, "", nil, []string{`"blank"`, store + "blank`"}},
		{"no key", "keyring:", kr, "", nil, []string{`names no key`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.value, tc.kr)
			if tc.msg == nil {
				if err != nil || got != tc.want {
					t.Fatalf("Resolve(%q) = %q, %v; want %q", tc.value, got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Resolve(%q) = %q, want an error", tc.value, got)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}

// TestSystemKeyringUnavailable runs the real go-keyring against a session
// bus that does not exist, as on a server with no Secret Service.
func TestSystemKeyringUnavailable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is Linux's keyring")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	_, err := Resolve("keyring:home-secret", SystemKeyring())
	if !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("error %v, want ErrKeyringUnavailable", err)
	}
	for _, m := range []string{`"home-secret"`, "secret-tool store --label=lookout service lookout username home-secret", "config file"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q lacks %q", err, m)
		}
	}
	// nil means the system keyring.
	if _, err := Resolve("keyring:home-secret", nil); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Resolve with nil keyring: %v, want ErrKeyringUnavailable", err)
	}
}
