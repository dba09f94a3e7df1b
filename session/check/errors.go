package check

import "errors"

// Errors a step can fail with, besides the network's own.
var (
	// ErrNoAnswer means a server did not answer within the step's timeout.
	ErrNoAnswer = errors.New("no answer")
	// ErrUnsupportedURL means a URL's scheme or transport cannot be probed.
	ErrUnsupportedURL = errors.New("unsupported URL")
	// ErrNoPath means the probe's two peers found no working ICE path.
	ErrNoPath = errors.New("no media path")
)

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
