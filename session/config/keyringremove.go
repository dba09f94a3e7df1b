package config

import (
	"errors"
	"fmt"
	"strings"
)

// SecretNotDeletedError is an account taken out of the config file whose
// keyring entries were not all deleted: the caller reports it (the account
// is gone from the file, the secret is not gone from the keyring).
type SecretNotDeletedError struct {
	Account string   // the removed account
	Keys    []string // keyring keys left behind (service KeyringService)
	Err     error    // why, from the keyring (errors.Join of each key's)
}

// Error names the account and the keys left, and how to delete them; never
// a secret.
func (e *SecretNotDeletedError) Error() string {
	cmds := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		cmds[i] = fmt.Sprintf("`secret-tool clear service %s username %s`", KeyringService, k)
	}
	return fmt.Sprintf("config: account %q was removed, but its secret stays in the OS keyring: %s (service %s) could not be deleted: %v; delete it with %s",
		e.Account, strings.Join(e.Keys, ", "), KeyringService, e.Err, strings.Join(cmds, " and "))
}

// Unwrap returns ErrSecretNotDeleted and the keyring's errors.
func (e *SecretNotDeletedError) Unwrap() []error { return []error{ErrSecretNotDeleted, e.Err} }

// StoredSecretKeys returns the keyring keys of a's secrets that Lookout
// stored for it: the "keyring:KEY" references of the secrets a's kind
// declares whose KEY starts with the account's name and a dash
// (KeyringKey). References the user wrote by hand to another key are not
// the account's to delete.
func (ks Kinds) StoredSecretKeys(a Account) []string {
	k, _ := ks.Lookup(a.Kind)
	var keys []string
	for _, r := range k.SecretValues(a) {
		if key, ok := strings.CutPrefix(r, KeyringPrefix); ok && strings.HasPrefix(key, a.Name+"-") {
			keys = append(keys, key)
		}
	}
	return keys
}

// DeleteSecrets deletes a's stored keyring entries (StoredSecretKeys) from
// kr. It tries every key, and returns a *SecretNotDeletedError naming those
// it could not delete; nil when all are gone (a key already missing counts
// as gone).
func (ks Kinds) DeleteSecrets(kr KeyringStore, a Account) error {
	var left []string
	var errs []error
	for _, key := range ks.StoredSecretKeys(a) {
		if err := kr.Delete(key); err != nil {
			left = append(left, key)
			errs = append(errs, err)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return &SecretNotDeletedError{Account: a.Name, Keys: left, Err: errors.Join(errs...)}
}

// RemoveAccountFile takes the account named name out of the config file at
// path, keeping the rest of the file as written, then deletes the keyring
// entries stored for it from kr. The file is saved first: a
// *SecretNotDeletedError means the account is gone from the file but not
// all of its secret from the keyring. With no keyring (kr nil) an account
// that has stored entries gets that error too, wrapping
// ErrKeyringUnavailable: its secrets may still be in a keyring Lookout
// cannot reach now.
func (ks Kinds) RemoveAccountFile(path, name string, kr KeyringStore) error {
	doc, err := ReadDocument(path)
	if err != nil {
		return err
	}
	cfg, err := ks.Parse(path, doc)
	if err != nil {
		return err
	}
	a, _ := cfg.Account(name)
	out, err := ks.RemoveAccount(path, doc, name)
	if err != nil {
		return err
	}
	if _, err := ks.Save(path, out); err != nil {
		return err
	}
	if kr == nil {
		if keys := ks.StoredSecretKeys(a); len(keys) > 0 {
			return &SecretNotDeletedError{Account: a.Name, Keys: keys, Err: ErrKeyringUnavailable}
		}
		return nil
	}
	return ks.DeleteSecrets(kr, a)
}
