package miniaudio

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"

	"github.com/lookout-app/lookout/audio"
)

// device is one started miniaudio device and the ring it shares with the
// audio thread.
type device struct {
	ctx  *Context
	kind malgo.DeviceType
	f    audio.Format
	ring *audio.Ring
	dev  *malgo.Device
	id   *malgo.DeviceID
	pin  runtime.Pinner

	// signal is poked (without blocking) by the capture callback.
	signal chan struct{}

	// Counters written by the audio thread.
	dropped   atomic.Uint64 // capture samples lost to a full ring
	underruns atomic.Uint64 // playback: times the ring ran dry
	callbacks atomic.Uint64
	starving  atomic.Bool // playback: the last callback lacked samples

	wmu       sync.Mutex // serializes Player.Write: the ring's one producer
	rmu       sync.Mutex // serializes Capturer.Read: the ring's one consumer
	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

// int16s views a callback's byte buffer as samples. miniaudio hands out
// buffers aligned for their format.
func int16s(b []byte) []int16 {
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*int16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// onCapture runs on the audio thread: copy into the ring, count what does
// not fit, and wake a waiting Read.
func (d *device) onCapture(_, in []byte, _ uint32) {
	d.callbacks.Add(1)
	s := int16s(in)
	if n := d.ring.Write(s); n < len(s) {
		d.dropped.Add(uint64(len(s) - n))
	}
	select {
	case d.signal <- struct{}{}:
	default:
	}
}

// onPlayback runs on the audio thread: copy from the ring and fill a
// shortfall with silence, counting each time playback runs dry.
func (d *device) onPlayback(out, _ []byte, _ uint32) {
	d.callbacks.Add(1)
	s := int16s(out)
	n := d.ring.Read(s)
	if n < len(s) {
		clear(s[n:])
		if !d.starving.Swap(true) {
			d.underruns.Add(1)
		}
	} else {
		d.starving.Store(false)
	}
}

// close stops the device (waiting for its callback to finish) and forgets it.
func (d *device) close() error {
	first := false
	d.closeOnce.Do(func() {
		first = true
		close(d.closed)
		d.dev.Uninit()
		d.pin.Unpin()
		d.ctx.mu.Lock()
		delete(d.ctx.devices, d)
		d.ctx.mu.Unlock()
	})
	if !first {
		return ErrClosed
	}
	return d.closeErr
}

// Capture is an open capture device; it implements audio.Capturer.
type Capture struct{ d *device }

var _ audio.Capturer = (*Capture)(nil)

// Format returns the format Read delivers.
func (c *Capture) Format() audio.Format { return c.d.f }

// Read blocks until p is full, ctx is done (ctx.Err()) or the device is
// closed (audio.ErrClosed), returning how many samples it copied.
func (c *Capture) Read(ctx context.Context, p []int16) (int, error) {
	d := c.d
	d.rmu.Lock()
	defer d.rmu.Unlock()
	n := 0
	for {
		select {
		case <-d.closed:
			return n, fmt.Errorf("miniaudio: capture: %w", audio.ErrClosed)
		default:
		}
		n += d.ring.Read(p[n:])
		if n == len(p) {
			return n, nil
		}
		select {
		case <-d.signal:
		case <-ctx.Done():
			return n, ctx.Err()
		case <-d.closed:
			return n, fmt.Errorf("miniaudio: capture: %w", audio.ErrClosed)
		}
	}
}

// Reset discards the captured audio nobody has read yet, so that the next
// Read starts with what the microphone hears now (as when push-to-talk is
// pressed after the capture sat idle with a full buffer).
func (c *Capture) Reset() {
	c.d.rmu.Lock()
	defer c.d.rmu.Unlock()
	c.d.ring.Reset()
}

// Dropped returns how many captured samples were lost because Read did not
// keep up: the ring holds one second, and when it is full the newest
// samples are dropped.
func (c *Capture) Dropped() uint64 { return c.d.dropped.Load() }

// Close stops the device and wakes a blocked Read. Later calls return
// ErrClosed.
func (c *Capture) Close() error { return c.d.close() }

// Playback is an open playback device; it implements audio.Player and
// audio.UnderrunCounter.
type Playback struct{ d *device }

var (
	_ audio.Player          = (*Playback)(nil)
	_ audio.UnderrunCounter = (*Playback)(nil)
)

// Format returns the format Write takes.
func (p *Playback) Format() audio.Format { return p.d.f }

// Write queues samples without blocking; what exceeds the one-second
// buffer is dropped and not counted.
func (p *Playback) Write(s []int16) (int, error) {
	select {
	case <-p.d.closed:
		return 0, fmt.Errorf("miniaudio: playback: %w", audio.ErrClosed)
	default:
	}
	p.d.wmu.Lock()
	defer p.d.wmu.Unlock()
	return p.d.ring.Write(s), nil
}

// Buffered returns how much queued audio the device has not taken yet
// (the device's own period buffers add about 10 to 30 ms more).
func (p *Playback) Buffered() time.Duration { return p.d.f.Duration(p.d.ring.Len()) }

// Underruns counts the times playback ran dry and played silence after
// having had samples.
func (p *Playback) Underruns() uint64 { return p.d.underruns.Load() }

// Close stops the device; queued audio is dropped. Later calls return
// ErrClosed.
func (p *Playback) Close() error { return p.d.close() }
