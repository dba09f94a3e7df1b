package wcs

import "github.com/lookout-app/lookout/session"

var (
	errNotFound     = session.ErrNotFound
	errUnauthorized = session.ErrUnauthorized
	errHangup       = session.ErrHangup
)

func reasonOf(err error) string { return session.Reason(err) }
