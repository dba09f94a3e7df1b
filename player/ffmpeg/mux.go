package ffmpeg

// Recording: received H.264 and RTP audio written to Matroska or MP4 with
// libavformat. Video is never re-encoded. Audio goes in as received, except
// G.711 into MP4, which has no portable way to carry it: that is decoded and
// encoded to AAC (libavcodec's native "aac" encoder).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player"
)

// MuxConfig describes the streams of a recording. Video is H.264 (Annex-B
// access units as player.AccessUnit carries them) with its size; Audio is
// optional: the RTP audio codec (audio/PCMU, audio/PCMA, audio/opus) at its
// clock rate and channels.
type MuxConfig struct {
	// Path is the file to write; its extension, .mkv or .mp4, decides the
	// container. An existing file is replaced.
	Path string
	// VideoMime must be video/H264.
	VideoMime string
	// Width and Height are the picture size. The size in the first
	// keyframe's SPS wins; these are the fallback when that SPS cannot be
	// parsed (0,0 is then an error).
	Width, Height int
	// AudioMime is empty for no audio, or audio/PCMU, audio/PCMA or
	// audio/opus.
	AudioMime string
	// AudioRate is the RTP clock rate (0 means 8000 for G.711; Opus is
	// always 48000).
	AudioRate int
	// AudioChannels is the channel count, 1 or 2 (0 means 1 for G.711 and
	// 2 for Opus).
	AudioChannels int
}

// Muxer writes a recording. Video is never re-encoded: the access units go
// into the file byte for byte, with the first keyframe's SPS and PPS as the
// stream's avcC and each unit length-prefixed (4 bytes) instead of
// start-coded, which both Matroska and MP4 require. Audio goes in as
// received (G.711 as pcm_mulaw/pcm_alaw in Matroska, Opus in both), except
// G.711 into MP4, which is transcoded to AAC because MP4 cannot carry G.711
// portably.
//
// The file starts at the first keyframe: its timestamp is the file's zero,
// and video and audio written before it are dropped (see Dropped). Write
// units in decode order (WebRTC H.264 has no B-frames, so decode order is
// presentation order). WriteVideo, WriteAudio and Close may be called from
// different goroutines.
type Muxer struct {
	path string

	mu        sync.Mutex
	closed    bool
	fc        *astiav.FormatContext
	pb        *astiav.IOContext
	pkt       *astiav.Packet
	buf       []byte
	width     int
	height    int
	header    bool // WriteHeader succeeded
	headerErr error
	origin    time.Duration

	video    *astiav.Stream
	vtb      astiav.Rational
	vlast    int64         // last video timestamp written, in vtb
	vslot    int64         // last picture's slot of grid; -1 before the first
	grid     time.Duration // the step of picture times (flushVideo)
	held     []byte
	heldPTS  time.Duration
	heldKey  bool
	lastStep time.Duration

	acodec audioCodec
	achan  int
	arate  int
	astrm  *astiav.Stream
	atb    astiav.Rational
	alast  int64
	aac    *aacEncoder

	// sps is the stream's picture format from the first keyframe's SPS;
	// spsOK is false when that SPS could not be parsed.
	sps   spsInfo
	spsOK bool

	droppedVideo, droppedAudio int
}

// maxFrameStep is the longest step between two pictures taken as the
// stream's frame interval; a longer one is a gap in the media.
const maxFrameStep = time.Second

// ErrStreamChanged means a keyframe's SPS describes another picture (size,
// profile, chroma format or bit depth) than the stream's: it cannot go on
// in this file, whose header holds the first one. Nothing was written; a
// recording goes on in a new file from that keyframe.
var ErrStreamChanged = errors.New("the stream's picture format changed")

// containerFor maps a file extension to a libavformat muxer.
func containerFor(path string) (string, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mkv":
		return "matroska", true
	case ".mp4":
		return "mp4", true
	}
	return "", false
}

