// Package player turns RTP video into pictures: it reorders packets,
// depacketizes H.264, H.265, VP8, VP9 and AV1, detects loss, gates decoding on
// keyframes after loss, hands access units to a Decoder and keeps the numbers a
// tile shows (FPS, bitrate, loss, jitter, freezes). It is pure Go; the FFmpeg
// decoder lives in player/ffmpeg.
package player

import (
	"image"
	"sync"
	"sync/atomic"
	"time"
)

// Frame is one decoded picture, converted to RGBA at the size asked for.
//
// Ownership. A Frame made by hand (a literal, or Clone) is immutable and
// may be kept by anyone. A pooled Frame (from a FramePool, as the FFmpeg
// decoder emits them) is reference counted: whoever hands it over holds a
// reference for the duration of the call (emit, Sink.PutFrame), so a
// receiver may read it during the call; to keep it longer the receiver
// calls Retain, and Release when it no longer reads it. When the last
// reference is released the frame's buffer goes back to its pool and is
// overwritten by a later picture. Retain and Release do nothing on frames
// that are not pooled, so code written for both kinds works with either.
type Frame struct {
	// Image holds the picture at the output size the decoder was asked for.
	Image *image.RGBA
	// SourceWidth and SourceHeight are the coded picture's own size.
	SourceWidth, SourceHeight int
	// PTS is the presentation time relative to the first access unit of the stream.
	PTS time.Duration
	// Key reports whether the picture was a keyframe.
	Key bool
	// Capture is when the sender captured the picture (its abs-capture-time
	// header extension), or the zero time when it did not say.
	Capture time.Time

	pool *FramePool
	refs atomic.Int32
}

// Pooled reports whether f is reference counted (see Frame).
func (f *Frame) Pooled() bool { return f != nil && f.pool != nil }

// Retain adds a reference to a pooled frame; it does nothing on nil or on
// frames that are not pooled. Retaining a frame whose last reference was
// released is a bug: it is refused and counted (FramePool.Misuses), as the
// buffer may already carry another picture.
func (f *Frame) Retain() {
	if !f.Pooled() {
		return
	}
	for {
		n := f.refs.Load()
		if n <= 0 {
			f.pool.misuses.Add(1)
			return
		}
		if f.refs.CompareAndSwap(n, n+1) {
			return
		}
	}
}

// Release drops a reference taken with Retain (or the one a pool's Get
// returns); the last one returns the frame to its pool. It does nothing on
// nil or on frames that are not pooled. Releasing more often than retained
// is a bug: the extra Release is ignored and counted (FramePool.Misuses),
// so a frame never goes back to its pool twice.
func (f *Frame) Release() {
	if !f.Pooled() {
		return
	}
	for {
		n := f.refs.Load()
		if n <= 0 {
			f.pool.misuses.Add(1)
			return
		}
		if f.refs.CompareAndSwap(n, n-1) {
			if n == 1 {
				f.pool.put(f)
			}
			return
		}
	}
}

// Clone returns a copy of f that is not pooled and may be kept forever.
func (f *Frame) Clone() *Frame {
	if f == nil {
		return nil
	}
	c := &Frame{SourceWidth: f.SourceWidth, SourceHeight: f.SourceHeight, PTS: f.PTS, Key: f.Key, Capture: f.Capture}
	if f.Image != nil {
		img := *f.Image
		img.Pix = append([]byte(nil), f.Image.Pix...)
		c.Image = &img
	}
	return c
}

// poolSlack is the spare capacity after an image's last row: SIMD
// converters may write a few bytes past a row's end.
const poolSlack = 64

// poolKeep bounds the free frames a pool keeps. A decoder needs one frame
// in flight, the sink holds the newest, a painter holds the one it shows:
// three are in use in steady state, the rest cover readers that hold on
// for a moment (motion, a snapshot's copy).
const poolKeep = 4

// FramePool recycles the frames (and their RGBA buffers) of one decoder,
// all of one size at a time. Get is called by the decoder; the frames
// come back through Release from any goroutine.
type FramePool struct {
	mu      sync.Mutex
	w, h    int
	free    []*Frame
	misuses atomic.Int64
}

// NewFramePool returns an empty pool.
func NewFramePool() *FramePool { return &FramePool{} }

// Get returns a frame whose Image is w x h (its pixels are whatever an
// earlier picture left), holding one reference that the caller releases.
// Asking for another size drops the free frames of the old one.
func (p *FramePool) Get(w, h int) *Frame {
	p.mu.Lock()
	if w != p.w || h != p.h {
		clear(p.free)
		p.free, p.w, p.h = p.free[:0], w, h
	}
	var f *Frame
	if n := len(p.free); n > 0 {
		f = p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
	}
	p.mu.Unlock()
	if f == nil {
		stride := 4 * w
		f = &Frame{pool: p, Image: &image.RGBA{
			Pix:    make([]byte, stride*h, stride*h+poolSlack),
			Stride: stride,
			Rect:   image.Rect(0, 0, w, h),
		}}
	}
	f.SourceWidth, f.SourceHeight, f.PTS, f.Key, f.Capture = 0, 0, 0, false, time.Time{}
	f.refs.Store(1)
	return f
}

// Free returns how many frames wait in the pool (for tests).
func (p *FramePool) Free() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// Misuses returns how many Retain and Release calls were refused because
// the frame's last reference was already released (bugs; 0 in tests).
func (p *FramePool) Misuses() int64 { return p.misuses.Load() }

func (p *FramePool) put(f *Frame) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.Image.Rect.Dx() != p.w || f.Image.Rect.Dy() != p.h || len(p.free) >= poolKeep {
		return // the garbage collector takes it
	}
	p.free = append(p.free, f)
}

// Sink receives decoded frames. PutFrame must not block: a sink that cannot
// keep up keeps the newest frame and drops older ones (latest-frame-wins).
// The frame is valid during the call; a sink that keeps it retains it (see
// Frame).
type Sink interface {
	PutFrame(*Frame)
}

// Latest is a Sink that keeps only the newest frame. It is safe for one
// producer and any number of readers. It holds a reference to the frame it
// keeps and releases it when a newer one replaces it, so a pooled frame's
// buffer is reused only once Latest and every reader that took it with
// Acquire have let go.
type Latest struct {
	mu    sync.Mutex
	frame *Frame
	ready chan struct{}
}

// NewLatest returns an empty Latest.
func NewLatest() *Latest {
	return &Latest{ready: make(chan struct{}, 1)}
}

// PutFrame stores f as the newest frame and signals Ready without blocking.
func (l *Latest) PutFrame(f *Frame) {
	f.Retain()
	l.mu.Lock()
	old := l.frame
	l.frame = f
	l.mu.Unlock()
	old.Release()
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// Acquire returns the newest frame with a reference the caller must
// Release when done reading it, or nil if none arrived yet. It allocates
// nothing: this is how a painter reads pooled frames.
func (l *Latest) Acquire() *Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.frame.Retain()
	return l.frame
}

// Load returns the newest frame for keeping, or nil if none arrived yet: a
// frame that is not pooled itself, a pooled one as a Clone (which costs a
// copy; painters use Acquire).
func (l *Latest) Load() *Frame {
	f := l.Acquire()
	if !f.Pooled() {
		return f
	}
	defer f.Release()
	return f.Clone()
}

// Ready returns a channel that receives a value after a new frame was stored.
// Signals coalesce: one receive may stand for several frames, so read the
// frame with Load after each receive.
func (l *Latest) Ready() <-chan struct{} {
	return l.ready
}
