package session_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// refreshingOpener fails every Open with err, and counts Refresh calls and
// whether each Open came right after one.
type refreshingOpener struct {
	failingOpener
	refreshes     int
	refreshedLast bool
	afterRefresh  int // Opens right after a Refresh
}

func (o *refreshingOpener) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	o.mu.Lock()
	if o.refreshedLast {
		o.afterRefresh++
	}
	o.refreshedLast = false
	o.mu.Unlock()
	return o.failingOpener.Open(ctx, id, q)
}

func (o *refreshingOpener) Refresh(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.refreshes++
	o.refreshedLast = true
	return nil
}

// runFor runs a session of op for d of fake time and returns its statuses.
func runFor(t *testing.T, op session.Opener, d time.Duration) []session.Status {
	t.Helper()
	return runRefreshing(t, op, nil, d)
}

// runRefreshing runs a session of op whose account renews its credentials
// with refresh for d of fake time and returns its statuses.
func runRefreshing(t *testing.T, op session.Opener, refresh func(context.Context) error, d time.Duration) []session.Status {
	t.Helper()
	var mu sync.Mutex
	var statuses []session.Status
	s, err := session.New(session.Config{Source: "a/cam", ID: "cam", Opener: op, Refresh: refresh, Sink: player.NewLatest(), NewDecoder: noDecoder,
		OnStatus: func(st session.Status) { mu.Lock(); statuses = append(statuses, st); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(d)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want it to go on until cancelled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return statuses
}

// gaps are the waits between consecutive attempts.
func gaps(times []time.Time) []time.Duration {
	var g []time.Duration
	for i := 1; i < len(times); i++ {
		g = append(g, times[i].Sub(times[i-1]))
	}
	return g
}

// tries counts the attempts at or after from.
func tries(times []time.Time, from time.Time) int {
	n := 0
	for _, at := range times {
		if !at.Before(from) {
			n++
		}
	}
	return n
}

// TestNothingIsFinal: without FailFast (a wall) no failure ends Run, and
// every retry says its policy.
func TestNothingIsFinal(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want session.Wait
	}{
		{"unauthorized", &session.RemoteError{Op: "token", Code: "1004", Reason: "sign invalid", Err: session.ErrUnauthorized}, session.WaitCredentials},
		{"not found", &session.RemoteError{Op: "whep", Code: "404", Reason: "stream not found", Err: session.ErrNotFound}, session.WaitAway},
		{"unsupported codec", fmt.Errorf("%w: video/H265", session.ErrUnsupportedCodec), session.WaitCodec},
		{"offline", &session.RemoteError{Op: "webrtc-configs", Code: "2001", Reason: "device is offline", Err: session.ErrOffline}, session.WaitOffline},
		{"other", errors.New("broker unreachable"), session.WaitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := &failingOpener{err: tc.err}
				statuses := runFor(t, op, 20*time.Minute)
				if op.n < 5 {
					t.Fatalf("%d attempts in 20 minutes, want it to keep trying", op.n)
				}
				for _, st := range statuses {
					if st.State == session.StateFailed {
						t.Fatalf("status %+v: a wall's tile failed for good", st)
					}
					if st.State == session.StateRetrying && (st.Wait != tc.want || !errors.Is(st.Err, tc.err)) {
						t.Fatalf("retrying with wait %v (%v), want %v", st.Wait, st.Err, tc.want)
					}
				}
			})
		})
	}
}