// NewMuxer creates cfg.Path and prepares its streams. The header is written
// with the first keyframe, whose parameter sets it needs.
func NewMuxer(cfg MuxConfig) (*Muxer, error) {
	format, ok := containerFor(cfg.Path)
	if !ok {
		return nil, fmt.Errorf("ffmpeg: mux %s: the file must end in .mkv or .mp4: %w", cfg.Path, ErrInvalidConfig)
	}
	if !strings.EqualFold(cfg.VideoMime, player.MimeTypeH264) {
		return nil, fmt.Errorf("ffmpeg: mux: video %q: %w", cfg.VideoMime, player.ErrUnsupportedCodec)
	}
	if cfg.Width < 0 || cfg.Height < 0 || cfg.Width > 1<<16 || cfg.Height > 1<<16 {
		return nil, fmt.Errorf("ffmpeg: mux: size %dx%d: %w", cfg.Width, cfg.Height, ErrInvalidConfig)
	}
	m := &Muxer{path: cfg.Path, width: cfg.Width, height: cfg.Height, vlast: math.MinInt64, vslot: -1, alast: math.MinInt64}
	if cfg.AudioMime != "" {
		codec, ok := parseAudioMime(cfg.AudioMime)
		if !ok || (codec != codecPCMU && codec != codecPCMA && codec != codecOpus) {
			return nil, fmt.Errorf("ffmpeg: mux: audio %q: %w", cfg.AudioMime, player.ErrUnsupportedCodec)
		}
		m.acodec, m.arate, m.achan = codec, cfg.AudioRate, cfg.AudioChannels
		if codec == codecOpus {
			m.arate = opusRate
			if m.achan == 0 {
				m.achan = 2
			}
		} else if m.arate == 0 {
			m.arate = 8000
		}
		if m.achan == 0 {
			m.achan = 1
		}
		if m.achan > 2 || m.achan < 0 || m.arate < 0 || m.arate > 192000 {
			return nil, fmt.Errorf("ffmpeg: mux: audio %s %d Hz %d channels: %w", cfg.AudioMime, m.arate, m.achan, ErrInvalidConfig)
		}
	}

	fc, err := astiav.AllocOutputFormatContext(nil, format, cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: mux %s: %w", cfg.Path, err)
	}
	m.fc = fc
	m.pkt = astiav.AllocPacket()
	if err := m.addStreams(format); err != nil {
		m.free()
		return nil, fmt.Errorf("ffmpeg: mux %s: %w", cfg.Path, err)
	}
	pb, err := astiav.OpenIOContext(cfg.Path, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		m.free()
		return nil, fmt.Errorf("ffmpeg: mux: create %s: %w", cfg.Path, err)
	}
	m.pb = pb
	fc.SetPb(pb)
	return m, nil
}

// addStreams creates the video stream and, when configured, the audio one.
func (m *Muxer) addStreams(format string) error {
	m.video = m.fc.NewStream(nil)
	if m.video == nil {
		return errors.New("allocating the video stream failed")
	}
	vp := m.video.CodecParameters()
	vp.SetMediaType(astiav.MediaTypeVideo)
	vp.SetCodecID(astiav.CodecIDH264)
	vp.SetPixelFormat(astiav.PixelFormatYuv420P)
	// The RTP clock; Matroska replaces it with milliseconds.
	m.video.SetTimeBase(astiav.NewRational(1, 90000))
	if m.acodec == 0 {
		return nil
	}
	m.astrm = m.fc.NewStream(nil)
	if m.astrm == nil {
		return errors.New("allocating the audio stream failed")
	}
	layout := astiav.ChannelLayoutMono
	if m.achan == 2 {
		layout = astiav.ChannelLayoutStereo
	}
	ap := m.astrm.CodecParameters()
	switch {
	case m.acodec == codecOpus:
		ap.SetMediaType(astiav.MediaTypeAudio)
		ap.SetCodecID(astiav.CodecIDOpus)
		ap.SetSampleRate(opusRate)
		ap.SetChannelLayout(layout)
		if err := ap.SetExtraData(opusHead(m.achan)); err != nil {
			return fmt.Errorf("opus header: %w", err)
		}
		m.astrm.SetTimeBase(astiav.NewRational(1, opusRate))
	case format == "mp4":
		enc, err := newAACEncoder(m.arate, m.achan, m.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader))
		if err != nil {
			return err
		}
		m.aac = enc
		if err := ap.FromCodecContext(enc.cc); err != nil {
			return fmt.Errorf("aac parameters: %w", err)
		}
		m.astrm.SetTimeBase(enc.cc.TimeBase())
	default:
		ap.SetMediaType(astiav.MediaTypeAudio)
		if m.acodec == codecPCMU {
			ap.SetCodecID(astiav.CodecIDPcmMulaw)
		} else {
			ap.SetCodecID(astiav.CodecIDPcmAlaw)
		}
		ap.SetSampleRate(m.arate)
		ap.SetChannelLayout(layout)
		m.astrm.SetTimeBase(astiav.NewRational(1, m.arate))
	}
	return nil
}

// opusHead is the OpusHead of RFC 7845 section 5.1 for an RTP stream:
// no pre-skip (RTP Opus has none to announce), 48 kHz, no gain, mapping
// family 0.
func opusHead(channels int) []byte {
	h := []byte("OpusHead\x01")
	h = append(h, byte(channels))
	h = binary.LittleEndian.AppendUint16(h, 0)
	h = binary.LittleEndian.AppendUint32(h, opusRate)
	h = binary.LittleEndian.AppendUint16(h, 0)
	return append(h, 0)
}

