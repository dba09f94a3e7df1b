package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lookout-app/lookout/session/config"
)

// keyringStore opens the OS keyring the account commands delete secrets
// from; tests put a double in its place.
var keyringStore = config.SystemKeyringStore

// cmdAccount runs "lookout account remove NAME": the account leaves the
// config file (the rest of the file kept as written) and the keyring
// entries Lookout stored for it are deleted. The contract says nothing of a
// secret the keyring would not delete, so the account stays removed (exit
// 0) and a warning on stderr names the entry left and how to delete it.
func cmdAccount(_ context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(g, "account")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "remove" {
		return usagef("usage: lookout account remove NAME")
	}
	name := pos[1]
	path, err := config.Path(g.configFlag)
	if err != nil {
		return err
	}
	cfg, err := kindList.Config().Load(path)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return &configError{err}
		}
		return &configError{fmt.Errorf("%s: %w", path, err)}
	}
	if _, ok := cfg.Account(name); !ok {
		names := make([]string, 0, len(cfg.Accounts))
		for _, a := range cfg.Accounts {
			names = append(names, a.Name)
		}
		return usagef("no account %q in %s (accounts: %s)", name, path, strings.Join(names, ", "))
	}
	err = kindList.Config().RemoveAccountFile(path, name, keyringStore())
	var left *config.SecretNotDeletedError
	if err != nil && !errors.As(err, &left) {
		return err
	}
	if left != nil {
		fmt.Fprintf(stderr, "lookout: account remove %s: warning: %s\n", name, oneLine(left.Error()))
	}
	fmt.Fprintf(stdout, "removed account %q from %s\n", name, path)
	return nil
}
