package peer

import "errors"

// ErrClosed is returned by a Peer that was closed.
var ErrClosed = errors.New("peer: closed")

// ErrNoCodecs is returned when a plan names no codec pion knows.
var ErrNoCodecs = errors.New("peer: no usable codec in plan")

// ErrNoTalk is returned by TalkTrack when the connection sends no audio.
var ErrNoTalk = errors.New("peer: no sending audio")

// ErrNoCommonCodec is returned by SetAnswer when the answer keeps no codec
// of the offer (or maps an offered payload type to another codec).
var ErrNoCommonCodec = errors.New("peer: no codec in common with the answer")