// opusSamples returns the duration of an Opus packet in 48 kHz samples from
// its TOC byte (RFC 6716 section 3.1), or 0 when the packet is malformed.
func opusSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	cfg := int(p[0] >> 3)
	var per int
	switch {
	case cfg < 12:
		per = []int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16:
		per = []int{480, 960}[cfg%2]
	default:
		per = []int{120, 240, 480, 960}[cfg%4]
	}
	frames := 1
	switch p[0] & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 {
			return 0
		}
		frames = int(p[1] & 0x3f)
	}
	if n := per * frames; n <= 5760 {
		return n
	}
	return 0
}

// Dropped returns how many video units and audio payloads were dropped:
// those written before the first keyframe or stamped before it.
func (m *Muxer) Dropped() (video, audio int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.droppedVideo, m.droppedAudio
}

// WriteVideo writes one access unit (Annex-B) with its presentation time
// since the start of the recording; the first written unit must be a
// keyframe (SPS/PPS/IDR) — earlier units are dropped and counted. The video
// is not re-encoded: SPS/PPS become the stream's extradata (avcC),
// units are converted from Annex-B to length-prefixed, timestamps are
// rescaled to the stream time base, and keyframes are flagged. Each unit is
// held until the next one arrives, which gives it its duration.
func (m *Muxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("ffmpeg: mux video: %w", player.ErrClosed)
	}
	if len(au) == 0 {
		return nil
	}
	nals := splitAnnexB(au)
	if len(nals) == 0 {
		return fmt.Errorf("ffmpeg: mux video: %w", ErrNotAnnexB)
	}
	idr := false
	for _, n := range nals {
		idr = idr || n[0]&0x1f == 5
	}
	key = key || idr
	if !m.header {
		if m.headerErr != nil {
			return m.headerErr
		}
		if !key {
			m.droppedVideo++
			return nil
		}
		ok, err := m.writeHeader(nals)
		if err != nil {
			m.headerErr = err
			return err
		}
		if !ok {
			m.droppedVideo++
			return nil
		}
		m.origin = pts
	}
	if pts < m.origin {
		m.droppedVideo++
		return nil
	}
	if err := m.sameFormat(nals); err != nil {
		return err
	}
	var err error
	if m.held != nil {
		step := pts - m.heldPTS
		if step <= 0 {
			step = m.lastStep
		}
		if step < maxFrameStep {
			// A gap (a reconnect) is the held picture's duration, not
			// the frame interval the file's last picture gets.
			m.lastStep = step
		}
		err = m.flushVideo(step)
	}
	m.held = lengthPrefixed(m.held[:0], nals)
	m.heldPTS, m.heldKey = pts, key
	return err
}

// sameFormat checks the SPS of a unit, if any, against the stream's: a
// parameter set repeated before each keyframe, or a new one of the same
// format, goes on in band; another picture format is ErrStreamChanged.
func (m *Muxer) sameFormat(nals [][]byte) error {
	if !m.spsOK {
		return nil
	}
	for _, n := range nals {
		if n[0]&0x1f != 7 {
			continue
		}
		info, err := parseSPS(n)
		if err != nil {
			continue
		}
		if info != m.sps {
			return fmt.Errorf("ffmpeg: mux video: %dx%d profile %d after %dx%d profile %d: %w",
				info.width, info.height, info.profile, m.sps.width, m.sps.height, m.sps.profile, ErrStreamChanged)
		}
	}
	return nil
}

// writeHeader takes the stream's parameter sets and size from the first
// keyframe's NAL units and writes the container header. It reports false
// when the unit lacks an SPS or a PPS.
func (m *Muxer) writeHeader(nals [][]byte) (bool, error) {
	var sps, pps [][]byte
	for _, n := range nals {
		switch n[0] & 0x1f {
		case 7:
			sps = appendUnique(sps, n)
		case 8:
			pps = appendUnique(pps, n)
		}
	}
	if len(sps) == 0 || len(pps) == 0 {
		return false, nil
	}
	info, spsErr := parseSPS(sps[0])
	avcc, err := avcConfig(sps, pps, info, spsErr == nil)
	if err != nil {
		return false, fmt.Errorf("ffmpeg: mux video: %w", err)
	}
	w, h := m.width, m.height
	if spsErr == nil {
		w, h = info.width, info.height
	}
	if w <= 0 || h <= 0 {
		return false, fmt.Errorf("ffmpeg: mux video: no size (SPS: %w): %w", spsErr, ErrInvalidConfig)
	}
	vp := m.video.CodecParameters()
	vp.SetWidth(w)
	vp.SetHeight(h)
	if err := vp.SetExtraData(avcc); err != nil {
		return false, fmt.Errorf("ffmpeg: mux video: extradata: %w", err)
	}
	if err := m.fc.WriteHeader(nil); err != nil {
		return false, fmt.Errorf("ffmpeg: mux %s: header: %w", m.path, err)
	}
	m.header = true
	m.sps, m.spsOK = info, spsErr == nil
	m.grid = pictureGrid(spsFrameInterval(sps[0]))
	m.vtb = m.video.TimeBase()
	if m.astrm != nil {
		m.atb = m.astrm.TimeBase()
	}
	return true, nil
}

