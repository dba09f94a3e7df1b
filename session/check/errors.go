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
