package session

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// DefaultRelayLead is how long before a session's cap a Relay opens the
// next session: room for a slow connection, far less than the cap.
const DefaultRelayLead = 10 * time.Second

// Relay carries one long talk through consecutive sessions of a source
// whose service ends every session after Plan.MaxDuration (Eagle Eye's 2-Way
// Audio: 10 minutes). Lead before the cap it opens the next session while
// the current one still carries the talk, then moves the microphone over
// between two reads, so no more than a read's worth of speech is delayed
// and none is lost. Without a cap it is one session.
type Relay struct {
	cfg  Config
	lead time.Duration

	mu       sync.Mutex
	cur      *leg
	renewals int
	gaps     []time.Duration
}

// leg is one session of a relay.
type leg struct {
	s       *Session
	cancel  context.CancelFunc
	done    chan error // Run's result
	ready   time.Time  // when it went live
	cap     time.Duration
	forward atomic.Bool // its states reach cfg.OnStatus
}

// NewRelay returns a relay opening sessions of cfg (one attempt each;
// MaxAttempts is set to 1). lead is how long before a session's cap the
// next one opens; zero means DefaultRelayLead, and it is at most half the
// cap.
func NewRelay(cfg Config, lead time.Duration) (*Relay, error) {
	if cfg.Opener == nil || cfg.NewDecoder == nil || cfg.Sink == nil {
		return nil, errors.New("session: relay: Opener, NewDecoder and Sink are required")
	}
	if lead <= 0 {
		lead = DefaultRelayLead
	}
	cfg.MaxAttempts = 1
	return &Relay{cfg: cfg, lead: lead}, nil
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

// open starts a session and waits until it can take talk.
func (r *Relay) open(ctx context.Context, forward bool) (*leg, error) {
	l := &leg{done: make(chan error, 1)}
	l.forward.Store(forward)
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
		if user != nil && l.forward.Load() {
			user(st)
		}
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l.s = s
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
	l.cap = r.capOf(s)
	return l, nil
}

// noTalk is why a connected session cannot take talk; it is ErrNoTalk.
type noTalk string

func (e noTalk) Error() string        { return string(e) }
func (e noTalk) Is(target error) bool { return target == ErrNoTalk }

// capOf is the session's MaxDuration, as its plan said.
func (r *Relay) capOf(s *Session) time.Duration {
	if v, ok := s.planCap.Load().(time.Duration); ok {
		return v
	}
	return 0
}

// end stops a leg's session and waits for it.
func (r *Relay) end(l *leg) {
	l.forward.Store(false)
	l.cancel()
	<-l.done
}

// Talk sends c through as many sessions as it takes, until ctx ends (the
// button is released: nil), c runs out (nil) or a session fails.
func (r *Relay) Talk(ctx context.Context, c audio.Capturer) error {
	l, err := r.open(ctx, true)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.cur = l
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		cur := r.cur
		r.cur = nil
		r.mu.Unlock()
		if cur != nil {
			r.end(cur)
		}
	}()
	tctx, stop := context.WithCancel(ctx)
	talked := make(chan error, 1)
	go func(s *Session) { talked <- s.Talk(tctx, c) }(l.s)
	for {
		var renew <-chan time.Time
		timer := time.NewTimer(time.Until(l.ready.Add(l.cap - min(r.lead, l.cap/2))))
		if l.cap > 0 {
			renew = timer.C
		}
		select {
		case err := <-talked:
			timer.Stop()
			stop()
			if err == nil || ctx.Err() != nil {
				return nil
			}
			// The session ended under the talk: its own error says why.
			select {
			case runErr := <-l.done:
				l.done <- runErr // for end
				if runErr != nil {
					return runErr
				}
			case <-time.After(2 * time.Second):
			}
			return err
		case <-renew:
		}
		next, err := r.open(ctx, false)
		if err != nil {
			// Keep talking on the old session until the service ends it.
			if r.cfg.Logger != nil && ctx.Err() == nil {
				r.cfg.Logger.Info("session: renewal failed; talking on until the cap", "source", r.cfg.Source, "err", err)
			}
			err2 := <-talked
			stop()
			if ctx.Err() != nil {
				return nil
			}
			return errors.Join(err, err2)
		}
		// Move the microphone: the old talk returns within one read, and
		// whatever it read is sent before it does.
		stop()
		switched := time.Now()
		<-talked
		tctx, stop = context.WithCancel(ctx)
		talked = make(chan error, 1)
		go func(s *Session) { talked <- s.Talk(tctx, c) }(next.s)
		gap := time.Since(switched)
		next.forward.Store(true)
		r.mu.Lock()
		old := r.cur
		r.cur = next
		r.renewals++
		r.gaps = append(r.gaps, gap)
		r.mu.Unlock()
		r.end(old)
		l = next
	}
}