func appendUnique(list [][]byte, n []byte) [][]byte {
	for _, x := range list {
		if string(x) == string(n) {
			return list
		}
	}
	return append(list, n)
}

// videoGrid is the step picture times are written on when the stream
// declares no frame rate. The times are arrival times, which jitter; a
// reader that puts the pictures on a frame-rate grid (ffmpeg's CLI does by
// default: at the rate it guesses from the times, or at the SPS's declared
// rate when its guess is more than 1/0.7 of that) puts two pictures that
// arrived closer than its frame interval into one slot and calls that
// "non monotonically increasing dts". So the pictures are written on a
// grid, one slot at least apart, whose multiples make such a reader guess
// the grid itself: 1/120 s without a declared rate, else a rate a quarter
// above the declared one (see pictureGrid). A picture moves by half a slot
// at most, or to the slot after the one before it: after a burst
// (pictures held up that arrive together) the pictures lag their arrival,
// and the grid's finer step lets them catch up within a few seconds.
const videoGrid = time.Second / 120

// pictureGrid returns the grid for a stream whose SPS declares the frame
// interval declared (0: none): the whole rate from 1.25 times the declared
// one, which ffmpeg counts among its standard rates (up to 60) and keeps
// over the declared one (at most 1.4 times it); else the declared interval
// itself (on which the pictures cannot catch up after a burst).
func pictureGrid(declared time.Duration) time.Duration {
	if declared <= 0 {
		return videoGrid
	}
	rate := float64(time.Second) / float64(declared)
	if r := math.Ceil(rate*1.25 - 1e-3); r <= 60 && r <= rate*1.4 {
		return time.Duration(float64(time.Second) / r)
	}
	return declared
}

// flushVideo writes the held unit with the given duration.
func (m *Muxer) flushVideo(dur time.Duration) error {
	slot := int64((m.heldPTS - m.origin + m.grid/2) / m.grid)
	if slot <= m.vslot {
		slot = m.vslot + 1
	}
	m.vslot = slot
	ts := m.monotonic(rescale(time.Duration(slot)*m.grid, m.vtb), &m.vlast)
	err := m.writePacket(m.video.Index(), m.held, ts, rescale(dur, m.vtb), m.heldKey)
	m.held = m.held[:0]
	if err != nil {
		return fmt.Errorf("ffmpeg: mux video: %w", err)
	}
	return nil
}

// rescale converts d to ticks of tb.
func rescale(d time.Duration, tb astiav.Rational) int64 {
	return astiav.RescaleQ(int64(d), astiav.NewRational(1, int(time.Second)), tb)
}

// monotonic keeps a stream's timestamps strictly increasing, as muxers
// demand, by nudging a repeated or earlier one past the last.
func (m *Muxer) monotonic(ts int64, last *int64) int64 {
	if ts <= *last {
		ts = *last + 1
	}
	*last = ts
	return ts
}