// TestAwayPolicy: a stream that is away is tried at most every 2 s for its
// first minute, then the wait backs off to at most 30 s.
func TestAwayPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &failingOpener{err: &session.RemoteError{Op: "whep", Code: "404", Reason: "stream not found", Err: session.ErrNotFound}}
		start := time.Now()
		runFor(t, op, 10*time.Minute)
		var slow []time.Duration
		for i, g := range gaps(op.times) {
			at := op.times[i].Sub(start)
			switch {
			case at < session.AwayFast-session.AwayStep:
				if g > session.AwayStep || g < session.AwayStep/2 {
					t.Fatalf("wait %s after a try at %s, want within [1 s, 2 s] in the first minute", g, at)
				}
			default:
				if g > session.AwayMaxBackoff {
					t.Fatalf("wait %s after a try at %s, want at most 30 s", g, at)
				}
				slow = append(slow, g)
			}
		}
		if len(slow) < 10 || slow[len(slow)-1] < session.AwayMaxBackoff/2 {
			t.Fatalf("waits after the first minute %v: want them grown to the 30 s cap", slow)
		}
		if n := tries(op.times, start.Add(5*time.Minute)); n > 5*60/15+1 {
			t.Fatalf("%d tries in the last 5 minutes, want at most one per 15 s (30 s jittered)", n)
		}
	})
}

// TestCredentialsPolicy: refused credentials are renewed before each try
// and the wait backs off to at most 5 minutes.
func TestCredentialsPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &refreshingOpener{failingOpener: failingOpener{err: &session.RemoteError{Op: "token", Code: "1010", Reason: "token invalid", Err: session.ErrUnauthorized}}}
		runRefreshing(t, op, op.Refresh, time.Hour)
		g := gaps(op.times)
		longest := time.Duration(0)
		for _, d := range g {
			if d > session.CredentialsMaxBackoff {
				t.Fatalf("wait %s, want at most 5 minutes", d)
			}
			longest = max(longest, d)
		}
		if longest < session.CredentialsMaxBackoff/2 {
			t.Fatalf("longest wait %s: the backoff never grew towards 5 minutes (%v)", longest, g)
		}
		// Every try but the first follows a renewal.
		if op.afterRefresh != op.n-1 || op.refreshes < op.n-1 {
			t.Fatalf("%d tries, %d right after a renewal, %d renewals: want every retry renewed first", op.n, op.afterRefresh, op.refreshes)
		}
		if n := tries(op.times, op.times[0].Add(30*time.Minute)); n > 30*60/150+1 {
			t.Fatalf("%d tries in the last 30 minutes, want at most one per 2.5 minutes (5 minutes jittered)", n)
		}
	})
}

// TestFailFastEndsOnPermanentErrors: the CLI's option keeps today's exit at
// the first permanent error; other failures still retry.
func TestFailFastEndsOnPermanentErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		final bool
	}{
		{"unauthorized", session.ErrUnauthorized, true},
		{"not found", session.ErrNotFound, true},
		{"unsupported codec", session.ErrUnsupportedCodec, true},
		{"offline", session.ErrOffline, false},
		{"busy", session.ErrBusy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := &failingOpener{err: fmt.Errorf("open: %w", tc.err)}
				s, _ := session.New(session.Config{Source: "a/cam", ID: "cam", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
					FailFast: true, MaxAttempts: 3})
				err := s.Run(context.Background())
				want := 3
				if tc.final {
					want = 1
				}
				if !errors.Is(err, tc.err) || op.n != want || s.Status().State != session.StateFailed {
					t.Fatalf("Run = %v after %d attempts (%s), want %d", err, op.n, s.Status().State, want)
				}
			})
		})
	}
}

// TestPolicyChangeStartsOver: a stream that was away and then refuses the
// token backs off from the short end, not from where the other policy was.
func TestPolicyChangeStartsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &failingOpener{err: session.ErrUnauthorized}
		var mu sync.Mutex
		var last session.Status
		s, _ := session.New(session.Config{Source: "a/cam", ID: "cam", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
			OnStatus: func(st session.Status) { mu.Lock(); last = st; mu.Unlock() }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(20 * time.Minute) // the credentials' backoff has grown
		op.mu.Lock()
		op.err = session.ErrNotFound
		op.mu.Unlock()
		synctest.Wait()
		s.RetryNow()
		synctest.Wait()
		mu.Lock()
		st := last
		mu.Unlock()
		if st.Wait != session.WaitAway || st.RetryAt.Sub(time.Now()) > session.AwayStep {
			t.Fatalf("after the policy changed: %v, retry in %s; want publisher away within 2 s", st.Wait, st.RetryAt.Sub(time.Now()))
		}
		cancel()
		<-done
	})
}
