package check

import (
	"slices"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/player/ffmpeg"
)

// hwDecoders are the FFmpeg decoders of the codecs cameras send whose
// hardware configurations CheckCodecs tries.
var hwDecoders = []string{"h264", "hevc", "vp8", "vp9", "av1"}

// CheckCodecs reports the decoders and encoders Lookout uses that this
// FFmpeg build has (ffmpeg.Codecs), and the hardware decoding devices that
// can really be opened here: for each device type that FFmpeg's h264, hevc,
// vp8, vp9 or av1 decoder can use through a device context (VAAPI, VDPAU,
// CUDA, QSV, ...), it creates that device and lists its name (as "ffmpeg
// -hwaccels" spells it) when creation succeeds. A machine without a GPU, or
// without its drivers, lists none: HWAccel is then empty, never nil, so the
// JSON reads [].
func CheckCodecs() *Codecs {
	dec, enc := ffmpeg.Codecs()
	c := &Codecs{Decoders: dec, Encoders: enc, HWAccel: hwAccels()}
	if c.Decoders == nil {
		c.Decoders = []string{}
	}
	if c.Encoders == nil {
		c.Encoders = []string{}
	}
	return c
}

// hwAccels returns the names of the hardware device types the decoders can
// use and that open on this machine, sorted.
func hwAccels() []string {
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