// writePacket hands one packet to the interleaving muxer.
func (m *Muxer) writePacket(stream int, data []byte, ts, dur int64, key bool) error {
	m.buf = append(m.buf[:0], data...)
	m.buf = append(m.buf, make([]byte, inputPadding)...)
	if err := m.pkt.FromData(m.buf); err != nil {
		return fmt.Errorf("packet: %w", err)
	}
	defer m.pkt.Unref()
	m.pkt.SetSize(len(data))
	m.pkt.SetStreamIndex(stream)
	m.pkt.SetPts(ts)
	m.pkt.SetDts(ts)
	m.pkt.SetDuration(max(dur, 0))
	if key {
		m.pkt.SetFlags(m.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	return m.fc.WriteInterleavedFrame(m.pkt)
}

// WriteAudio writes one RTP audio payload (one G.711 frame or one Opus
// packet) with its presentation time since the start of the recording.
// Payloads before the first keyframe are dropped and counted. G.711 goes
// into Matroska as is; into MP4 it is decoded and encoded to AAC. Opus goes
// in as is in both.
func (m *Muxer) WriteAudio(payload []byte, pts time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("ffmpeg: mux audio: %w", player.ErrClosed)
	}
	if m.acodec == 0 {
		return fmt.Errorf("ffmpeg: mux audio: the recording has no audio stream: %w", ErrInvalidConfig)
	}
	if len(payload) == 0 {
		return nil
	}
	if !m.header || pts < m.origin {
		m.droppedAudio++
		return nil
	}
	rel := pts - m.origin
	var err error
	switch {
	case m.aac != nil:
		var pcm []int16
		if m.acodec == codecPCMU {
			pcm = g711.DecodeUlaw(nil, payload)
		} else {
			pcm = g711.DecodeAlaw(nil, payload)
		}
		err = m.aac.encode(pcm, rel, m.writeAAC)
	case m.acodec == codecOpus:
		ts := m.monotonic(rescale(rel, m.atb), &m.alast)
		dur := astiav.RescaleQ(int64(opusSamples(payload)), astiav.NewRational(1, opusRate), m.atb)
		err = m.writePacket(m.astrm.Index(), payload, ts, dur, true)
	default:
		ts := m.monotonic(rescale(rel, m.atb), &m.alast)
		dur := astiav.RescaleQ(int64(len(payload)/m.achan), astiav.NewRational(1, m.arate), m.atb)
		err = m.writePacket(m.astrm.Index(), payload, ts, dur, true)
	}
	if err != nil {
		return fmt.Errorf("ffmpeg: mux audio: %w", err)
	}
	return nil
}

// writeAAC writes a packet from the AAC encoder (time base 1/rate).
func (m *Muxer) writeAAC(p *astiav.Packet) error {
	tb := m.aac.cc.TimeBase()
	ts := astiav.RescaleQ(p.Pts(), tb, m.atb)
	if ts <= m.alast {
		ts = m.alast + 1
	}
	m.alast = ts
	return m.writePacket(m.astrm.Index(), p.Data(), ts, astiav.RescaleQ(p.Duration(), tb, m.atb), true)
}

// Close writes the held unit and the trailer, which finalizes the file, and
// frees everything. A recording interrupted by an error is finalized too:
// Close after a failed Write still writes the trailer. A recording that
// never got a keyframe has nothing to finalize: its file is removed and
// Close returns ErrNoKeyframe. Later calls return ErrClosed.
func (m *Muxer) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	var errs []error
	if m.header {
		if m.aac != nil {
			if err := m.aac.flush(m.writeAAC); err != nil {
				errs = append(errs, fmt.Errorf("ffmpeg: mux audio: %w", err))
			}
		}
		if len(m.held) > 0 {
			errs = append(errs, m.flushVideo(m.lastStep))
		}
		if err := m.fc.WriteTrailer(); err != nil {
			errs = append(errs, fmt.Errorf("ffmpeg: mux %s: trailer: %w", m.path, err))
		}
	}
	if err := m.pb.Close(); err != nil {
		errs = append(errs, fmt.Errorf("ffmpeg: mux %s: close: %w", m.path, err))
	}
	if !m.header {
		if err := os.Remove(m.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("ffmpeg: mux: %w", err))
		}
		if m.headerErr == nil {
			errs = append(errs, fmt.Errorf("ffmpeg: mux %s: %w", m.path, ErrNoKeyframe))
		}
	}
	m.free()
	return errors.Join(errs...)
}

// free releases the FFmpeg objects (the IO context is closed separately).
func (m *Muxer) free() {
	if m.aac != nil {
		m.aac.free()
		m.aac = nil
	}
	if m.pkt != nil {
		m.pkt.Free()
		m.pkt = nil
	}
	if m.fc != nil {
		m.fc.Free()
		m.fc = nil
	}
}

// aacRates are the sampling frequencies of MPEG-4 audio (ISO 14496-3
// table 1.18); others are resampled to 48 kHz.
var aacRates = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// aacEncoder turns G.711's PCM into AAC for MP4, keeping the audio on the
// recording's clock: a gap in the payloads' timestamps is filled with
// silence.
type aacEncoder struct {
	in      audio.Format
	rate    int
	res     *Resampler // nil when in.SampleRate is an AAC rate
	cc      *astiav.CodecContext
	frame   *astiav.Frame
	pkt     *astiav.Packet
	size    int     // samples per channel per frame
	pending []int16 // interleaved, not yet encoded
	next    int64   // pts of pending[0] in samples; -1 before the first payload
}

