package ffmpeg

import (
	"slices"

	"github.com/asticode/go-astiav"
)

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

// hwDecoders are the FFmpeg decoders of the codecs cameras send whose
// hardware configurations HWAccels tries.
var hwDecoders = []string{"h264", "hevc", "vp8", "vp9", "av1"}

// HWAccels returns the hardware decoding devices that can really be opened
// here, sorted and never nil: for each device type that FFmpeg's h264,
// hevc, vp8, vp9 or av1 decoder can use through a device context (VAAPI,
// VDPAU, CUDA, QSV, ...), it creates that device and lists its name (as
// "ffmpeg -hwaccels" spells it) when creation succeeds.
func HWAccels() []string {
	var types []astiav.HardwareDeviceType
	for _, name := range hwDecoders {
		codec := astiav.FindDecoderByName(name)
		if codec == nil {
			continue
		}
		for _, cfg := range codec.HardwareConfigs() {
			t := cfg.HardwareDeviceType()
			if t != astiav.HardwareDeviceTypeNone &&
				cfg.MethodFlags().Has(astiav.CodecHardwareConfigMethodFlagHwDeviceCtx) &&
				!slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	out := []string{}
	for _, t := range types {
		if openHWDevice(t) {
			out = append(out, t.String())
		}
	}
	slices.Sort(out)
	return out
}

// openHWDevice creates a device of type t on the default device node and
// frees it again. go-astiav v0.16.0 has no HardwareDeviceContext.Free: the
// context is handed to a throwaway codec context, whose Free drops both
// references (astiav's own and the codec's hw_device_ctx).
func openHWDevice(t astiav.HardwareDeviceType) bool {
	hdc, err := astiav.CreateHardwareDeviceContext(t, "", nil)
	if err != nil {
		return false
	}
	cc := astiav.AllocCodecContext(nil)
	if cc == nil {
		// Without a codec context to release it through, the device stays
		// allocated: a few bytes, once per check.
		return true
	}
	cc.SetHardwareDeviceContext(hdc)
	cc.Free()
	return true
}
