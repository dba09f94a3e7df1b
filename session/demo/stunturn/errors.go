package stunturn

import "errors"

// ErrClosed is returned by Close when the server was already closed.
var ErrClosed = errors.New("stunturn: closed")

// errBadFrame means a TURN-over-TCP stream carried bytes that are neither a
// STUN message nor ChannelData.
var errBadFrame = errors.New("stunturn: stream is not STUN or ChannelData")
