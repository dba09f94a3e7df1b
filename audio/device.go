package audio

import (
	"context"
	"time"
)

// DeviceInfo describes one capture or playback device.
type DeviceInfo struct {
	// ID identifies the device to the back-end that listed it; "" means the
	// system default.
	ID string
	// Name is the device's human-readable name.
	Name string
	// Default is true for the system's default device of its kind.
	Default bool
	// Capture is true for microphones and other inputs, false for outputs.
	Capture bool
}

// Capturer is a source of PCM, such as a microphone.
type Capturer interface {
	// Format returns the format of the samples Read delivers.
	Format() Format
	// Read blocks until it has filled p with len(p) samples, ctx is done
	// (returning ctx.Err() with the samples read so far), the source ends
	// (io.EOF, possibly with a short count), or the Capturer is closed
	// (ErrClosed).
	Read(ctx context.Context, p []int16) (int, error)
	// Close stops capturing and wakes a blocked Read; later calls return
	// ErrClosed.
	Close() error
}

// Player is a sink of PCM, such as speakers.
type Player interface {
	// Format returns the format Write takes.
	Format() Format
	// Write queues p for playback without blocking: what does not fit in
	// the player's buffer is dropped and not counted in the result.
	Write(p []int16) (int, error)
	// Buffered returns how much queued audio has not been played yet.
	Buffered() time.Duration
	// Close stops playback; later calls return ErrClosed.
	Close() error
}

// UnderrunCounter is implemented by Players that count how often playback
// ran dry and filled the gap with silence.
type UnderrunCounter interface {
	Underruns() uint64
}
