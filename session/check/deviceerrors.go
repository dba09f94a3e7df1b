package check

import "errors"

// Errors of the device, codec and capacity checks.
var (
	// ErrStalled means an audio device stopped taking samples: the sound
	// queued for it was not played within its length plus two seconds.
	ErrStalled = errors.New("audio device stalled")
	// ErrInvalidClip means a capacity clip was asked for with a size or a
	// frame count that cannot be encoded (sizes must be even and positive,
	// frames positive).
	ErrInvalidClip = errors.New("invalid capacity clip")
)
