package een

import "github.com/lookout-app/lookout/session"

func reasonOf(err error) string { return session.Reason(err) }
