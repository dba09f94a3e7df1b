package audio

import "errors"

// Sentinel errors of the audio package and of the device back-ends built on
// it. Callers branch on them with errors.Is.
var (
	// ErrNoDevice means no usable audio device (or audio system) was found;
	// the wrapped message says why. Callers may choose a null device instead.
	ErrNoDevice = errors.New("no audio device")
	// ErrClosed is returned by operations on a device already closed.
	ErrClosed = errors.New("audio device closed")
	// ErrInvalidFormat means a Format has a non-positive rate or channel count,
	// or samples do not fill whole frames of it.
	ErrInvalidFormat = errors.New("invalid audio format")
	// ErrNotWAV means the data is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("not a WAV file")
	// ErrUnsupportedWAV means the WAV file uses an encoding ReadWAV does not
	// read (anything but 8/16/24/32-bit integer PCM and 32/64-bit float).
	ErrUnsupportedWAV = errors.New("unsupported WAV encoding")
)
