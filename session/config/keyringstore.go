package config

import (
	"errors"
	"fmt"
	"maps"
	"strings"

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

// KeyringKey is the keyring key the window stores an account's secret
// under: "ACCOUNT-KEY", e.g. "home-secret".
func KeyringKey(account, key string) string { return account + "-" + key }

// StoreSecrets moves a's secrets (the Secret fields of its kind, and of its
// tables) into kr and returns a with "keyring:KEY" references in their
// place: KEY is KeyringKey(a.Name, field), or for a table's secret
// KeyringKey(a.Name, TABLE-NAME-field) with the table's first key. Values
// that are references already stay. On an error a is returned unchanged
// along with it, so the caller can offer to keep the secrets in the file
// instead.
func (ks Kinds) StoreSecrets(kr KeyringStore, a Account) (Account, error) {
	out := a
	out.Values = maps.Clone(a.Values)
	put := func(v string, key string) (string, error) {
		if v == "" || strings.HasPrefix(v, KeyringPrefix) {
			return v, nil
		}
		if err := kr.Set(key, v); err != nil {
			return v, err
		}
		return KeyringPrefix + key, nil
	}
	k, _ := ks.Lookup(a.Kind)
	var err error
	for _, f := range k.Fields {
		switch {
		case f.Secret:
			v, _ := f.Get(out).(string)
			var nv string
			if nv, err = put(v, KeyringKey(a.Name, f.Key)); err == nil && nv != v {
				f.Set(&out, nv)
			}
		case f.Type == TypeTables && len(f.Sub) > 0:
			rows, _ := f.Get(out).([]map[string]string)
			for _, row := range rows {
				for _, s := range f.Sub {
					if s.Secret && err == nil {
						row[s.Key], err = put(row[s.Key], KeyringKey(a.Name, row[f.Sub[0].Key]+"-"+s.Key))
					}
				}
			}
			f.Set(&out, rows)
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		return a, fmt.Errorf("config: cannot keep the secret of %q in the OS keyring: %w", a.Name, err)
	}
	return out, nil
}
