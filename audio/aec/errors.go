package aec

import "errors"

// Sentinel errors of package aec; callers branch on them with errors.Is.
var (
	// ErrUnsupported means the engine or its library refuses the options
	// (an unknown engine, a rate it does not take).
	ErrUnsupported = errors.New("aec: unsupported options")
	// ErrClosed is returned by a Processor already closed.
	ErrClosed = errors.New("aec: processor closed")
	// ErrEngine means the library reported an error while processing.
	ErrEngine = errors.New("aec: engine error")
)
