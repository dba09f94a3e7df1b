package ffmpeg

import (
	"errors"

	"github.com/lookout-app/lookout/player"
)

// Sentinel errors of the ffmpeg package. Unsupported codecs and use after
// Close are reported with player.ErrUnsupportedCodec and player.ErrClosed.
var (
	// ErrCorruptFrame means the decoder produced a picture with concealed
	// errors (missing references or damaged data); it was not emitted.
	ErrCorruptFrame = errors.New("corrupt frame")
	// ErrInvalidConfig means an EncoderConfig or an input picture does not fit.
	ErrInvalidConfig = errors.New("invalid encoder config")
	// ErrClosed is returned by Close after the first call; it is
	// player.ErrClosed.
	ErrClosed = player.ErrClosed
	// ErrNoKeyframe means a recording was closed before its first keyframe
	// arrived: there was nothing to write, and no file is left behind.
	ErrNoKeyframe = errors.New("no keyframe recorded")
	// ErrNotAnnexB means a video access unit holds no Annex-B start code.
	ErrNotAnnexB = errors.New("not an Annex-B access unit")
)
