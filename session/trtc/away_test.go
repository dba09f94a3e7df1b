package trtc_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

// pictureClock is a Sink that notes when the latest picture arrived.
type pictureClock struct{ last atomic.Int64 }

func (p *pictureClock) PutFrame(*player.Frame) { p.last.Store(time.Now().UnixNano()) }

// since reports whether a picture arrived after t.
func (p *pictureClock) since(t time.Time) bool { return p.last.Load() > t.UnixNano() }

// any reports whether a picture arrived at all.
func (p *pictureClock) any() bool { return p.last.Load() != 0 }

// TestPublisherAwayAndBack: a room member's stream whose publisher leaves
// for 6 s (the demo room's period) and returns is moving again within 3 s
// of its return, on a session as a wall runs it (no FailFast): the 404s
// meanwhile are retried as "publisher away", at most every 2 s.
func TestPublisherAwayAndBack(t *testing.T) {
	const period = 6 * time.Second
	srv := startRoom(t, period)
	c := client(t, srv, "the-sdk-secret-key", nil)
	defer c.Close()
	// In the room's first period alice is away and bob publishes; bob is
	// away in the second and back in the third.
	member := srv.Members()[1]
	if !srv.MemberLive(member) {
		t.Fatalf("%s is not publishing at the start", member)
	}
	pics := &pictureClock{}
	var mu sync.Mutex
	var waits []session.Wait
	s, err := session.New(session.Config{
		Source: "meet/" + srv.Room() + "/" + member, ID: srv.Room() + "/" + member, Opener: c, Sink: pics,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		OnStatus: func(st session.Status) {
			if st.State == session.StateRetrying {
				mu.Lock()
				waits = append(waits, st.Wait)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want it to go on until cancelled", err)
		}
	}()
	poll := func(what string, limit time.Duration, cond func() bool) time.Time {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s (state %s: %v)", what, limit, s.Status().State, s.Status().Err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Now()
	}
	poll("first picture", 10*time.Second, pics.any)
	left := poll("the publisher to leave", 2*period, func() bool { return !srv.MemberLive(member) })
	back := poll("the publisher to return", 2*period, func() bool { return srv.MemberLive(member) })
	if away := back.Sub(left); away < period-time.Second {
		t.Fatalf("the publisher was away %s only", away)
	}
	moving := poll("pictures after the publisher's return", 3*time.Second, func() bool { return pics.since(back) })
	t.Logf("publisher away %s; moving again %s after its return", back.Sub(left).Round(10*time.Millisecond), moving.Sub(back).Round(10*time.Millisecond))
	mu.Lock()
	defer mu.Unlock()
	away := false
	for _, w := range waits {
		away = away || w == session.WaitAway
	}
	if !away {
		t.Fatalf("retry policies %v while the publisher was away, want publisher away", waits)
	}
}
