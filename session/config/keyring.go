package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zalando/go-keyring"
)

// KeyringPrefix marks a secret value kept in the OS keyring:
// secret = "keyring:home-secret".
const KeyringPrefix = "keyring:"

// KeyringService is the service name Lookout's secrets are stored under in
// the OS keyring.
const KeyringService = "lookout"

// Keyring is the OS keyring seam. Get returns the secret stored under key,
// an error wrapping ErrSecretNotFound when there is none, or another error
// when the keyring cannot be used.
type Keyring interface {
	Get(key string) (string, error)
}

// SystemKeyring returns the OS keyring (Secret Service over D-Bus on Linux,
// Keychain on macOS, Credential Manager on Windows) under KeyringService.
func SystemKeyring() Keyring { return systemKeyring{} }

type systemKeyring struct{}

// Get reads key from the OS keyring.
func (systemKeyring) Get(key string) (string, error) {
	s, err := keyring.Get(KeyringService, key)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "", ErrSecretNotFound
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
	}
	return s, nil
}

// Resolve returns value itself, or for "keyring:KEY" the secret stored under
// KEY in kr (SystemKeyring when kr is nil). Its errors name the key and say
// how to store it; they never contain a secret.
func Resolve(value string, kr Keyring) (string, error) {
	key, ok := strings.CutPrefix(value, KeyringPrefix)
	if !ok {
		return value, nil
	}
	if strings.TrimSpace(key) == "" {
		return "", errors.New(`config: "keyring:" names no key; write "keyring:KEY"`)
	}
	if kr == nil {
		kr = SystemKeyring()
	}
	store := fmt.Sprintf("`secret-tool store --label=lookout service %s username %s`", KeyringService, key)
	s, err := kr.Get(key)
	switch {
	case errors.Is(err, ErrSecretNotFound):
		return "", fmt.Errorf("config: %w: %q (service %s): store it with %s, or put the value in the config file",
			ErrSecretNotFound, key, KeyringService, store)
	case err != nil:
		if !errors.Is(err, ErrKeyringUnavailable) {
			err = fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
		}
		return "", fmt.Errorf("config: cannot read secret %q: %w; start a Secret Service such as gnome-keyring and "+
			"store it with %s, or put the value in the config file", key, err, store)
	case s == "":
		return "", fmt.Errorf("config: keyring secret %q is empty: store it with %s, or put the value in the config file", key, store)
	}
	return s, nil
}
