package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ClipMedia is one item of a recorded clip: a picture or a run of sound,
// with its time from the clip's start.
type ClipMedia struct {
	PTS time.Duration
	// Frame is a picture; a pooled one carries one reference, which the
	// receiver releases.
	Frame *Frame
	// Audio is sound, interleaved, in the format the source decodes to.
	Audio []int16
}

// ClipSource reads a recorded clip in file order (player/ffmpeg's
// ClipReader). Its methods are called from the player's goroutine only.
type ClipSource interface {
	// Duration is the clip's length.
	Duration() time.Duration
	// Seek makes the next Next read from the keyframe at or before t.
	Seek(t time.Duration) error
	// Next returns the next picture or sound, io.EOF after the last.
	Next() (ClipMedia, error)
}

// ClipConfig is where a ClipPlayer sends what it plays.
type ClipConfig struct {
	// Sink shows the pictures, each when it is due.
	Sink Sink
	// Audio, if set, plays the sound, each run when it is due (the
	// caller's device buffer adds its own latency).
	Audio func(pcm []int16)
	// Sink and Audio are called with the player's lock held, so that
	// nothing more plays once Pause returns: they must not block or call
	// the player.
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// ClipPlayer plays a recorded clip: pictures to a Sink and sound to a
// callback, each at its time, with play, pause and seek. It starts paused
// on the clip's first picture. One goroutine, started by NewClipPlayer and
// stopped by Close, owns the source; the methods may be called from any
// goroutine.
type ClipPlayer struct {
	src  ClipSource
	cfg  ClipConfig
	dur  time.Duration
	wake chan struct{} // capacity 1: the state changed for the goroutine
	chg  chan struct{} // capacity 1: the state changed for the caller
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	playing bool
	base    time.Duration // the position at anchor
	anchor  time.Time     // when the position was base (while playing)
	seeking bool          // a seek to seekTo waits for the goroutine
	inSeek  bool          // the goroutine carries out a seek
	seekTo  time.Duration
	settled chan struct{} // closed when no seek waits; nil then
	ended   bool
	shown   time.Duration // the time of the picture shown
	err     error
}

// NewClipPlayer starts playing src paused on its first picture. Close
// stops it; the caller closes src after.
func NewClipPlayer(src ClipSource, cfg ClipConfig) *ClipPlayer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &ClipPlayer{src: src, cfg: cfg, dur: src.Duration(), wake: make(chan struct{}, 1),
		chg: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	p.seekLocked(0)
	go p.run()
	return p
}

// Duration is the clip's length.
func (p *ClipPlayer) Duration() time.Duration { return p.dur }

// Changed receives a value after the player played, paused, sought or
// ended. Signals coalesce.
func (p *ClipPlayer) Changed() <-chan struct{} { return p.chg }

// Playing reports whether the clip is playing.
func (p *ClipPlayer) Playing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.playing
}

// Ended reports whether the clip played to its end (Play starts it over).
func (p *ClipPlayer) Ended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended
}

// Err returns why playing stopped early (a read error), or nil.
func (p *ClipPlayer) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Position returns where the clip stands: the target of a seek under way,
// the position paused at, or, while playing, the position advancing with
// the clock.
func (p *ClipPlayer) Position() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.positionLocked()
}

func (p *ClipPlayer) positionLocked() time.Duration {
	switch {
	case p.seeking || p.inSeek:
		return p.seekTo
	case !p.playing:
		return p.base
	}
	pos := p.base + p.cfg.Now().Sub(p.anchor)
	if p.dur > 0 {
		pos = min(pos, p.dur)
	}
	return max(pos, 0)
}

// Shown returns the time of the picture shown last.
func (p *ClipPlayer) Shown() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shown
}

// Play plays from the position; a clip that ended starts over.
func (p *ClipPlayer) Play() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.playing {
		return
	}
	if p.ended {
		p.seekLocked(0)
	}
	p.playing, p.anchor = true, p.cfg.Now()
	p.signal()
}

// Pause stops the clip where it stands.
func (p *ClipPlayer) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.playing {
		return
	}
	p.base = p.positionLocked()
	p.playing = false
	p.signal()
}

// Seek moves the clip to t (clamped to the clip): the picture shown at t
// appears, and a playing clip goes on from there. It returns at once;
// the latest seek wins, and WaitSeek waits for it.
func (p *ClipPlayer) Seek(t time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seekLocked(t)
	p.signal()
}

