package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// fakeSpec says how a fakeService behaves.
type fakeSpec struct {
	oneCaller bool          // a second session while one is live is busy
	openTime  time.Duration // from the ask to live
	cap       time.Duration // the service ends a session this long after it went live (0: never)
	planCap   time.Duration // what the plan says the cap is (0: it says none)
	linger    time.Duration // a one-caller device still counts an ended session this long
	refuse    error         // every open after the first fails with it
}

// fakeService is a talk service inside a synctest bubble: its sessions go
// live openTime after they are asked for, carry talk until released or
// ended, and are cut by the service cap after it.
type fakeService struct {
	fakeSpec

	mu      sync.Mutex
	live    int
	maxLive int
	freeAt  time.Time
	opens   int
	talks   []span // when each session carried talk
	hangs   []chan error
}

type span struct{ from, to time.Time }

func (f *fakeService) start(ctx context.Context) (*leg, error) {
	t := time.NewTimer(f.openTime)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	if f.refuse != nil && f.opens > 1 {
		return nil, f.refuse
	}
	if f.oneCaller && (f.live > 0 || time.Now().Before(f.freeAt)) {
		return nil, fmt.Errorf("fake: %w", ErrBusy)
	}
	f.live++
	f.maxLive = max(f.maxLive, f.live)
	hang := make(chan error, 1)
	f.hangs = append(f.hangs, hang)
	ended := make(chan struct{})
	lctx, cancel := context.WithCancel(context.Background())
	l := &leg{done: make(chan error, 1), cancel: cancel, ready: time.Now(), cap: f.planCap, overlap: !f.oneCaller}
	go func() { // the session's Run
		var capC <-chan time.Time
		if f.cap > 0 {
			t := time.NewTimer(f.cap)
			defer t.Stop()
			capC = t.C
		}
		var err error
		select {
		case <-lctx.Done():
		case <-capC:
			err = fmt.Errorf("fake: maximum length reached: %w", ErrHangup)
		case err = <-hang:
		}
		f.mu.Lock()
		f.live--
		f.freeAt = time.Now().Add(f.linger)
		f.mu.Unlock()
		close(ended)
		l.done <- err
	}()
	l.talk = func(ctx context.Context, _ audio.Capturer) error {
		from := time.Now()
		defer func() {
			f.mu.Lock()
			f.talks = append(f.talks, span{from, time.Now()})
			f.mu.Unlock()
		}()
		select {
		case <-ctx.Done():
			return nil
		case <-ended:
			return fmt.Errorf("talk: %w", ErrHangup)
		}
	}
	return l, nil
}

// hangup makes the service end session i with err.
func (f *fakeService) hangup(i int, err error) {
	f.mu.Lock()
	h := f.hangs[i]
	f.mu.Unlock()
	h <- err
}

