package main

import (
	"log/slog"
	"net/http"

	"github.com/lookout-app/lookout/session"
)

// limited paces every request of one account's HTTP client (REST
// directories, tokens, webrtc-configs, WHEP/WHIP offers and trickle) with
// the account's own limiter, so failing tiles together never make more
// calls than one account may (session.LimitTransport).
func limited(t http.RoundTripper) http.RoundTripper {
	return session.LimitTransport(t, session.NewAccountLimiter())
}

// gated makes acc's Opener dial an offline device again only once the
// account's directory lists it back (session.Gate). Only a dial that said
// offline (session.ErrOffline, today Tuya's) holds a device; other kinds
// pass through.
func gated(acc *account, log *slog.Logger) *account {
	acc.opener = session.NewGate(acc.opener, acc.dir, session.DefaultGateEvery, log.With("account", acc.name))
	return acc
}