func (p *ClipPlayer) seekLocked(t time.Duration) {
	if p.dur > 0 {
		t = min(t, p.dur)
	}
	p.seeking, p.seekTo, p.ended = true, max(t, 0), false
	if p.settled == nil {
		p.settled = make(chan struct{})
	}
}

// WaitSeek waits until no seek is under way: the picture at the latest
// seek's target is shown.
func (p *ClipPlayer) WaitSeek(ctx context.Context) error {
	p.mu.Lock()
	c := p.settled
	p.mu.Unlock()
	if c == nil {
		return nil
	}
	select {
	case <-c:
		return nil
	case <-p.done:
		return fmt.Errorf("player: clip: %w", ErrClosed)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// signal wakes the goroutine and tells the caller; p.mu is held.
func (p *ClipPlayer) signal() {
	for _, c := range []chan struct{}{p.wake, p.chg} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Close stops the player and waits for its goroutine; later calls return
// ErrClosed.
func (p *ClipPlayer) Close() error {
	err := fmt.Errorf("player: clip: %w", ErrClosed)
	p.once.Do(func() {
		close(p.stop)
		err = nil
	})
	<-p.done
	return err
}

// run owns the source: it carries out seeks and, while playing, reads
// ahead one item and hands it over when it is due.
func (p *ClipPlayer) run() {
	defer close(p.done)
	var queue []ClipMedia
	defer func() { releaseAll(queue) }()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		seek, to, playing := p.seeking, p.seekTo, p.playing
		p.seeking, p.inSeek = false, seek
		p.mu.Unlock()
		if seek {
			releaseAll(queue)
			queue = p.seek(to, queue[:0])
			continue
		}
		if !playing {
			select {
			case <-p.wake:
				continue
			case <-p.stop:
				return
			}
		}
		if len(queue) == 0 {
			m, err := p.src.Next()
			if err != nil {
				p.end(err)
				continue
			}
			queue = append(queue, m)
		}
		p.mu.Lock()
		if !p.playing || p.seeking || p.inSeek {
			p.mu.Unlock()
			continue
		}
		wait := queue[0].PTS - p.base - p.cfg.Now().Sub(p.anchor)
		if wait > 0 {
			p.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-p.wake:
				timer.Stop()
			case <-p.stop:
				return
			}
			continue
		}
		// Handed over under the lock: once Pause returns, nothing more
		// shows.
		m := queue[0]
		queue = append(queue[:0], queue[1:]...)
		p.deliverLocked(m)
		p.mu.Unlock()
	}
}

// seek shows the picture at t (the last one at or before it; the first
// one when t comes before it) and returns what was read past it.
func (p *ClipPlayer) seek(t time.Duration, queue []ClipMedia) []ClipMedia {
	err := p.src.Seek(t)
	var show *Frame
	for err == nil {
		var m ClipMedia
		if m, err = p.src.Next(); err != nil {
			break
		}
		if m.Frame == nil {
			if m.PTS >= t {
				queue = append(queue, m)
			}
			continue
		}
		if m.PTS <= t || show == nil {
			show.Release()
			show = m.Frame
			if m.PTS <= t {
				continue
			}
			break
		}
		queue = append(queue, m)
		break
	}
	if show != nil {
		p.cfg.Sink.PutFrame(show)
		show.Release()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if show != nil {
		p.shown = show.PTS
	}
	p.base, p.anchor = t, p.cfg.Now()
	p.inSeek = false
	switch {
	case errors.Is(err, io.EOF):
		// Past the last picture: playing ends at once.
	case err != nil:
		p.err = err
		p.playing = false
	}
	if !p.seeking && p.settled != nil {
		close(p.settled)
		p.settled = nil
	}
	p.signal()
	return queue
}

// deliverLocked hands m over; p.mu is held.
func (p *ClipPlayer) deliverLocked(m ClipMedia) {
	if m.Frame != nil {
		p.cfg.Sink.PutFrame(m.Frame)
		m.Frame.Release()
		p.shown = m.PTS
		return
	}
	if p.cfg.Audio != nil && len(m.Audio) > 0 {
		p.cfg.Audio(m.Audio)
	}
}

// end stops playing at the clip's end (err io.EOF) or at a read error.
func (p *ClipPlayer) end(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.playing, p.ended = false, true
	p.base = p.dur
	if p.dur == 0 {
		p.base = p.shown
	}
	if !errors.Is(err, io.EOF) {
		p.err = err
	}
	p.signal()
}

func releaseAll(q []ClipMedia) {
	for _, m := range q {
		m.Frame.Release()
	}
}