// TestRelayTiming holds talk through a fake service's sessions and checks
// when each session carried it, to the nanosecond of the bubble's clock.
func TestRelayTiming(t *testing.T) {
	hangupErr := fmt.Errorf("fake: disconnect: %w", ErrHangup)
	for _, tc := range []struct {
		name   string
		svc    fakeSpec
		lead   time.Duration
		hold   time.Duration                                           // the talk button is held this long
		during func(f *fakeService)                                    // runs 3 s into the talk
		want   func(t *testing.T, f *fakeService, r *Relay, err error) // checks the result
	}{
		{
			name: "one caller, the plan knows the cap: ended before it, then the next opened",
			svc:  fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, cap: 8 * time.Second, planCap: 8 * time.Second},
			hold: 20 * time.Second,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				wantGaps(t, f, r, err, 300*time.Millisecond, 2)
				if f.maxLive != 1 {
					t.Errorf("%d sessions live at once on a one-caller device", f.maxLive)
				}
				for i, s := range f.talks[:len(f.talks)-1] {
					if d := s.to.Sub(s.from); d != 7*time.Second {
						t.Errorf("session %d carried talk %s, want 7 s (ended 1 s before the cap)", i, d)
					}
				}
			},
		},
		{
			name: "one caller, the service cuts at a cap the plan does not say",
			svc:  fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, cap: 8 * time.Second},
			hold: 20 * time.Second,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				wantGaps(t, f, r, err, 300*time.Millisecond, 2)
			},
		},
		{
			name: "one caller still counting the ended session: busy, tried again",
			svc:  fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, cap: 8 * time.Second, planCap: 8 * time.Second, linger: 500 * time.Millisecond},
			hold: 10 * time.Second,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				// asked at 0 (busy at 300 ms), again at 400 ms: live at 700 ms
				wantGaps(t, f, r, err, 700*time.Millisecond, 1)
				if f.opens != 3 {
					t.Errorf("%d opens, want 3 (one busy)", f.opens)
				}
			},
		},
		{
			name: "overlap: the next session opens before the cap while the first carries the talk",
			svc:  fakeSpec{openTime: 300 * time.Millisecond, cap: 8 * time.Second, planCap: 8 * time.Second},
			lead: 2 * time.Second,
			hold: 10 * time.Second,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				wantGaps(t, f, r, err, 0, 1)
				if f.maxLive != 2 {
					t.Errorf("at most %d sessions live, want 2", f.maxLive)
				}
				if d := f.talks[0].to.Sub(f.talks[0].from); d != 6*time.Second+300*time.Millisecond {
					t.Errorf("the first session carried %s, want 6.3 s (until the next was live)", d)
				}
			},
		},
		{
			name:   "the service hangs up under the talk: the next opens at once",
			svc:    fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond},
			hold:   10 * time.Second,
			during: func(f *fakeService) { f.hangup(0, hangupErr) },
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				wantGaps(t, f, r, err, 300*time.Millisecond, 1)
			},
		},
		{
			name:   "a failure that is not a hang-up ends the talk",
			svc:    fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond},
			hold:   10 * time.Second,
			during: func(f *fakeService) { f.hangup(0, fmt.Errorf("fake: %w", ErrProtocol)) },
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				if !errors.Is(err, ErrProtocol) || f.opens != 1 {
					t.Errorf("err %v after %d opens, want ErrProtocol after 1", err, f.opens)
				}
			},
		},
		{
			name: "a replacement the service hangs up at once ends the talk",
			svc:  fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, cap: 500 * time.Millisecond},
			hold: 10 * time.Second,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				if !errors.Is(err, ErrHangup) || f.opens != 2 {
					t.Errorf("err %v after %d opens, want a hang-up after 2", err, f.opens)
				}
			},
		},
		{
			name:   "the next session is refused: the talk ends with its reason",
			svc:    fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, refuse: fmt.Errorf("fake: %w", ErrUnauthorized)},
			hold:   10 * time.Second,
			during: func(f *fakeService) { f.hangup(0, hangupErr) },
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				if !errors.Is(err, ErrUnauthorized) || f.opens != 2 {
					t.Errorf("err %v after %d opens, want ErrUnauthorized after 2", err, f.opens)
				}
			},
		},
		{
			name:   "somebody else took the speaker: busy past the grace ends the talk",
			svc:    fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, refuse: fmt.Errorf("fake: %w", ErrBusy)},
			hold:   10 * time.Second,
			during: func(f *fakeService) { f.hangup(0, hangupErr) },
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				if !errors.Is(err, ErrBusy) || f.opens < 3 {
					t.Errorf("err %v after %d opens, want ErrBusy after at least 3", err, f.opens)
				}
			},
		},
		{
			name: "released while the next session opens",
			svc:  fakeSpec{oneCaller: true, openTime: 300 * time.Millisecond, cap: 8 * time.Second, planCap: 8 * time.Second},
			hold: 7*time.Second + 450*time.Millisecond,
			want: func(t *testing.T, f *fakeService, r *Relay, err error) {
				if err != nil || f.live != 0 || len(f.talks) != 1 {
					t.Errorf("err %v, %d live, %d talks", err, f.live, len(f.talks))
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeService{fakeSpec: tc.svc}
				lead := tc.lead
				if lead == 0 {
					lead = DefaultRelayLead
				}
				r := &Relay{lead: lead, start: f.start}
				ctx, cancel := context.WithTimeout(t.Context(), tc.hold)
				defer cancel()
				if tc.during != nil {
					go func() {
						time.Sleep(3 * time.Second)
						tc.during(f)
					}()
				}
				err := r.Talk(ctx, nil)
				synctest.Wait()
				f.mu.Lock()
				defer f.mu.Unlock()
				if f.live != 0 {
					t.Errorf("%d sessions left live", f.live)
				}
				tc.want(t, f, r, err)
			})
		})
	}
}

// wantGaps checks a talk held to its end moved n times, each with the
// microphone between sessions for gap, at the service and as the relay
// measured it. f.mu is held.
func wantGaps(t *testing.T, f *fakeService, r *Relay, err error, gap time.Duration, n int) {
	t.Helper()
	if err != nil {
		t.Fatalf("talk ended with %v", err)
	}
	var gaps []time.Duration
	for i, s := range f.talks {
		if i > 0 {
			gaps = append(gaps, s.from.Sub(f.talks[i-1].to))
		}
	}
	renewals, measured := r.Renewals()
	if len(gaps) != n || renewals != n {
		t.Fatalf("%d moves (%d renewals), want %d", len(gaps), renewals, n)
	}
	for i := range gaps {
		if gaps[i] != gap || measured[i] != gap {
			t.Errorf("move %d: gap %s (measured %s), want %s", i, gaps[i], measured[i], gap)
		}
	}
}
