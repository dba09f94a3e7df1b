package session

import (
	"errors"
	"time"
)

// Wait says why a session waits before its next attempt, and so which retry
// policy paces it; Status.Wait carries it so the tile can say it in words.
type Wait int

// The retry policies, chosen by the failure's sentinel (errors.Is).
const (
	// WaitNone: the session is not waiting to retry.
	WaitNone Wait = iota
	// WaitFailure: any failure without a policy of its own (network,
	// timeout, busy, hang-up, no picture); the short backoff of
	// Config.MinBackoff doubling to Config.MaxBackoff.
	WaitFailure
	// WaitAway: the media server has no such stream now (ErrNotFound), as
	// while its publisher is away: a try at most every AwayStep for
	// AwayFast, then backing off to at most AwayMaxBackoff.
	WaitAway
	// WaitCredentials: the service refused the credentials
	// (ErrUnauthorized): they are renewed (Config.Refresh) before each try, and
	// the wait backs off to at most CredentialsMaxBackoff.
	WaitCredentials
	// WaitCodec: no codec both sides support (ErrUnsupportedCodec); only a
	// change on the camera's side helps, so it backs off as slowly as
	// refused credentials, without renewing anything.
	WaitCodec
	// WaitOffline: the device is offline (ErrOffline); behind a Gate the
	// next try waits for the account's directory to list it online again.
	WaitOffline
)

// The retry policies' figures.
const (
	// AwayStep is the longest wait between tries of a stream that is away,
	// during its first AwayFast.
	AwayStep = 2 * time.Second
	// AwayFast is how long a stream that is away is tried every AwayStep.
	AwayFast = time.Minute
	// AwayMaxBackoff caps the wait for a stream that stays away longer.
	AwayMaxBackoff = 30 * time.Second
	// CredentialsMaxBackoff caps the wait after refused credentials (and
	// after an unsupported codec).
	CredentialsMaxBackoff = 5 * time.Minute
)

var waitNames = [...]string{"", "failed", "publisher away", "credentials refused", "no common codec", "device offline"}

// String words the policy as a tile says it ("publisher away").
func (w Wait) String() string {
	if w >= 0 && int(w) < len(waitNames) {
		return waitNames[w]
	}
	return "unknown"
}

// WaitFor is the policy that paces the retries after err.
func WaitFor(err error) Wait {
	switch {
	case err == nil:
		return WaitNone
	case errors.Is(err, ErrUnauthorized):
		return WaitCredentials
	case errors.Is(err, ErrNotFound):
		return WaitAway
	case errors.Is(err, ErrUnsupportedCodec):
		return WaitCodec
	case errors.Is(err, ErrOffline):
		return WaitOffline
	}
	return WaitFailure
}

// backoff paces one session's retries: each policy has its own schedule,
// and a failure of another policy, or an attempt that lasted a good while,
// starts the schedule over.
type backoff struct {
	min, max time.Duration // the short policy's bounds (Config)
	policy   Wait
	since    time.Time     // when the current run of failures began
	next     time.Duration // the next wait before jitter
}

// wait returns how long to wait after err, from an attempt that began at
// started and failed at now, and the policy that says so.
func (b *backoff) wait(err error, started, now time.Time) (time.Duration, Wait) {
	w := WaitFor(err)
	if w != b.policy || now.Sub(started) > 2*b.max {
		// A new kind of failure, or the session was up for a good while:
		// start this policy's schedule over.
		b.policy, b.since, b.next = w, started, b.min
	}
	switch w {
	case WaitAway:
		if now.Sub(b.since) < AwayFast {
			b.next = AwayStep
			return jitter(AwayStep), w
		}
		return b.step(AwayMaxBackoff), w
	case WaitCredentials, WaitCodec:
		return b.step(CredentialsMaxBackoff), w
	case WaitOffline:
		var oe *OfflineError
		if errors.As(err, &oe) && !oe.Next.IsZero() {
			// The gate knows when the directory is asked next: no try
			// can succeed before.
			return max(oe.Next.Sub(now), b.min), w
		}
	}
	return b.step(b.max), w
}

// step returns the current wait, jittered, and doubles the next up to most.
func (b *backoff) step(most time.Duration) time.Duration {
	d := min(b.next, most)
	b.next = min(2*d, most)
	return jitter(d)
}
