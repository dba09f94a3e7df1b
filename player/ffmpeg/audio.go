package ffmpeg

// Audio for talk and listen: RTP audio payloads to PCM and back, with
// libswresample for rate and sample-format conversion (go-astiav v0.16.0
// wraps neither swresample nor raw sample access).

/*
#cgo pkg-config: libavcodec libavutil libswresample
#include <errno.h>
#include <string.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>

// lk_swr_new returns an initialized resampler between two sample formats
// and rates with the same channel count (channel mixing is done in Go).
static SwrContext *lk_swr_new(int channels, int in_fmt, int in_rate, int out_fmt, int out_rate) {
	AVChannelLayout layout;
	av_channel_layout_default(&layout, channels);
	SwrContext *s = NULL;
	int ret = swr_alloc_set_opts2(&s, &layout, (enum AVSampleFormat)out_fmt, out_rate,
		&layout, (enum AVSampleFormat)in_fmt, in_rate, 0, NULL);
	av_channel_layout_uninit(&layout);
	if (ret < 0 || s == NULL) {
		swr_free(&s);
		return NULL;
	}
	if (swr_init(s) < 0) {
		swr_free(&s);
		return NULL;
	}
	return s;
}

static void lk_swr_free(SwrContext *s) {
	swr_free(&s);
}

// lk_swr_s16 converts interleaved samples to interleaved S16; in may be
// NULL to drain.
static int lk_swr_s16(SwrContext *s, int16_t *out, int out_frames, const int16_t *in, int in_frames) {
	uint8_t *o[1] = {(uint8_t *)out};
	const uint8_t *i[1] = {(const uint8_t *)in};
	return swr_convert(s, o, out_frames, in != NULL ? i : NULL, in_frames);
}

// lk_swr_frame converts a decoded frame (any layout) to interleaved S16.
static int lk_swr_frame(SwrContext *s, int16_t *out, int out_frames, const AVFrame *f) {
	uint8_t *o[1] = {(uint8_t *)out};
	return swr_convert(s, o, out_frames, (const uint8_t **)f->extended_data, f->nb_samples);
}

static int lk_swr_out_frames(SwrContext *s, int in_frames) {
	return swr_get_out_samples(s, in_frames);
}

static void lk_frame_audio_info(const AVFrame *f, int *fmt, int *rate, int *channels, int *frames) {
	*fmt = f->format;
	*rate = f->sample_rate;
	*channels = f->ch_layout.nb_channels;
	*frames = f->nb_samples;
}

// lk_fill_s16 writes interleaved S16 samples into an encoder's frame in the
// frame's own sample format.
static int lk_fill_s16(AVFrame *f, const int16_t *in, int frames, int channels) {
	int ret = av_frame_make_writable(f);
	if (ret < 0) {
		return ret;
	}
	switch (f->format) {
	case AV_SAMPLE_FMT_S16:
		memcpy(f->data[0], in, (size_t)frames * channels * 2);
		break;
	case AV_SAMPLE_FMT_S16P:
		for (int c = 0; c < channels; c++) {
			int16_t *d = (int16_t *)f->extended_data[c];
			for (int i = 0; i < frames; i++) d[i] = in[i * channels + c];
		}
		break;
	case AV_SAMPLE_FMT_FLT: {
		float *d = (float *)f->data[0];
		for (int i = 0; i < frames * channels; i++) d[i] = in[i] / 32768.0f;
		break;
	}
	case AV_SAMPLE_FMT_FLTP:
		for (int c = 0; c < channels; c++) {
			float *d = (float *)f->extended_data[c];
			for (int i = 0; i < frames; i++) d[i] = in[i * channels + c] / 32768.0f;
		}
		break;
	default:
		return AVERROR(EINVAL);
	}
	return 0;
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player"
)

// Audio MIME types, as pion/webrtc names them (matching is case-insensitive).
const (
	MimeTypePCMU = "audio/PCMU"
	MimeTypePCMA = "audio/PCMA"
	MimeTypeOpus = "audio/opus"
	// MimeTypeMPEG4Generic is AAC in RTP per RFC 3640 (AAC-hbr mode).
	MimeTypeMPEG4Generic = "audio/mpeg4-generic"
	// MimeTypeAAC is AAC with one raw access unit (or one ADTS frame) per
	// payload.
	MimeTypeAAC = "audio/aac"
)

// opusRate is the only RTP clock rate of Opus (RFC 7587).
const opusRate = 48000

// swr is a libswresample context for one conversion.
type swr struct {
	ctx                 *C.SwrContext
	channels            int
	inFmt, inRate, rate int
}

// newSwr converts inFmt at inRate to interleaved S16 at rate, keeping the
// channel count.
func newSwr(channels, inFmt, inRate, rate int) (*swr, error) {
	ctx := C.lk_swr_new(C.int(channels), C.int(inFmt), C.int(inRate), C.int(astiav.SampleFormatS16), C.int(rate))
	if ctx == nil {
		return nil, fmt.Errorf("swresample: no conversion from %s %d Hz %d ch to s16 %d Hz: %w",
			astiav.SampleFormat(inFmt), inRate, channels, rate, ErrInvalidConfig)
	}
	return &swr{ctx: ctx, channels: channels, inFmt: inFmt, inRate: inRate, rate: rate}, nil
}

func (s *swr) free() {
	if s != nil && s.ctx != nil {
		C.lk_swr_free(s.ctx)
		s.ctx = nil
	}
}

// convertS16 resamples interleaved S16 (in nil drains the filter's delay).
func (s *swr) convertS16(in []int16) ([]int16, error) {
	frames := len(in) / s.channels
	room := int(C.lk_swr_out_frames(s.ctx, C.int(frames)))
	if room <= 0 {
		return nil, nil
	}
	out := make([]int16, room*s.channels)
	var inp *C.int16_t
	if frames > 0 {
		inp = (*C.int16_t)(unsafe.Pointer(&in[0]))
	}
	n := C.lk_swr_s16(s.ctx, (*C.int16_t)(unsafe.Pointer(&out[0])), C.int(room), inp, C.int(frames))
	if n < 0 {
		return nil, fmt.Errorf("swresample: %w", astiav.Error(n))
	}
	return out[:int(n)*s.channels], nil
}

// convertFrame resamples a decoded frame to interleaved S16.
func (s *swr) convertFrame(f *astiav.Frame) ([]int16, error) {
	room := int(C.lk_swr_out_frames(s.ctx, C.int(f.NbSamples())))
	if room <= 0 {
		return nil, nil
	}
	out := make([]int16, room*s.channels)
	n := C.lk_swr_frame(s.ctx, (*C.int16_t)(unsafe.Pointer(&out[0])), C.int(room), (*C.AVFrame)(f.UnsafePointer()))
	if n < 0 {
		return nil, fmt.Errorf("swresample: %w", astiav.Error(n))
	}
	return out[:int(n)*s.channels], nil
}

// remix maps interleaved samples between channel counts at equal level:
// mono is copied to every output channel, several channels mix down to mono
// as their average, and otherwise channel i takes input channel i (the last
// input channel repeating when there are more outputs).
func remix(p []int16, in, out int) []int16 {
	if in == out {
		return p
	}
	frames := len(p) / in
	dst := make([]int16, frames*out)
	for i := range frames {
		src := p[i*in : i*in+in]
		if out == 1 {
			sum := 0
			for _, s := range src {
				sum += int(s)
			}
			dst[i] = int16(sum / in)
			continue
		}
		for c := range out {
			dst[i*out+c] = src[min(c, in-1)]
		}
	}
	return dst
}

// Resampler converts interleaved int16 PCM between formats: rate with
// libswresample, channel count by copying (mono to many) or averaging (many
// to mono). It keeps filter state between calls, so a stream converts
// seamlessly in pieces. Use it from one goroutine at a time.
type Resampler struct {
	in, out audio.Format
	s       *swr // nil when the rates are equal
	closed  bool
}

// NewResampler returns a Resampler from in to out.
func NewResampler(in, out audio.Format) (*Resampler, error) {
	if err := errors.Join(in.Validate(), out.Validate()); err != nil {
		return nil, fmt.Errorf("ffmpeg: resampler: %w", err)
	}
	r := &Resampler{in: in, out: out}
	if in.SampleRate != out.SampleRate {
		s, err := newSwr(min(in.Channels, out.Channels), int(astiav.SampleFormatS16), in.SampleRate, out.SampleRate)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: resampler: %w", err)
		}
		r.s = s
	}
	return r, nil
}

// Convert returns p converted to the output format. A trailing partial
// frame of p is ignored. The resampling filter delays its output by a few
// samples, which come out with later calls (or Flush).
func (r *Resampler) Convert(p []int16) ([]int16, error) {
	if r.closed {
		return nil, fmt.Errorf("ffmpeg: resample: %w", player.ErrClosed)
	}
	p = p[:len(p)/r.in.Channels*r.in.Channels]
	if r.s == nil {
		if r.in.Channels == r.out.Channels {
			return append([]int16(nil), p...), nil
		}
		return remix(p, r.in.Channels, r.out.Channels), nil
	}
	// Resample with the smaller channel count: mix down before, copy up after.
	p = remix(p, r.in.Channels, r.s.channels)
	out, err := r.s.convertS16(p)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: resample: %w", err)
	}
	return remix(out, r.s.channels, r.out.Channels), nil
}

// Flush returns the samples still held in the resampling filter; the
// Resampler then starts afresh.
func (r *Resampler) Flush() ([]int16, error) {
	if r.closed {
		return nil, fmt.Errorf("ffmpeg: resample: %w", player.ErrClosed)
	}
	if r.s == nil {
		return nil, nil
	}
	out, err := r.s.convertS16(nil)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: resample: %w", err)
	}
	return remix(out, r.s.channels, r.out.Channels), nil
}

// Close frees the resampler; later calls return ErrClosed.
func (r *Resampler) Close() error {
	if r.closed {
		return ErrClosed
	}
	r.closed = true
	r.s.free()
	return nil
}

// audioCodec identifies a supported RTP audio codec.
type audioCodec int

const (
	codecPCMU audioCodec = iota + 1
	codecPCMA
	codecOpus
	codecAACGeneric // RFC 3640 AU headers
	codecAACRaw     // one AU or ADTS frame per payload
)

func parseAudioMime(mime string) (audioCodec, bool) {
	switch strings.ToLower(mime) {
	case "audio/pcmu":
		return codecPCMU, true
	case "audio/pcma":
		return codecPCMA, true
	case "audio/opus":
		return codecOpus, true
	case "audio/mpeg4-generic":
		return codecAACGeneric, true
	case "audio/aac":
		return codecAACRaw, true
	}
	return 0, false
}

// AudioDecoder decodes RTP audio payloads to int16 PCM in an output format.
// Use it from one goroutine at a time; Close may be called from any.
type AudioDecoder struct {
	codec audioCodec
	name  string
	out   audio.Format
	in    audio.Format // G.711: the payload's format

	mu     sync.Mutex
	closed bool
	res    *Resampler // G.711
	cc     *astiav.CodecContext
	pkt    *astiav.Packet
	frame  *astiav.Frame
	sw     *swr // FFmpeg codecs: frame format to S16, recreated when frames change
	buf    []byte
}

// NewAudioDecoder returns a decoder of RTP payloads of mimeType (audio/PCMU,
// audio/PCMA, audio/opus, audio/aac with ADTS frames) at the RTP clockRate
// with channels channels (0 means 1), producing PCM in format out. G.711 is
// decoded with package g711; Opus and AAC with FFmpeg. Everything is
// resampled with libswresample. Unknown types return
// player.ErrUnsupportedCodec.
func NewAudioDecoder(mimeType string, clockRate, channels int, out audio.Format) (*AudioDecoder, error) {
	return NewAudioDecoderConfig(mimeType, clockRate, channels, nil, out)
}

// NewAudioDecoderConfig is NewAudioDecoder with codec configuration: for
// AAC (audio/mpeg4-generic or audio/aac) the AudioSpecificConfig from the
// SDP's fmtp "config" parameter, hex-decoded. audio/mpeg4-generic payloads
// carry RFC 3640 AU headers in AAC-hbr mode (sizeLength 13, indexLength 3);
// audio/aac payloads hold one raw access unit, or one ADTS frame when
// config is nil.
func NewAudioDecoderConfig(mimeType string, clockRate, channels int, config []byte, out audio.Format) (*AudioDecoder, error) {
	codec, ok := parseAudioMime(mimeType)
	if !ok {
		return nil, fmt.Errorf("ffmpeg: audio decoder %q: %w", mimeType, player.ErrUnsupportedCodec)
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio decoder %s: %w", mimeType, err)
	}
	channels = max(channels, 1)
	d := &AudioDecoder{codec: codec, name: strings.ToLower(mimeType), out: out}
	switch codec {
	case codecPCMU, codecPCMA:
		if clockRate <= 0 {
			clockRate = 8000
		}
		d.in = audio.Format{SampleRate: clockRate, Channels: channels}
		res, err := NewResampler(d.in, out)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: audio decoder %s: %w", mimeType, err)
		}
		d.res = res
		return d, nil
	}
	var c *astiav.Codec
	if codec == codecOpus {
		// FFmpeg's native decoder first: it needs no library and decodes
		// every Opus mode.
		if c = astiav.FindDecoder(astiav.CodecIDOpus); c == nil {
			c = astiav.FindDecoderByName("libopus")
		}
		clockRate = opusRate
		channels = min(channels, 2)
	} else {
		c = astiav.FindDecoder(astiav.CodecIDAac)
	}
	if c == nil {
		return nil, fmt.Errorf("ffmpeg: audio decoder %s: %w", mimeType, player.ErrUnsupportedCodec)
	}
	cc := astiav.AllocCodecContext(c)
	if cc == nil {
		return nil, fmt.Errorf("ffmpeg: audio decoder %s: allocating context failed", c.Name())
	}
	if clockRate > 0 {
		cc.SetSampleRate(clockRate)
	}
	if channels == 2 {
		cc.SetChannelLayout(astiav.ChannelLayoutStereo)
	} else {
		cc.SetChannelLayout(astiav.ChannelLayoutMono)
	}
	cc.SetThreadCount(1)
	if len(config) > 0 {
		if err := cc.SetExtraData(config); err != nil {
			cc.Free()
			return nil, fmt.Errorf("ffmpeg: audio decoder %s: config: %w", c.Name(), err)
		}
	}
	if err := cc.Open(c, nil); err != nil {
		cc.Free()
		return nil, fmt.Errorf("ffmpeg: audio decoder %s: open: %w", c.Name(), err)
	}
	d.cc, d.pkt, d.frame = cc, astiav.AllocPacket(), astiav.AllocFrame()
	return d, nil
}

// Decode decodes one RTP payload and returns its PCM in the output format
// (nothing when the codec or the resampler is still filling up). A damaged
// payload returns an error; the decoder stays usable.
func (d *AudioDecoder) Decode(payload []byte) ([]int16, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, fmt.Errorf("ffmpeg: audio decode: %w", player.ErrClosed)
	}
	if len(payload) == 0 {
		return nil, nil
	}
	switch d.codec {
	case codecPCMU, codecPCMA:
		var pcm []int16
		if d.codec == codecPCMU {
			pcm = g711.DecodeUlaw(nil, payload)
		} else {
			pcm = g711.DecodeAlaw(nil, payload)
		}
		out, err := d.res.Convert(pcm)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: audio decode %s: %w", d.name, err)
		}
		return out, nil
	case codecAACGeneric:
		aus, err := splitAUs(payload)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: audio decode %s: %w", d.name, err)
		}
		var out []int16
		var errs []error
		for _, au := range aus {
			pcm, err := d.decodePacket(au)
			out = append(out, pcm...)
			if err != nil {
				errs = append(errs, err)
			}
		}
		return out, errors.Join(errs...)
	}
	return d.decodePacket(payload)
}

// splitAUs splits an RFC 3640 AAC-hbr payload (section 3.3.6) into its
// access units: a 16-bit AU-headers-length in bits, 16-bit headers of a
// 13-bit size and a 3-bit index, then the units back to back.
func splitAUs(p []byte) ([][]byte, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("short AU header section: %w", ErrCorruptFrame)
	}
	bits := int(binary.BigEndian.Uint16(p))
	if bits%16 != 0 || 2+bits/8 > len(p) {
		return nil, fmt.Errorf("AU headers of %d bits: %w", bits, ErrCorruptFrame)
	}
	n := bits / 16
	data := p[2+bits/8:]
	aus := make([][]byte, 0, n)
	for i := range n {
		size := int(binary.BigEndian.Uint16(p[2+2*i:]) >> 3)
		if size > len(data) {
			return nil, fmt.Errorf("AU of %d bytes in %d: %w", size, len(data), ErrCorruptFrame)
		}
		aus = append(aus, data[:size])
		data = data[size:]
	}
	return aus, nil
}

// decodePacket runs one packet through the FFmpeg decoder.
func (d *AudioDecoder) decodePacket(data []byte) ([]int16, error) {
	d.buf = append(d.buf[:0], data...)
	d.buf = append(d.buf, make([]byte, inputPadding)...)
	if err := d.pkt.FromData(d.buf); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio decode %s: packet: %w", d.name, err)
	}
	d.pkt.SetSize(len(data))
	defer d.pkt.Unref()
	var out []int16
	var errs []error
	err := d.cc.SendPacket(d.pkt)
	if errors.Is(err, astiav.ErrEagain) {
		pcm, rerr := d.receive()
		out, errs = append(out, pcm...), append(errs, rerr)
		err = d.cc.SendPacket(d.pkt)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("ffmpeg: audio decode %s: %w", d.name, err))
	}
	pcm, rerr := d.receive()
	out, errs = append(out, pcm...), append(errs, rerr)
	return out, errors.Join(errs...)
}

// receive converts every frame the decoder has ready.
func (d *AudioDecoder) receive() ([]int16, error) {
	var out []int16
	for {
		err := d.cc.ReceiveFrame(d.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("ffmpeg: audio decode %s: %w", d.name, err)
		}
		pcm, err := d.convert(d.frame)
		d.frame.Unref()
		if err != nil {
			return out, fmt.Errorf("ffmpeg: audio decode %s: %w", d.name, err)
		}
		out = append(out, pcm...)
	}
}

// convert turns a decoded frame into output PCM, (re)building the
// resampler when the frame's format changes (AAC's SBR doubling the rate,
// Opus switching channel count).
func (d *AudioDecoder) convert(f *astiav.Frame) ([]int16, error) {
	var cfmt, crate, cch, cn C.int
	C.lk_frame_audio_info((*C.AVFrame)(f.UnsafePointer()), &cfmt, &crate, &cch, &cn)
	fmtID, rate, ch := int(cfmt), int(crate), int(cch)
	if ch <= 0 || ch > audio.MaxChannels || rate <= 0 || cn <= 0 {
		return nil, ErrCorruptFrame
	}
	if d.sw == nil || d.sw.inFmt != fmtID || d.sw.inRate != rate || d.sw.channels != ch {
		d.sw.free()
		d.sw = nil
		s, err := newSwr(ch, fmtID, rate, d.out.SampleRate)
		if err != nil {
			return nil, err
		}
		d.sw = s
	}
	pcm, err := d.sw.convertFrame(f)
	if err != nil {
		return nil, err
	}
	return remix(pcm, ch, d.out.Channels), nil
}

// Close frees the decoder. Later calls to Decode return player.ErrClosed;
// later calls to Close return ErrClosed.
func (d *AudioDecoder) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	if d.res != nil {
		d.res.Close()
	}
	d.sw.free()
	if d.cc != nil {
		d.frame.Free()
		d.pkt.Free()
		d.cc.Free()
	}
	return nil
}

// AudioEncoder encodes int16 PCM for talk: G.711 (audio/PCMU, audio/PCMA,
// 8 kHz mono) or Opus (audio/opus, 48 kHz). It resamples the input, buffers
// it, and emits whole frames only. Use it from one goroutine at a time;
// Close may be called from any.
type AudioEncoder struct {
	codec audioCodec
	name  string
	in    audio.Format
	enc   audio.Format // the codec's format
	frame int          // samples per channel per frame

	mu      sync.Mutex
	closed  bool
	res     *Resampler
	pending []int16
	cc      *astiav.CodecContext
	af      *astiav.Frame
	pkt     *astiav.Packet
	pts     int64
}

// NewAudioEncoder returns an encoder of PCM in format in to mimeType, whose
// frames hold frameSamples samples per channel at the codec's rate: for
// G.711 at 8 kHz, 160 is 20 ms and 240 is 30 ms (one byte per sample, as
// Tuya cameras take talk audio); for Opus at 48 kHz, one of 120, 240, 480,
// 960 (20 ms), 1920 or 2880. 0 means 20 ms. Opus encodes mono or stereo as
// in has one or more channels, with libopus (application voip) when
// FFmpeg has it.
func NewAudioEncoder(mimeType string, in audio.Format, frameSamples int) (*AudioEncoder, error) {
	codec, ok := parseAudioMime(mimeType)
	if !ok || codec == codecAACGeneric || codec == codecAACRaw {
		return nil, fmt.Errorf("ffmpeg: audio encoder %q: %w", mimeType, player.ErrUnsupportedCodec)
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio encoder %s: %w", mimeType, err)
	}
	e := &AudioEncoder{codec: codec, name: strings.ToLower(mimeType), in: in}
	if codec == codecOpus {
		e.enc = audio.Format{SampleRate: opusRate, Channels: min(in.Channels, 2)}
		if frameSamples == 0 {
			frameSamples = 960
		}
		switch frameSamples {
		case 120, 240, 480, 960, 1920, 2880:
		default:
			return nil, fmt.Errorf("ffmpeg: audio encoder opus: %d samples per frame: %w", frameSamples, ErrInvalidConfig)
		}
	} else {
		e.enc = audio.Format{SampleRate: 8000, Channels: 1}
		if frameSamples == 0 {
			frameSamples = 160
		}
		if frameSamples < 8 || frameSamples > 8000 {
			return nil, fmt.Errorf("ffmpeg: audio encoder %s: %d samples per frame: %w", mimeType, frameSamples, ErrInvalidConfig)
		}
	}
	e.frame = frameSamples
	res, err := NewResampler(in, e.enc)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: audio encoder %s: %w", mimeType, err)
	}
	e.res = res
	if codec == codecOpus {
		if err := e.openOpus(); err != nil {
			res.Close()
			return nil, err
		}
	}
	return e, nil
}

// openOpus opens libopus, or FFmpeg's experimental native encoder.
func (e *AudioEncoder) openOpus() error {
	c := astiav.FindEncoderByName("libopus")
	native := c == nil
	if native {
		c = astiav.FindEncoder(astiav.CodecIDOpus)
	}
	if c == nil {
		return fmt.Errorf("ffmpeg: audio encoder opus: %w", player.ErrUnsupportedCodec)
	}
	sf := astiav.SampleFormatNone
	for _, f := range c.SampleFormats() {
		if f == astiav.SampleFormatS16 || f == astiav.SampleFormatFlt || f == astiav.SampleFormatFltp || f == astiav.SampleFormatS16P {
			sf = f
			break
		}
	}
	if sf == astiav.SampleFormatNone {
		return fmt.Errorf("ffmpeg: audio encoder %s: no usable sample format: %w", c.Name(), player.ErrUnsupportedCodec)
	}
	cc := astiav.AllocCodecContext(c)
	if cc == nil {
		return fmt.Errorf("ffmpeg: audio encoder %s: allocating context failed", c.Name())
	}
	layout := astiav.ChannelLayoutMono
	if e.enc.Channels == 2 {
		layout = astiav.ChannelLayoutStereo
	}
	cc.SetSampleRate(opusRate)
	cc.SetChannelLayout(layout)
	cc.SetSampleFormat(sf)
	cc.SetTimeBase(astiav.NewRational(1, opusRate))
	cc.SetBitRate(int64(32000 * e.enc.Channels))
	cc.SetThreadCount(1)
	opts := astiav.NewDictionary()
	defer opts.Free()
	kv := [][2]string{{"frame_duration", fmt.Sprint(float64(e.frame) * 1000 / opusRate)}, {"application", "voip"}}
	if native {
		kv = [][2]string{{"strict", "experimental"}, {"opus_delay", fmt.Sprint(float64(e.frame) * 1000 / opusRate)}}
	}
	for _, o := range kv {
		if err := opts.Set(o[0], o[1], 0); err != nil {
			cc.Free()
			return fmt.Errorf("ffmpeg: audio encoder %s: option %s: %w", c.Name(), o[0], err)
		}
	}
	if err := cc.Open(c, opts); err != nil {
		cc.Free()
		return fmt.Errorf("ffmpeg: audio encoder %s: open: %w", c.Name(), err)
	}
	if fs := cc.FrameSize(); fs > 0 && fs != e.frame {
		cc.Free()
		return fmt.Errorf("ffmpeg: audio encoder %s: takes %d samples per frame, not %d: %w", c.Name(), fs, e.frame, ErrInvalidConfig)
	}
	af := astiav.AllocFrame()
	af.SetNbSamples(e.frame)
	af.SetSampleFormat(sf)
	af.SetSampleRate(opusRate)
	af.SetChannelLayout(layout)
	// AllocBuffer, not AllocSamples: go-astiav v0.16.0's AllocSamples
	// buffer is not refcounted, so av_frame_make_writable would misbehave.
	if err := af.AllocBuffer(0); err != nil {
		af.Free()
		cc.Free()
		return fmt.Errorf("ffmpeg: audio encoder %s: frame buffer: %w", c.Name(), err)
	}
	e.cc, e.af, e.pkt, e.name = cc, af, astiav.AllocPacket(), c.Name()
	return nil
}

// FrameDuration returns the duration of each encoded frame.
func (e *AudioEncoder) FrameDuration() time.Duration {
	return time.Duration(e.frame) * time.Second / time.Duration(e.enc.SampleRate)
}

// Format returns the codec's format (8000 Hz mono for G.711, 48000 Hz mono
// or stereo for Opus): RTP timestamps advance by FrameDuration in its rate.
func (e *AudioEncoder) Format() audio.Format { return e.enc }

// Encode takes PCM in the input format and returns the frames completed
// by it: zero or more payloads of exactly one frame each (G.711: the frame
// size in bytes).
func (e *AudioEncoder) Encode(pcm []int16) ([][]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("ffmpeg: audio encode: %w", player.ErrClosed)
	}
	conv, err := e.res.Convert(pcm)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: audio encode %s: %w", e.name, err)
	}
	e.pending = append(e.pending, conv...)
	step := e.frame * e.enc.Channels
	var out [][]byte
	done := 0
	for len(e.pending)-done >= step {
		chunk := e.pending[done : done+step]
		done += step
		switch e.codec {
		case codecPCMU:
			out = append(out, g711.EncodeUlaw(make([]byte, 0, step), chunk))
		case codecPCMA:
			out = append(out, g711.EncodeAlaw(make([]byte, 0, step), chunk))
		default:
			pkts, err := e.encodeOpus(chunk)
			out = append(out, pkts...)
			if err != nil {
				e.pending = append(e.pending[:0], e.pending[done:]...)
				return out, err
			}
		}
	}
	e.pending = append(e.pending[:0], e.pending[done:]...)
	return out, nil
}

// fillS16 writes frames of interleaved S16 samples into an encoder's frame,
// converting to the frame's own sample format (for the Opus and AAC
// encoders).
func fillS16(f *astiav.Frame, pcm []int16, frames, channels int) error {
	if len(pcm) < frames*channels {
		return fmt.Errorf("%w: %d samples for %d frames of %d channels", ErrInvalidConfig, len(pcm), frames, channels)
	}
	ret := C.lk_fill_s16((*C.AVFrame)(f.UnsafePointer()), (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(frames), C.int(channels))
	if ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

// encodeOpus sends one frame to the encoder and collects its packets.
func (e *AudioEncoder) encodeOpus(chunk []int16) ([][]byte, error) {
	if err := fillS16(e.af, chunk, e.frame, e.enc.Channels); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio encode %s: %w", e.name, err)
	}
	e.af.SetPts(e.pts)
	e.pts += int64(e.frame)
	if err := e.cc.SendFrame(e.af); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio encode %s: %w", e.name, err)
	}
	out, err := receivePackets(e.cc, e.pkt)
	if err != nil {
		return out, fmt.Errorf("ffmpeg: audio encode %s: %w", e.name, err)
	}
	return out, nil
}

// Close frees the encoder; samples short of a whole frame are dropped.
// Later calls to Encode return player.ErrClosed; calling Close again does
// nothing.
func (e *AudioEncoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.closed = true
	e.res.Close()
	if e.cc != nil {
		// Drain the encoder so it holds no frame when freed.
		if e.cc.SendFrame(nil) == nil {
			for e.cc.ReceivePacket(e.pkt) == nil {
				e.pkt.Unref()
			}
		}
		e.pkt.Free()
		e.af.Free()
		e.cc.Free()
	}
	return nil
}
