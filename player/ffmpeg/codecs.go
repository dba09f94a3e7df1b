package ffmpeg

import "github.com/asticode/go-astiav"

// Codecs reports which of the decoders and encoders Lookout cares about this
// FFmpeg build has, named as in the pre-check report: decoders h264 hevc vp8
// vp9 av1 opus pcm_mulaw pcm_alaw aac; encoders opus pcm_mulaw pcm_alaw.
func Codecs() (decoders, encoders []string) {
	dec := []struct {
		name string
		ok   func() bool
	}{
		{"h264", func() bool { return findDecoder("video/H264") != nil }},
		{"hevc", func() bool { return findDecoder("video/H265") != nil }},
		{"vp8", func() bool { return findDecoder("video/VP8") != nil }},
		{"vp9", func() bool { return findDecoder("video/VP9") != nil }},
		{"av1", func() bool { return findDecoder("video/AV1") != nil }},
		{"opus", func() bool { return astiav.FindDecoder(astiav.CodecIDOpus) != nil }},
		{"pcm_mulaw", func() bool { return astiav.FindDecoder(astiav.CodecIDPcmMulaw) != nil }},
		{"pcm_alaw", func() bool { return astiav.FindDecoder(astiav.CodecIDPcmAlaw) != nil }},
		{"aac", func() bool { return astiav.FindDecoder(astiav.CodecIDAac) != nil }},
	}
	for _, c := range dec {
		if c.ok() {
			decoders = append(decoders, c.name)
		}
	}
	enc := []struct {
		name string
		ok   func() bool
	}{
		{"opus", func() bool {
			return astiav.FindEncoderByName("libopus") != nil || astiav.FindEncoder(astiav.CodecIDOpus) != nil
		}},
		{"pcm_mulaw", func() bool { return astiav.FindEncoder(astiav.CodecIDPcmMulaw) != nil }},
		{"pcm_alaw", func() bool { return astiav.FindEncoder(astiav.CodecIDPcmAlaw) != nil }},
	}
	for _, c := range enc {
		if c.ok() {
			encoders = append(encoders, c.name)
		}
	}
	return decoders, encoders
}
