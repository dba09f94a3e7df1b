package check

import "github.com/lookout-app/lookout/player/ffmpeg"

// CheckCodecs reports the decoders and encoders Lookout uses that this
// FFmpeg build has (ffmpeg.Codecs), and the hardware decoding devices that
// can really be opened here (ffmpeg.HWAccels). A machine without a GPU, or
// without its drivers, lists none: HWAccel is then empty, never nil, so the
// JSON reads [].
func CheckCodecs() *Codecs {
	dec, enc := ffmpeg.Codecs()
	c := &Codecs{Decoders: dec, Encoders: enc, HWAccel: ffmpeg.HWAccels()}
	if c.Decoders == nil {
		c.Decoders = []string{}
	}
	if c.Encoders == nil {
		c.Encoders = []string{}
	}
	return c
}
