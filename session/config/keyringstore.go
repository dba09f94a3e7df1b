package config

import (
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// KeyringStore is a Keyring that can also keep and forget secrets: what the
// window's account form needs to move a secret out of the config file.
type KeyringStore interface {
	Keyring
	// Set stores secret under key, replacing what was there.
	Set(key, secret string) error
	// Delete forgets key; a missing key is not an error.
	Delete(key string) error
}

// SystemKeyringStore returns the OS keyring as a KeyringStore.
func SystemKeyringStore() KeyringStore { return systemKeyring{} }

// Set stores secret under key in the OS keyring.
func (systemKeyring) Set(key, secret string) error {
	if err := keyring.Set(KeyringService, key, secret); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
	}
	return nil
}

// Delete removes key from the OS keyring.
func (systemKeyring) Delete(key string) error {
	err := keyring.Delete(KeyringService, key)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
}

// SecretKeys names the secret-bearing keys of an account kind ("token" of
// a whep account is each stream's).
func SecretKeys(kind string) []string {
	switch kind {
	case KindTuya:
		return []string{"secret"}
	case KindEEN:
		return []string{"token"}
	case KindTRTC:
		return []string{"secret_key"}
	case KindWHEP:
		return []string{"token"}
	}
	return nil
}

// KeyringKey is the keyring key the window stores an account's secret
// under: "ACCOUNT-KEY", e.g. "home-secret".
func KeyringKey(account, key string) string { return account + "-" + key }

// StoreSecrets moves a's secrets into kr and returns a with "keyring:KEY"
// references in their place. Values that are references already stay. On
// an error a is returned unchanged along with it, so the caller can offer
// to keep the secrets in the file instead.
func StoreSecrets(kr KeyringStore, a Account) (Account, error) {
	out := a
	out.WHEPStreams = append([]WHEPStream(nil), a.WHEPStreams...)
	put := func(v *string, key string) error {
		if *v == "" || len(*v) > len(KeyringPrefix) && (*v)[:len(KeyringPrefix)] == KeyringPrefix {
			return nil
		}
		if err := kr.Set(key, *v); err != nil {
			return err
		}
		*v = KeyringPrefix + key
		return nil
	}
	var err error
	switch a.Kind {
	case KindTuya:
		err = put(&out.Secret, KeyringKey(a.Name, "secret"))
	case KindEEN:
		err = put(&out.Token, KeyringKey(a.Name, "token"))
	case KindTRTC:
		err = put(&out.SecretKey, KeyringKey(a.Name, "secret_key"))
	case KindWHEP:
		for i := range out.WHEPStreams {
			if err = put(&out.WHEPStreams[i].Token, KeyringKey(a.Name, out.WHEPStreams[i].Name+"-token")); err != nil {
				break
			}
		}
	}
	if err != nil {
		return a, fmt.Errorf("config: cannot keep the secret of %q in the OS keyring: %w", a.Name, err)
	}
	return out, nil
}
