package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// DefaultRelayLead is how long before a session's cap a Relay opens the
// next session on a device that takes a second session while one is live
// (Plan.Overlap): room for a slow connection, far less than the cap.
const DefaultRelayLead = 10 * time.Second

// relayHandover is how long before its cap a Relay ends the session of a
// device that takes one caller, so that the service's own cut never comes
// mid-word; the next session opens once it is ended.
const relayHandover = time.Second

// relayBusyGrace is how long a reopened session may be answered "busy":
// a one-caller device may still count the session the Relay has just
// ended. After it, busy means somebody else took the device.
const relayBusyGrace = time.Second

// relayBusyRetry is the wait between two tries within relayBusyGrace.
const relayBusyRetry = 100 * time.Millisecond

// relayShortLeg is the least a session must carry talk for before it ends
// for a reopen to be tried at once: a service hanging up every session
// right away stops the talk on the second one instead of being hammered.
const relayShortLeg = time.Second

// Relay carries one long talk through consecutive sessions: the service
// may end every session after Plan.MaxDuration (Eagle Eye's 2-Way Audio:
// 10 minutes), or end one on its own (an error, "disconnect", a dropped
// socket). While talk is held it goes on in a new session, the microphone
// moving over between two reads:
//
//   - before a known cap, a device whose plan says Overlap gets the next
//     session opened Lead before the cap while the current one still
//     carries the talk, so the move costs no more than one read;
//   - a device that takes one caller (no Overlap: a second session would be
//     answered busy) has its session ended just before the cap and the
//     next one opened at once: the gap is one connection's set-up;
//   - a session the service hangs up (session.ErrHangup, the cap's error
//     included) is replaced at once the same way.
//
// Every move is logged with its gap, and Renewals returns them. Without a
// cap and without a hang-up it is one session.
type Relay struct {
	cfg  Config
	lead time.Duration
	// start opens a leg; open in use, a fake in the timing tests.
	start func(ctx context.Context) (*leg, error)

	mu       sync.Mutex
	cur      *leg
	renewals int
	gaps     []time.Duration
}

// leg is one session of a relay.
type leg struct {
	s         *Session // nil for a test's fake leg
	talk      func(ctx context.Context, c audio.Capturer) error
	cancel    context.CancelFunc
	done      chan error // Run's result; whoever takes it puts it back
	ready     time.Time  // when it went live
	cap       time.Duration
	overlap   bool        // the device takes a second session meanwhile
	successor bool        // opened to carry on a talk another leg began
	forward   atomic.Bool // its states reach cfg.OnStatus
	once      sync.Once   // end
}

// NewRelay returns a relay opening sessions of cfg (one attempt each;
// MaxAttempts is set to 1). lead is how long before a session's cap the
// next one opens on a device that takes two sessions at once; zero means
// DefaultRelayLead, and it is at most half the cap.
func NewRelay(cfg Config, lead time.Duration) (*Relay, error) {
	if cfg.Opener == nil || cfg.NewDecoder == nil || cfg.Sink == nil {
		return nil, errors.New("session: relay: Opener, NewDecoder and Sink are required")
	}
	if lead <= 0 {
		lead = DefaultRelayLead
	}
	cfg.MaxAttempts = 1
	r := &Relay{cfg: cfg, lead: lead}
	r.start = r.open
	return r, nil
}

// Remaining is the time left before the current session's cap, and false
// when nothing is connected or the service sets no cap.
func (r *Relay) Remaining() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil || r.cur.cap <= 0 || r.cur.ready.IsZero() {
		return 0, false
	}
	return max(0, r.cur.cap-time.Since(r.cur.ready)), true
}

// Renewals is how many times the talk moved to a new session, with the time
// the microphone was between sessions each time.
func (r *Relay) Renewals() (int, []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.renewals, append([]time.Duration(nil), r.gaps...)
}

// Session returns the session carrying the talk now, or nil.
func (r *Relay) Session() *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return nil
	}
	return r.cur.s
}

// open starts a session and waits until it can take talk. Its failed and
// closed states are not forwarded: the relay's outcome is Talk's result.
func (r *Relay) open(ctx context.Context) (*leg, error) {
	l := &leg{done: make(chan error, 1)}
	live := make(chan struct{}, 1)
	cfg := r.cfg
	user := cfg.OnStatus
	cfg.OnStatus = func(st Status) {
		if st.State == StateLive {
			select {
			case live <- struct{}{}:
			default:
			}
		}
		if user != nil && l.forward.Load() && st.State != StateFailed && st.State != StateClosed {
			user(st)
		}
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l.s = s
	l.talk = s.Talk
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	go func() { l.done <- s.Run(lctx) }()
	select {
	case <-live:
	case err := <-l.done:
		cancel()
		l.done <- err
		return nil, err
	case <-ctx.Done():
		cancel()
		<-l.done
		return nil, ctx.Err()
	}
	if ok, why := s.CanTalk(); !ok {
		r.end(l)
		return nil, noTalk(why)
	}
	l.ready = time.Now()
	if p, ok := s.Plan(); ok {
		l.cap, l.overlap = p.MaxDuration, p.Overlap
	}
	return l, nil
}

// noTalk is why a connected session cannot take talk; it is ErrNoTalk.
type noTalk string

func (e noTalk) Error() string        { return string(e) }
func (e noTalk) Is(target error) bool { return target == ErrNoTalk }

// end stops a leg's session and waits for it; later calls return at once.
func (r *Relay) end(l *leg) {
	l.once.Do(func() {
		l.forward.Store(false)
		l.cancel()
		l.done <- <-l.done
	})
}

// why is the reason a leg's talk ended with err: the session's own error
// once Run returns it (the service's reason), else err.
func (r *Relay) why(l *leg, err error) error {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case runErr := <-l.done:
		l.done <- runErr
		if runErr != nil {
			return runErr
		}
	case <-t.C:
	}
	return err
}

