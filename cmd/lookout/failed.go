package main

import (
	"context"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
)

// brokenAccount stands for an account whose client could not be built
// (a kind this build does not support, a secret the keyring does not
// hold, ...): listing it, opening one of its sources and checking it all
// fail with the reason, so the window shows it as a failed sidebar row and
// the commands report it, while every other account keeps working.
type brokenAccount struct{ err error }

// Devices returns the reason the account cannot be used.
func (b brokenAccount) Devices(context.Context) ([]session.Device, error) { return nil, b.err }

// Open returns the reason the account cannot be used.
func (b brokenAccount) Open(context.Context, string, session.Quality) (session.Call, error) {
	return nil, b.err
}

// failedAccount is the account a of the config whose client failed with err.
func failedAccount(a config.Account, err error) *account {
	b := brokenAccount{err: err}
	return &account{name: a.Name, kind: a.Kind, dir: b, opener: b,
		target: func(context.Context) (check.Target, error) {
			return check.Target{Account: a.Name, Kind: a.Kind}, b.err
		}}
}
