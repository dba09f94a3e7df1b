package config

import (
	"errors"
	"strconv"
)

// Sentinel errors of the keyring seam. Resolve wraps them so callers can
// branch with errors.Is.
var (
	// ErrSecretNotFound means the keyring works but holds no secret under the
	// key. Keyring implementations return it (or wrap it) for a missing key.
	ErrSecretNotFound = errors.New("secret not found in keyring")
	// ErrKeyringUnavailable means the OS keyring could not be reached, for
	// example because no D-Bus Secret Service runs on Linux.
	ErrKeyringUnavailable = errors.New("keyring unavailable")
	// ErrSecretNotDeleted means a keyring entry Lookout stored for an
	// account could not be deleted when the account was removed: the
	// secret is still in the OS keyring. It comes wrapped in a
	// *SecretNotDeletedError (keyringremove.go).
	ErrSecretNotDeleted = errors.New("keyring entry not deleted")
)

// Error is a config problem at a place in the file. Line is 1-based; 0 means
// the problem has no single line (the file cannot be read, for example).
type Error struct {
	File string // the config file's path as given
	Line int    // 1-based line of the problem, or 0
	Msg  string // short, lower-case: what is wrong and what to do
	Err  error  // underlying cause, if any (an *os.PathError, for example)
}

// Error returns "FILE:LINE: what is wrong", without the line part when the
// line is unknown.
func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if s == "" {
		return e.Msg
	}
	return s + ": " + e.Msg
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Fields returns the *FieldErrors the problem concerns: one for a bad key,
// one per key for an account that misses some, none for a problem of the
// file itself.
func (e *Error) Fields() []*FieldError { return FieldErrors(e.Err) }
