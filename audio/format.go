// Package audio holds Lookout's pure-Go audio building blocks: the PCM
// Format, a lock-free ring buffer for audio callbacks, level metering and
// tone detection, WAV files, and the Capturer and Player interfaces that
// device back-ends (audio/miniaudio) and WAV-backed stand-ins implement.
//
// All PCM is signed 16-bit, interleaved by channel.
package audio

import (
	"fmt"
	"time"
)

// Format describes PCM samples: signed 16-bit, interleaved, SampleRate
// frames per second of Channels samples each.
type Format struct {
	SampleRate, Channels int
}

// MaxChannels is the largest channel count Format.Validate accepts.
const MaxChannels = 8

// Validate reports ErrInvalidFormat unless the rate is in 1..768000 Hz and
// Channels is in 1..MaxChannels.
func (f Format) Validate() error {
	if f.SampleRate <= 0 || f.SampleRate > 768000 || f.Channels <= 0 || f.Channels > MaxChannels {
		return fmt.Errorf("audio: format %v: %w", f, ErrInvalidFormat)
	}
	return nil
}

// String formats f as "48000 Hz stereo", "8000 Hz mono" or "44100 Hz 6 ch".
func (f Format) String() string {
	switch f.Channels {
	case 1:
		return fmt.Sprintf("%d Hz mono", f.SampleRate)
	case 2:
		return fmt.Sprintf("%d Hz stereo", f.SampleRate)
	}
	return fmt.Sprintf("%d Hz %d ch", f.SampleRate, f.Channels)
}

// Samples returns how many interleaved samples (frames times channels) last d.
func (f Format) Samples(d time.Duration) int {
	if f.SampleRate <= 0 || f.Channels <= 0 {
		return 0
	}
	return int(d*time.Duration(f.SampleRate)/time.Second) * f.Channels
}

// Duration returns how long n interleaved samples last.
func (f Format) Duration(n int) time.Duration {
	if f.SampleRate <= 0 || f.Channels <= 0 {
		return 0
	}
	return time.Duration(n/f.Channels) * time.Second / time.Duration(f.SampleRate)
}
