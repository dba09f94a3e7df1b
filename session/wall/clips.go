package wall

import (
	"errors"
	"sync"
	"time"

	"github.com/lookout-app/lookout/session/record"
)

// DefaultClipAfter is how long a clip goes on after its event.
const DefaultClipAfter = 20 * time.Second

// MaxClipLength bounds a clip that events keep extending (a camera whose
// scene moves every few seconds): an event that would take it further
// starts a clip of its own.
const MaxClipLength = 2 * time.Minute

// clipGrace is how long past its planned end a clip waits for media before
// it is finalised anyway (a camera that went away).
const clipGrace = 5 * time.Second

// ClipConfig describes an event clip.
type ClipConfig struct {
	// Path is the file written (0600); should the stream change within
	// the clip, the next ones are numbered as a recording's.
	Path string
	// At is the event's time; zero means now.
	At time.Time
	// After is how long the clip goes on after At; 0 means
	// DefaultClipAfter.
	After time.Duration
	// NewMuxer and SkipAudioErr are as Record takes them.
	NewMuxer     record.NewMuxer
	SkipAudioErr func(error) bool
	// OnDone is told once the clip's file is finalised, from the model's
	// goroutine: err is nil when it was written (also when the tile closed
	// before its end: what it has is kept).
	OnDone func(c *Clip, err error)
}

// Clip is an event clip being written or written: the tile's pre-roll and
// what follows its event.
type Clip struct {
	path  string
	rec   *record.Recorder
	sw    *record.Switch
	start time.Time // the pre-roll's first keyframe (zero: the next keyframe)
	done  chan struct{}

	mu     sync.Mutex
	events []time.Time
	until  time.Time // the latest event's At + After
	err    error
}

// Path returns the clip's file.
func (c *Clip) Path() string { return c.path }

// Paths returns its files (more than one if the stream changed within it).
func (c *Clip) Paths() []string { return c.rec.Paths() }

// Start returns the arrival of the clip's first keyframe taken from the
// pre-roll, zero when the pre-roll was empty.
func (c *Clip) Start() time.Time { return c.start }

// Events returns the times of the events the clip holds (an event while a
// clip of the tile is being written extends it).
func (c *Clip) Events() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.events...)
}

// Done is closed once the clip's file is finalised.
func (c *Clip) Done() <-chan struct{} { return c.done }

// Err returns why the clip failed, once Done.
func (c *Clip) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// SaveClip writes an event clip of the tile: its pre-roll (the last
// PrerollConfig.Span of media as received, from a keyframe on) and the
// media that comes until cfg.After past the event, into one file, without
// re-encoding. An event while a clip of the tile is still being written
// extends that clip to the new event's After, and SaveClip returns it with
// extended true, unless the clip would then be longer than MaxClipLength:
// the event starts a clip of its own. A tile without a session refuses
// (ErrNotPlaying).
func (t *Tile) SaveClip(cfg ClipConfig) (c *Clip, extended bool, err error) {
	if cfg.NewMuxer == nil {
		return nil, false, errors.New("wall: a clip needs a muxer")
	}
	if cfg.At.IsZero() {
		cfg.At = time.Now()
	}
	if cfg.After <= 0 {
		cfg.After = DefaultClipAfter
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, false, ErrClosed
	}
	if cur := t.clip; cur != nil {
		if cur.extend(cfg.At, cfg.After) {
			return cur, true, nil
		}
	}
	if t.s == nil {
		return nil, false, ErrNotPlaying
	}
	rec := record.Start(record.Config{Path: cfg.Path, NewMuxer: private(cfg.NewMuxer), SkipAudioErr: cfg.SkipAudioErr,
		QueueBytes: record.DefaultQueueBytes + t.pre.cfg.MaxBytes})
	c = &Clip{path: cfg.Path, rec: rec, done: make(chan struct{}), events: []time.Time{cfg.At}, until: cfg.At.Add(cfg.After)}
	// The length is set before the first unit is fed, from the first
	// keyframe the pre-roll holds; with none, from the next keyframe.
	if st := t.pre.stats(); !st.From.IsZero() {
		rec.SetLength(c.until.Sub(st.From))
	} else {
		rec.SetLength(cfg.After)
	}
	c.sw, c.start = t.pre.attach(rec)
	if !c.start.IsZero() {
		rec.SetLength(c.until.Sub(c.start)) // the pre-roll may have moved on meanwhile
	}
	t.clip = c
	t.wg.Add(1)
	go t.writeClip(c, cfg.OnDone)
	return c, false, nil
}

// extend moves the clip's end to at+after; false when the clip no longer
// takes media, or would be longer than MaxClipLength. t.mu is held.
func (c *Clip) extend(at time.Time, after time.Duration) bool {
	select {
	case <-c.rec.Ended():
		return false
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.start
	if from.IsZero() {
		from = c.events[0]
	}
	if at.Add(after).Sub(from) > MaxClipLength {
		return false
	}
	c.events = append(c.events, at)
	if u := at.Add(after); u.After(c.until) {
		c.until = u
		if !c.start.IsZero() {
			c.rec.SetLength(u.Sub(c.start))
		} else {
			c.rec.SetLength(u.Sub(c.events[0])) // from about the first event
		}
	}
	return true
}

// writeClip waits for c's end (its length reached, its file failed, no
// media for clipGrace past its end, or the tile's end) and finalises it.
func (t *Tile) writeClip(c *Clip, onDone func(*Clip, error)) {
	defer t.wg.Done()
	for {
		c.mu.Lock()
		wait := time.Until(c.until) + clipGrace
		c.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-c.rec.Ended():
		case <-t.closing:
		case <-t.m.done:
		case <-timer.C:
			c.mu.Lock()
			later := time.Until(c.until)+clipGrace > 0 // extended meanwhile
			c.mu.Unlock()
			if later {
				continue // the timer has fired: nothing to stop
			}
		}
		timer.Stop()
		break
	}
	t.pre.detach(c.sw)
	t.mu.Lock()
	if t.clip == c {
		t.clip = nil
	}
	t.mu.Unlock()
	err := errors.Join(c.rec.Err(), c.rec.Close())
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.done)
	if onDone != nil {
		onDone(c, err)
	}
}

// Preroll returns what the tile's pre-roll holds now.
func (t *Tile) Preroll() PrerollStats { return t.pre.stats() }

// Clip returns the clip being written, or nil.
func (t *Tile) Clip() *Clip {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.clip
}
