package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// failingOpener refuses every Open with err and counts the attempts.
type failingOpener struct {
	mu    sync.Mutex
	n     int
	err   error
	times []time.Time
}

func (o *failingOpener) Open(context.Context, string, session.Quality) (session.Call, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	o.times = append(o.times, time.Now())
	return nil, o.err
}

func noDecoder(string) (player.Decoder, error) { return nil, errors.New("unused") }

func TestBackoffDoublesUpToMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &failingOpener{err: errors.New("broker unreachable")}
		var statuses []session.Status
		s, err := session.New(session.Config{
			Source: "a/cam", ID: "cam", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
			MinBackoff: time.Second, MaxBackoff: 8 * time.Second, MaxAttempts: 7,
			OnStatus: func(st session.Status) { statuses = append(statuses, st) },
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = s.Run(context.Background())
		if err == nil || err.Error() != "broker unreachable" {
			t.Fatalf("Run = %v, want the last error", err)
		}
		if op.n != 7 {
			t.Fatalf("%d attempts, want 7", op.n)
		}
		// Each wait is jittered into [b/2, b] of the backoff b: 1, 2, 4, 8, 8, 8 s.
		backoffs := []time.Duration{1, 2, 4, 8, 8, 8}
		if got := op.times[0].Sub(start); got != 0 {
			t.Errorf("first attempt after %s, want at once", got)
		}
		waits := map[time.Duration]bool{}
		for i, b := range backoffs {
			wait := op.times[i+1].Sub(op.times[i])
			waits[wait] = true
			if b *= time.Second; wait < b/2 || wait > b {
				t.Errorf("wait before attempt %d %s, want within [%s, %s]", i+2, wait, b/2, b)
			}
		}
		if len(waits) < 2 {
			t.Errorf("waits %v are all the same: no jitter", waits)
		}
		last := statuses[len(statuses)-1]
		if last.State != session.StateFailed || last.Attempt != 7 {
			t.Fatalf("last status %+v, want failed after attempt 7", last)
		}
	})
}

// TestPermanentErrorsDoNotRetry: with FailFast (the CLI) a refusal ends Run.
func TestPermanentErrorsDoNotRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &failingOpener{err: &session.RemoteError{Op: "token", Code: "1004", Reason: "sign invalid", Err: session.ErrUnauthorized}}
		s, _ := session.New(session.Config{Source: "a/cam", ID: "cam", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder, FailFast: true})
		err := s.Run(context.Background())
		if !errors.Is(err, session.ErrUnauthorized) || op.n != 1 {
			t.Fatalf("Run = %v after %d attempts, want unauthorized after 1", err, op.n)
		}
		if st := s.Status(); st.State != session.StateFailed || st.Reason() != "sign invalid" {
			t.Fatalf("status %v %q", st.State, st.Reason())
		}
	})
}

func TestRetryNowCutsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &failingOpener{err: errors.New("busy")}
		s, _ := session.New(session.Config{Source: "a/cam", ID: "cam", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
			MinBackoff: time.Minute, MaxBackoff: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		synctest.Wait()
		if st := s.Status(); st.State != session.StateRetrying {
			t.Fatalf("state %s, want retrying", st.State)
		}
		s.RetryNow()
		synctest.Wait()
		if op.n != 2 {
			t.Fatalf("%d attempts after RetryNow, want 2", op.n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		if s.Status().State != session.StateClosed {
			t.Fatalf("state %s after cancel, want closed", s.Status().State)
		}
	})
}
