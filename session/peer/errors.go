package peer

import "errors"

// ErrClosed is returned by a Peer that was closed.
var ErrClosed = errors.New("peer: closed")

// ErrNoCodecs is returned when a plan names no codec pion knows.
var ErrNoCodecs = errors.New("peer: no usable codec in plan")

// ErrNoTalk is returned by TalkTrack when the connection sends no audio.
var ErrNoTalk = errors.New("peer: no sending audio")
