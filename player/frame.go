// Package player turns RTP video into pictures: it reorders packets,
// depacketizes H.264, H.265, VP8, VP9 and AV1, detects loss, gates decoding on
// keyframes after loss, hands access units to a Decoder and keeps the numbers a
// tile shows (FPS, bitrate, loss, jitter, freezes). It is pure Go; the FFmpeg
// decoder lives in player/ffmpeg.
package player

import (
	"image"
	"sync/atomic"
	"time"
)

// Frame is one decoded picture, converted to RGBA at the size asked for.
// A Frame is immutable once handed to a Sink: readers may keep it.
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
}

// Sink receives decoded frames. PutFrame must not block: a sink that cannot
// keep up keeps the newest frame and drops older ones (latest-frame-wins).
type Sink interface {
	PutFrame(*Frame)
}

// Latest is a Sink that keeps only the newest frame. It is safe for one
// producer and any number of readers.
type Latest struct {
	frame atomic.Pointer[Frame]
	ready chan struct{}
}

// NewLatest returns an empty Latest.
func NewLatest() *Latest {
	return &Latest{ready: make(chan struct{}, 1)}
}

// PutFrame stores f as the newest frame and signals Ready without blocking.
func (l *Latest) PutFrame(f *Frame) {
	l.frame.Store(f)
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// Load returns the newest frame, or nil if none arrived yet.
func (l *Latest) Load() *Frame {
	return l.frame.Load()
}

// Ready returns a channel that receives a value after a new frame was stored.
// Signals coalesce: one receive may stand for several frames, so read the
// frame with Load after each receive.
func (l *Latest) Ready() <-chan struct{} {
	return l.ready
}