// renewal is when the talk leaves l before its cap, or nil without a cap.
func (r *Relay) renewal(l *leg) (<-chan time.Time, func()) {
	if l.cap <= 0 {
		return nil, func() {}
	}
	lead := min(relayHandover, l.cap/4)
	if l.overlap {
		lead = min(r.lead, l.cap/2)
	}
	t := time.NewTimer(time.Until(l.ready.Add(l.cap - lead)))
	return t.C, func() { t.Stop() }
}

// reopen opens the next session after the last one ended, trying again
// within relayBusyGrace while the device still counts the ended one.
func (r *Relay) reopen(ctx context.Context) (*leg, error) {
	first := time.Now()
	for {
		l, err := r.start(ctx)
		if err == nil || !errors.Is(err, ErrBusy) || time.Since(first)+relayBusyRetry > relayBusyGrace {
			return l, err
		}
		t := time.NewTimer(relayBusyRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// reopenAt is carry's end after the microphone left a session at left
// and the session was ended: the next session, or why none opened.
func (r *Relay) reopenAt(ctx context.Context, left time.Time) (*leg, time.Time, error) {
	next, err := r.reopen(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, time.Time{}, nil
		}
		return nil, left, err
	}
	next.successor = true
	return next, left, nil
}

// log writes an Info line when a logger is configured.
func (r *Relay) log(msg string, args ...any) {
	if r.cfg.Logger != nil {
		r.cfg.Logger.Info(msg, append([]any{"source", r.cfg.Source}, args...)...)
	}
}

// forward sends l's states to Config.OnStatus from now on, starting with
// its current one (live).
func (r *Relay) forward(l *leg) {
	l.forward.Store(true)
	if user := r.cfg.OnStatus; user != nil && l.s != nil {
		user(l.s.Status())
	}
}

// setCur makes l the leg carrying the talk (nil: none, between sessions).
func (r *Relay) setCur(l *leg) {
	r.mu.Lock()
	r.cur = l
	r.mu.Unlock()
}

// Talk sends c through as many sessions as it takes, until ctx ends (the
// button is released: nil), c runs out (nil), a session fails for a
// reason other than a hang-up, or the next session cannot be opened. One
// Talk at a time.
func (r *Relay) Talk(ctx context.Context, c audio.Capturer) error {
	l, err := r.start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	r.forward(l)
	r.setCur(l)
	defer func() {
		r.mu.Lock()
		cur := r.cur
		r.cur = nil
		r.mu.Unlock()
		if cur != nil {
			r.end(cur)
		}
	}()
	var old *leg
	var left time.Time // when the microphone left the previous session
	for {
		tctx, stop := context.WithCancel(ctx)
		talked := make(chan error, 1)
		go func(l *leg) { talked <- l.talk(tctx, c) }(l)
		if old != nil {
			gap := time.Since(left)
			r.mu.Lock()
			r.renewals++
			r.gaps = append(r.gaps, gap)
			r.mu.Unlock()
			r.log("session: talk moved to a new session", "gap", gap)
			r.end(old)
			r.forward(l)
		}
		next, at, err := r.carry(ctx, l, talked, stop)
		stop()
		if next == nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		old, l, left = l, next, at
		r.setCur(l)
	}
}

// carry waits while l carries the talk (talked delivers its result, stop
// ends it) until the talk must move: it returns the next session, live,
// and when the microphone left l (which is ended unless the device takes
// both at once); or no session and the talk's result.
func (r *Relay) carry(ctx context.Context, l *leg, talked <-chan error, stop func()) (*leg, time.Time, error) {
	renew, cancelTimer := r.renewal(l)
	defer cancelTimer()
	for {
		select {
		case err := <-talked:
			if err == nil || ctx.Err() != nil {
				return nil, time.Time{}, nil
			}
			left := time.Now()
			// The session ended under the talk: its own error says why.
			why := r.why(l, err)
			if !errors.Is(why, ErrHangup) {
				return nil, left, why
			}
			if carried := left.Sub(l.ready); l.successor && carried < relayShortLeg {
				return nil, left, fmt.Errorf("%w (after %s, too soon to open another)", why, carried.Round(time.Millisecond))
			}
			r.log("session: the service ended the session under the talk; opening the next", "reason", Reason(why))
			r.end(l)
			r.setCur(nil)
			return r.reopenAt(ctx, left)
		case <-renew:
			renew = nil
		}
		if l.overlap {
			next, err := r.start(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil, time.Time{}, nil
				}
				// Keep talking on this one; when the service ends it the
				// next opens then.
				r.log("session: renewal failed; talking on until the cap", "err", err)
				continue
			}
			next.successor = true
			stop()
			left := time.Now()
			<-talked // within one read, having sent what it read
			return next, left, nil
		}
		// One caller: end this session, then open the next.
		stop()
		left := time.Now()
		if err := <-talked; err != nil && ctx.Err() == nil {
			if why := r.why(l, err); !errors.Is(why, ErrHangup) {
				return nil, left, why
			}
		}
		if ctx.Err() != nil {
			return nil, time.Time{}, nil
		}
		r.end(l)
		r.setCur(nil)
		return r.reopenAt(ctx, left)
	}
}
