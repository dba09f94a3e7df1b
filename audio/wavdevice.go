package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// wavCapturer plays samples back as a Capturer paced at real time.
type wavCapturer struct {
	samples []int16
	f       Format
	loop    bool

	mu    sync.Mutex // serializes Read
	pos   int        // next sample of samples
	start time.Time  // when the first sample was "captured"
	got   int64      // samples delivered since start

	closeOnce sync.Once
	closed    chan struct{}
}

// NewWAVCapturer returns a Capturer that delivers samples (interleaved, in
// format f) at the rate a microphone would: the first Read starts the clock,
// and a Read of n samples returns once they would have been recorded. At the
// end it returns the rest with io.EOF, unless loop is set, in which case it
// starts over. Empty samples end at once (or, looping, capture silence).
func NewWAVCapturer(samples []int16, f Format, loop bool) Capturer {
	return &wavCapturer{samples: samples, f: f, loop: loop, closed: make(chan struct{})}
}

// Format returns the samples' format.
func (c *wavCapturer) Format() Format { return c.f }

// Read fills p at the real-time rate; see NewWAVCapturer.
func (c *wavCapturer) Read(ctx context.Context, p []int16) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.closed:
		return 0, fmt.Errorf("audio: wav capture: %w", ErrClosed)
	default:
	}
	if err := c.f.Validate(); err != nil {
		return 0, err
	}
	if c.start.IsZero() {
		c.start = time.Now()
	}
	n := 0
	var eof bool
	for n < len(p) {
		if c.pos >= len(c.samples) {
			if !c.loop {
				eof = true
				break
			}
			c.pos = 0
		}
		if len(c.samples) == 0 {
			clear(p[n:])
			n = len(p)
			break
		}
		k := copy(p[n:], c.samples[c.pos:])
		n += k
		c.pos += k
	}
	// Wait until the last of these samples would have been captured.
	due := c.start.Add(c.f.Duration(int(c.got) + n))
	c.got += int64(n)
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return n, ctx.Err()
		case <-c.closed:
			return n, fmt.Errorf("audio: wav capture: %w", ErrClosed)
		}
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

// Close wakes a blocked Read; later Reads and Closes return ErrClosed.
func (c *wavCapturer) Close() error {
	err := ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		err = nil
	})
	return err
}

// wavPlayerTick is how often the WAV player consumes its buffer.
const wavPlayerTick = 10 * time.Millisecond

// WAVPlayer is a Player that records what it plays into a WAVWriter at the
// real-time rate of a sound card: a goroutine takes the samples due every
// 10 ms from the buffer and writes silence when the buffer ran dry.
type WAVPlayer struct {
	w    *WAVWriter
	f    Format
	ring *Ring

	wmu sync.Mutex // serializes Write (the ring's single producer)

	underruns atomic.Uint64
	err       atomic.Pointer[error]

	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// NewWAVPlayer returns a Player that writes to w, with a buffer of two
// seconds. Close stops it, writes what is still buffered, and leaves w open
// for the caller to Close.
func NewWAVPlayer(w *WAVWriter, f Format) Player {
	p := &WAVPlayer{
		w:    w,
		f:    f,
		ring: NewRing(max(f.Samples(2*time.Second), 1)),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go p.run()
	return p
}

// Format returns the format Write takes.
func (p *WAVPlayer) Format() Format { return p.f }

// Write queues samples; what exceeds the buffer is dropped.
func (p *WAVPlayer) Write(s []int16) (int, error) {
	if p.closed.Load() {
		return 0, fmt.Errorf("audio: wav player: %w", ErrClosed)
	}
	if e := p.err.Load(); e != nil {
		return 0, *e
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.ring.Write(s), nil
}

// Buffered returns how much queued audio has not been written yet.
func (p *WAVPlayer) Buffered() time.Duration { return p.f.Duration(p.ring.Len()) }

// Underruns counts the times playback ran dry after having had samples.
func (p *WAVPlayer) Underruns() uint64 { return p.underruns.Load() }

// run is the "sound card": every tick it consumes the samples due.
func (p *WAVPlayer) run() {
	defer close(p.done)
	if p.f.Validate() != nil {
		<-p.stop
		return
	}
	t := time.NewTicker(wavPlayerTick)
	defer t.Stop()
	start := time.Now()
	var played int64
	buf := make([]int16, p.f.Samples(4*wavPlayerTick)+p.f.Channels)
	starving := true
	for {
		select {
		case <-p.stop:
			// Write what is left, as a card drains its buffer.
			for {
				n := p.ring.Read(buf)
				if n == 0 {
					return
				}
				p.write(buf[:n])
			}
		case <-t.C:
		}
		due := int64(p.f.Samples(time.Since(start))) - played
		for due > 0 {
			chunk := buf[:min(int64(len(buf)), due)]
			n := p.ring.Read(chunk)
			if n < len(chunk) {
				if !starving {
					p.underruns.Add(1)
				}
				starving = true
				clear(chunk[n:])
			} else {
				starving = false
			}
			p.write(chunk)
			played += int64(len(chunk))
			due -= int64(len(chunk))
		}
	}
}

// write records samples, keeping the first error for Write to report.
func (p *WAVPlayer) write(s []int16) {
	if err := p.w.Write(s); err != nil && p.err.Load() == nil {
		p.err.Store(&err)
	}
}

// Close stops the player after writing what is buffered; it returns the
// first write error, if any. Later calls return ErrClosed.
func (p *WAVPlayer) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	close(p.stop)
	<-p.done
	if e := p.err.Load(); e != nil {
		return errors.Join(*e)
	}
	return nil
}
