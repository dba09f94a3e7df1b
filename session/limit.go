package session

import (
	"fmt"
	"net/http"

	"golang.org/x/time/rate"
)

// The default pace of one account's requests to its vendor's API: a wall
// opening at once spends the burst, and failing tiles together never
// exceed the rate, however many there are.
const (
	DefaultAccountRate  = 10 // requests per second
	DefaultAccountBurst = 30
)

// NewAccountLimiter returns a limiter of DefaultAccountRate requests a
// second with bursts of DefaultAccountBurst, for one account.
func NewAccountLimiter() *rate.Limiter {
	return rate.NewLimiter(rate.Limit(DefaultAccountRate), DefaultAccountBurst)
}

// LimitTransport returns a RoundTripper that waits for lim before every
// request it hands to next (http.DefaultTransport when nil). One limiter
// per account, shared by everything that calls the account's API, so 16
// failing tiles make no more calls than one account may.
func LimitTransport(next http.RoundTripper, lim *rate.Limiter) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &limitedTransport{next: next, lim: lim}
}

type limitedTransport struct {
	next http.RoundTripper
	lim  *rate.Limiter
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.lim.Wait(ctx); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on errors
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Wait refuses at once when the deadline comes before the token.
		return nil, fmt.Errorf("%w: %s %s: the account's request rate (%g a second) leaves no room before the deadline",
			ErrTimeout, req.Method, req.URL.Host, float64(t.lim.Limit()))
	}
	return t.next.RoundTrip(req)
}

// CloseIdleConnections closes next's idle connections, as http.Client's
// CloseIdleConnections expects of its Transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