// newAACEncoder opens libavcodec's native AAC encoder.
func newAACEncoder(rate, channels int, globalHeader bool) (*aacEncoder, error) {
	c := astiav.FindEncoderByName("aac")
	if c == nil {
		return nil, fmt.Errorf("aac encoder: %w", player.ErrUnsupportedCodec)
	}
	e := &aacEncoder{in: audio.Format{SampleRate: rate, Channels: channels}, rate: rate, next: -1}
	valid := false
	for _, r := range aacRates {
		valid = valid || r == rate
	}
	if !valid {
		e.rate = 48000
		res, err := NewResampler(e.in, audio.Format{SampleRate: e.rate, Channels: channels})
		if err != nil {
			return nil, err
		}
		e.res = res
	}
	cc := astiav.AllocCodecContext(c)
	if cc == nil {
		e.free()
		return nil, errors.New("aac encoder: allocating context failed")
	}
	e.cc = cc
	layout := astiav.ChannelLayoutMono
	if channels == 2 {
		layout = astiav.ChannelLayoutStereo
	}
	cc.SetSampleFormat(astiav.SampleFormatFltp)
	cc.SetSampleRate(e.rate)
	cc.SetChannelLayout(layout)
	cc.SetTimeBase(astiav.NewRational(1, e.rate))
	cc.SetBitRate(int64(min(64000, 4*e.rate) * channels))
	cc.SetThreadCount(1)
	if globalHeader {
		cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	if err := cc.Open(c, nil); err != nil {
		e.free()
		return nil, fmt.Errorf("aac encoder: open: %w", err)
	}
	e.size = cc.FrameSize()
	if e.size <= 0 {
		e.free()
		return nil, fmt.Errorf("aac encoder: frame size %d: %w", e.size, ErrInvalidConfig)
	}
	f := astiav.AllocFrame()
	f.SetNbSamples(e.size)
	f.SetSampleFormat(astiav.SampleFormatFltp)
	f.SetSampleRate(e.rate)
	f.SetChannelLayout(layout)
	e.frame = f
	// AllocBuffer, not AllocSamples: go-astiav v0.16.0's AllocSamples
	// buffer is not refcounted.
	if err := f.AllocBuffer(0); err != nil {
		e.free()
		return nil, fmt.Errorf("aac encoder: frame buffer: %w", err)
	}
	e.pkt = astiav.AllocPacket()
	return e, nil
}

// maxGapFill bounds the silence inserted for one gap; a longer gap closes
// over several payloads.
const maxGapFill = 10 * time.Second

// encode adds pcm (in the input format) stamped at pts and emits the
// packets of every completed frame.
func (e *aacEncoder) encode(pcm []int16, pts time.Duration, emit func(*astiav.Packet) error) error {
	if e.res != nil {
		var err error
		if pcm, err = e.res.Convert(pcm); err != nil {
			return err
		}
	}
	ch := e.in.Channels
	at := rescale(pts, astiav.NewRational(1, e.rate))
	if e.next < 0 {
		e.next = at
	}
	// A gap of more than 100 ms between where the samples would land and
	// where the payload says they belong is filled with silence.
	if gap := at - (e.next + int64(len(e.pending)/ch)); gap > int64(e.rate/10) {
		gap = min(gap, int64(maxGapFill)*int64(e.rate)/int64(time.Second))
		e.pending = append(e.pending, make([]int16, int(gap)*ch)...)
	}
	e.pending = append(e.pending, pcm...)
	step := e.size * ch
	done := 0
	var err error
	for len(e.pending)-done >= step && err == nil {
		err = e.send(e.pending[done:done+step], emit)
		done += step
	}
	e.pending = append(e.pending[:0], e.pending[done:]...)
	return err
}

// send encodes one frame of interleaved samples (a short one only last).
func (e *aacEncoder) send(chunk []int16, emit func(*astiav.Packet) error) error {
	n := len(chunk) / e.in.Channels
	e.frame.SetNbSamples(n)
	if err := fillS16(e.frame, chunk, n, e.in.Channels); err != nil {
		return fmt.Errorf("aac encode: %w", err)
	}
	e.frame.SetPts(e.next)
	e.next += int64(n)
	if err := e.cc.SendFrame(e.frame); err != nil {
		return fmt.Errorf("aac encode: %w", err)
	}
	return e.receive(emit)
}

// receive emits every packet the encoder has ready.
func (e *aacEncoder) receive(emit func(*astiav.Packet) error) error {
	for {
		err := e.cc.ReceivePacket(e.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("aac encode: %w", err)
		}
		err = emit(e.pkt)
		e.pkt.Unref()
		if err != nil {
			return err
		}
	}
}

// flush encodes what is pending (a short last frame) and drains the
// encoder.
func (e *aacEncoder) flush(emit func(*astiav.Packet) error) error {
	var errs []error
	if e.res != nil {
		if tail, err := e.res.Flush(); err == nil {
			e.pending = append(e.pending, tail...)
		}
	}
	if len(e.pending) >= e.in.Channels && e.next >= 0 {
		errs = append(errs, e.send(e.pending, emit))
	}
	e.pending = e.pending[:0]
	if err := e.cc.SendFrame(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return errors.Join(append(errs, fmt.Errorf("aac encode: drain: %w", err))...)
	}
	return errors.Join(append(errs, e.receive(emit))...)
}

func (e *aacEncoder) free() {
	if e.res != nil {
		e.res.Close()
	}
	if e.pkt != nil {
		e.pkt.Free()
	}
	if e.frame != nil {
		e.frame.Free()
	}
	if e.cc != nil {
		e.cc.Free()
	}
}

// splitAnnexB returns the NAL units of an Annex-B byte stream (3- or 4-byte
// start codes), without their start codes; empty units are skipped. Bytes
// before the first start code make the unit invalid (nil).
func splitAnnexB(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	i := 0
	for i+2 < len(b) {
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 {
			i++
			continue
		}
		if start < 0 {
			// Only zeros (the fourth byte of a start code) may precede the first.
			for _, c := range b[:i] {
				if c != 0 {
					return nil
				}
			}
		} else {
			nals = appendNAL(nals, b[start:i])
		}
		i += 3
		start = i
	}
	if start < 0 {
		return nil
	}
	return appendNAL(nals, b[start:])
}

// appendNAL appends n without the trailing zeros that belong to the next
// start code (or are trailing_zero_8bits).
func appendNAL(nals [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) == 0 {
		return nals
	}
	return append(nals, n)
}

// lengthPrefixed appends the NAL units to dst, each after its size as a
// 4-byte big-endian number (the avcC's lengthSizeMinusOne is 3).
func lengthPrefixed(dst []byte, nals [][]byte) []byte {
	for _, n := range nals {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// spsInfo is what a recording needs from an H.264 SPS.
type spsInfo struct {
	profile                  int
	chromaFormat             int
	bitDepthLuma, bitDepthCh int // minus 8
	width, height            int
}

// highProfile reports whether an SPS of the profile carries chroma format,
// bit depth and scaling lists (ITU-T H.264 7.3.2.1.1).
func highProfile(p int) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// errBadSPS means an SPS could not be parsed.
var errBadSPS = errors.New("malformed SPS")

// bitReader reads an RBSP (emulation prevention removed) bit by bit.
type bitReader struct {
	b   []byte
	pos int
	err error
}

func (r *bitReader) bit() uint32 {
	if r.pos >= 8*len(r.b) {
		r.err = errBadSPS
		return 0
	}
	v := uint32(r.b[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

// ue reads an Exp-Golomb code; values past 2^31 are treated as malformed.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bit() == 0 && r.err == nil {
		zeros++
		if zeros > 31 {
			r.err = errBadSPS
			return 0
		}
	}
	return (1<<zeros - 1) + r.bits(zeros)
}

func (r *bitReader) se() int32 {
	v := r.ue()
	if v&1 == 1 {
		return int32((v + 1) / 2)
	}
	return -int32(v / 2)
}

// unescapeRBSP removes emulation prevention bytes (00 00 03).
func unescapeRBSP(n []byte) []byte {
	out := make([]byte, 0, len(n))
	zeros := 0
	for _, c := range n {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// parseSPS reads an SPS NAL unit (with its header byte) up to the frame
// cropping, per ITU-T H.264 section 7.3.2.1.1.
func parseSPS(nal []byte) (spsInfo, error) {
	s, _, err := readSPS(nal)
	return s, err
}

// spsFrameInterval returns the frame interval an SPS declares in its VUI
// timing information (ITU-T H.264 E.1.1 and E.2.1: two ticks of
// num_units_in_tick / time_scale per frame), or 0 when it declares none
// or one outside 1/240 s to 1 s.
func spsFrameInterval(nal []byte) time.Duration {
	_, r, err := readSPS(nal)
	if err != nil || r.bit() == 0 { // vui_parameters_present_flag
		return 0
	}
	if r.bit() == 1 { // aspect_ratio_info_present_flag
		if r.bits(8) == 255 { // Extended_SAR
			r.bits(32)
		}
	}
	if r.bit() == 1 { // overscan_info_present_flag
		r.bit()
	}
	if r.bit() == 1 { // video_signal_type_present_flag
		r.bits(4)
		if r.bit() == 1 { // colour_description_present_flag
			r.bits(24)
		}
	}
	if r.bit() == 1 { // chroma_loc_info_present_flag
		r.ue()
		r.ue()
	}
	if r.bit() == 0 { // timing_info_present_flag
		return 0
	}
	tick, scale := uint64(r.bits(32)), uint64(r.bits(32))
	if r.err != nil || tick == 0 || scale == 0 {
		return 0
	}
	d := time.Duration(2 * tick * uint64(time.Second) / scale)
	if d < time.Second/240 || d > time.Second {
		return 0
	}
	return d
}

// readSPS parses an SPS up to the frame cropping and returns the reader
// there, at vui_parameters_present_flag.
func readSPS(nal []byte) (spsInfo, *bitReader, error) {
	var s spsInfo
	if len(nal) < 4 || nal[0]&0x1f != 7 {
		return s, nil, errBadSPS
	}
	r := &bitReader{b: unescapeRBSP(nal[1:])}
	s.profile = int(r.bits(8))
	r.bits(16) // constraint flags, level
	r.ue()     // seq_parameter_set_id
	s.chromaFormat = 1
	separateColour := false
	if highProfile(s.profile) {
		s.chromaFormat = int(r.ue())
		if s.chromaFormat > 3 {
			return s, nil, errBadSPS
		}
		if s.chromaFormat == 3 {
			separateColour = r.bit() == 1
		}
		s.bitDepthLuma = int(r.ue())
		s.bitDepthCh = int(r.ue())
		if s.bitDepthLuma > 6 || s.bitDepthCh > 6 {
			return s, nil, errBadSPS
		}
		r.bit() // qpprime_y_zero_transform_bypass_flag
		if r.bit() == 1 {
			lists := 8
			if s.chromaFormat == 3 {
				lists = 12
			}
			for i := range lists {
				if r.bit() == 0 {
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := int32(8), int32(8)
				for range size {
					if next != 0 {
						next = (last + r.se() + 256) % 256
					}
					if next != 0 {
						last = next
					}
					if r.err != nil {
						return s, nil, r.err
					}
				}
			}
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch r.ue() {
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.bit()
		r.se()
		r.se()
		n := r.ue()
		if n > 255 {
			return s, nil, errBadSPS
		}
		for range n {
			r.se()
		}
	}
	r.ue()  // max_num_ref_frames
	r.bit() // gaps_in_frame_num_value_allowed_flag
	wMbs := int(r.ue()) + 1
	hMaps := int(r.ue()) + 1
	frameMbsOnly := int(r.bit())
	if frameMbsOnly == 0 {
		r.bit() // mb_adaptive_frame_field_flag
	}
	r.bit() // direct_8x8_inference_flag
	var cl, cr, ct, cb int
	if r.bit() == 1 {
		cl, cr, ct, cb = int(r.ue()), int(r.ue()), int(r.ue()), int(r.ue())
	}
	if r.err != nil {
		return s, nil, r.err
	}
	cropX, cropY := 1, 2-frameMbsOnly
	if !separateColour && s.chromaFormat != 0 {
		subW, subH := 2, 2
		switch s.chromaFormat {
		case 2:
			subH = 1
		case 3:
			subW, subH = 1, 1
		}
		cropX, cropY = subW, subH*(2-frameMbsOnly)
	}
	s.width = wMbs*16 - cropX*(cl+cr)
	s.height = (2-frameMbsOnly)*hMaps*16 - cropY*(ct+cb)
	if wMbs > 1<<12 || hMaps > 1<<12 || s.width <= 0 || s.height <= 0 {
		return s, nil, errBadSPS
	}
	return s, r, nil
}

// avcConfig builds an AVCDecoderConfigurationRecord (ISO 14496-15
// 5.3.3.1) with 4-byte NAL lengths. The high-profile extension is written
// when the SPS was parsed (ext).
func avcConfig(sps, pps [][]byte, info spsInfo, ext bool) ([]byte, error) {
	if len(sps) == 0 || len(sps) > 31 || len(pps) == 0 || len(pps) > 255 || len(sps[0]) < 4 {
		return nil, fmt.Errorf("parameter sets: %w", errBadSPS)
	}
	b := []byte{1, sps[0][1], sps[0][2], sps[0][3], 0xfc | 3, 0xe0 | byte(len(sps))}
	b, err := appendParamSets(b, sps)
	if err != nil {
		return nil, err
	}
	b = append(b, byte(len(pps)))
	if b, err = appendParamSets(b, pps); err != nil {
		return nil, err
	}
	// The 2014 edition writes the extension for every profile but
	// Baseline, Main and Extended (earlier ones listed 100, 110, 122, 144).
	if p := sps[0][1]; ext && p != 66 && p != 77 && p != 88 {
		b = append(b, 0xfc|byte(info.chromaFormat), 0xf8|byte(info.bitDepthLuma), 0xf8|byte(info.bitDepthCh), 0)
	}
	return b, nil
}

// appendParamSets appends each parameter set after its 16-bit length.
func appendParamSets(b []byte, sets [][]byte) ([]byte, error) {
	for _, n := range sets {
		if len(n) > 0xffff {
			return nil, fmt.Errorf("parameter set of %d bytes: %w", len(n), errBadSPS)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return b, nil
}
