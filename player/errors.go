package player

import "errors"

// Sentinel errors of the player package. Callers branch on them with errors.Is.
var (
	// ErrUnsupportedCodec means the MIME type names a codec the player cannot
	// depacketize or decode.
	ErrUnsupportedCodec = errors.New("unsupported codec")
	// ErrClosed is returned by operations on a decoder or encoder already closed.
	ErrClosed = errors.New("closed")
	// ErrRunning is returned by Video.Run when the Video was already run: one
	// Video serves one track.
	ErrRunning = errors.New("video already running")
	// ErrNoDecoder is returned by NewVideo when no Decoder is given.
	ErrNoDecoder = errors.New("no decoder")
)
