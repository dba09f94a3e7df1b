package miniaudio

import (
	"errors"

	"github.com/lookout-app/lookout/audio"
)

// Sentinel errors of the miniaudio package. Missing devices and use after
// Close are reported with audio.ErrNoDevice and audio.ErrClosed.
var (
	// ErrUnknownBackend means Open was given a backend name it does not know.
	ErrUnknownBackend = errors.New("unknown audio backend")
	// ErrUnknownDevice means a device ID is not one Devices listed.
	ErrUnknownDevice = errors.New("unknown audio device")
	// ErrClosed is returned by Close after the first call (and wrapped by
	// Read and Write after Close); it is audio.ErrClosed.
	ErrClosed = audio.ErrClosed
)
