package ui

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-app/lookout/ui/x11"
)

// TestWatchDisplay: after the loss of the display the window shuts down
// and then hands over to DisplayLost with an error wrapping
// x11.ErrConnectionLost; a shutdown still running at displayLostGrace is
// not waited for (ErrShutdownSlow), so the process ends in time; and
// without a loss the watch ends with Run, calling nothing.
func TestWatchDisplay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lose     bool
		shutdown time.Duration // how long the shutdown takes
		wantAt   time.Duration // when DisplayLost is called
		wantSlow bool
	}{
		{name: "quick shutdown", lose: true, shutdown: 300 * time.Millisecond, wantAt: 300 * time.Millisecond},
		{name: "slow shutdown", lose: true, shutdown: time.Hour, wantAt: displayLostGrace, wantSlow: true},
		{name: "no loss", lose: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				type call struct {
					err error
					at  time.Duration
				}
				calls := make(chan call, 1)
				start := time.Now()
				win := &window{log: slog.New(slog.DiscardHandler), opt: Options{DisplayLost: func(err error) {
					calls <- call{err, time.Since(start)}
				}}}
				lost, runEnded := make(chan struct{}), make(chan struct{})
				release := make(chan struct{})
				var shutdowns atomic.Int32
				shutdown := func() {
					shutdowns.Add(1)
					select {
					case <-time.After(tc.shutdown):
					case <-release:
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ended := make(chan struct{})
				go func() {
					defer close(ended)
					win.watchDisplay(lost, runEnded, cancel, shutdown)
				}()
				if !tc.lose {
					close(runEnded)
					<-ended
					if len(calls) != 0 || shutdowns.Load() != 0 || ctx.Err() != nil {
						t.Fatalf("without a loss: %d calls, %d shutdowns, ctx %v", len(calls), shutdowns.Load(), ctx.Err())
					}
					return
				}
				close(lost)
				c := <-calls
				<-ended
				close(release) // the slow shutdown, cut short by the process's end in the window
				synctest.Wait()
				if ctx.Err() == nil {
					t.Error("the window's context was not cancelled")
				}
				if c.at != tc.wantAt {
					t.Errorf("DisplayLost called at %v, want %v", c.at, tc.wantAt)
				}
				if !errors.Is(c.err, x11.ErrConnectionLost) || errors.Is(c.err, ErrShutdownSlow) != tc.wantSlow {
					t.Errorf("DisplayLost(%v): want ErrConnectionLost, ErrShutdownSlow %v", c.err, tc.wantSlow)
				}
				if n := shutdowns.Load(); n != 1 {
					t.Errorf("%d shutdowns, want 1", n)
				}
			})
		})
	}
}
