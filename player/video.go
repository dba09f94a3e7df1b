package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// AccessUnit is one coded picture (Annex-B for H.264/H.265) or one frame of
// VP8/VP9/AV1 (AV1 as low-overhead OBUs with size fields).
type AccessUnit struct {
	// Data is the coded picture. It is reused for the next access unit: the
	// decoder must not keep it after Decode returns, nor OnAccessUnit after
	// it returns.
	Data []byte
	// RTPTime is the RTP timestamp the picture was sent with.
	RTPTime uint32
	// PTS is RTPTime relative to the stream's first access unit.
	PTS time.Duration
}

// Decoder turns access units into frames; player/ffmpeg implements it.
type Decoder interface {
	// Decode decodes one access unit and calls emit for each picture that
	// became ready. An error means this unit was corrupt; the decoder stays usable.
	Decode(au AccessUnit, emit func(*Frame)) error
	// SetOutputSize sets the size frames are scaled to; 0,0 means the
	// source's own size. It may be called from any goroutine.
	SetOutputSize(width, height int)
	// Close releases the decoder.
	Close() error
}

// RTPReader is what pion's *webrtc.TrackRemote offers. Each packet it
// returns must stay unchanged after the call (pion's returns a new packet
// each time): a Video keeps packets until their frame is complete. A
// reader that also has TrackRemote's Read method is read through that
// instead (see RTPBufferReader).
type RTPReader interface {
	ReadRTP() (*rtp.Packet, interceptor.Attributes, error)
}

// RTPBufferReader is what pion's *webrtc.TrackRemote offers besides
// ReadRTP: Read fills b with one RTP packet. When the RTPReader given to
// Run has it, Run reads into buffers of its own that it recycles once the
// assembler is done with their packets, instead of a new buffer and packet
// per packet as ReadRTP makes.
type RTPBufferReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

// VideoConfig configures a Video. Zero values get defaults in NewVideo.
type VideoConfig struct {
	// MimeType is the negotiated codec, e.g. webrtc.MimeTypeH264 ("video/H264").
	MimeType string
	// ClockRate is the RTP clock rate; 0 means 90000.
	ClockRate uint32
	// Sink receives decoded frames; nil keeps statistics only.
	Sink Sink
	// RequestKeyframe is called when media starts and after loss or a decode
	// error, at most about once per 500 ms, on Run's goroutine. It must not
	// block (send a PLI from another goroutine or with a non-blocking write).
	// It may be nil.
	RequestKeyframe func()
	// Logger receives debug records about loss and decode errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock used for jitter, rates and freezes; nil means time.Now.
	Now func() time.Time
	// OnAccessUnit, when set, sees every access unit handed to the decoder
	// (after reordering, and without the delta units dropped while waiting
	// for a keyframe), with whether it is a keyframe: the recorder's tap.
	// It runs on Run's goroutine and must not block.
	OnAccessUnit func(au AccessUnit, key bool)
	// CaptureTimeExt is the negotiated id of the abs-capture-time header
	// extension (AbsCaptureTimeURI), or 0 when the sender does not carry
	// it: then no latency is measured.
	CaptureTimeExt uint8
}

const (
	defaultClockRate = 90000
	// reorderPackets bounds the reordering window in packets; it must exceed
	// the packet count of the largest keyframe, which arrives all at once.
	reorderPackets = 1000
	// reorderDelay bounds how long a missing packet is waited for. It must
	// exceed a round trip plus the NACK generator's interval, or packets
	// resent after a NACK arrive too late to help: at 200 ms, 5% loss with a
	// 200 ms round trip left 3.5-11 of 25 pictures/s, at 500 ms all 25
	// (session.TestFaultLossyPath). Only frames behind a missing packet wait;
	// the sink keeps the newest, so a burst after the wait shows once.
	reorderDelay = 500 * time.Millisecond
	// keyframeInterval rate-limits keyframe requests.
	keyframeInterval = 500 * time.Millisecond
)

// Video depacketizes, reorders, gates and decodes one RTP video track.
//
// Its assembler hands an access unit to the decoder as soon as its last
// packet (the one with the RTP marker bit) and every packet before it have
// arrived, so a picture is decoded when its own last packet arrives. Only a
// stream whose marker bits do not end access units waits for the next
// frame's first packet, one frame interval later.
type Video struct {
	cfg   VideoConfig
	codec codecInfo
	dec   Decoder
	log   *slog.Logger
	now   func() time.Time
	ran   atomic.Bool
	// paused: access units are handed on (OnAccessUnit) but not decoded
	// (SetPaused).
	paused atomic.Bool

	mu          sync.Mutex
	width       int
	height      int
	packets     window
	frames      window
	seq         seqTracker
	jitter      jitterMeter
	clock       frameClock
	frameCount  uint64
	freezes     uint64
	keyRequests uint64
	decoded     latencyMeter // capture to decoded picture
	painted     latencyMeter // capture to picture handed to paint
}

// NewVideo returns a Video for the codec named by cfg.MimeType that decodes
// with dec. It fails with ErrUnsupportedCodec for a MIME type it does not know.
func NewVideo(cfg VideoConfig, dec Decoder) (*Video, error) {
	c, ok := lookupCodec(cfg.MimeType)
	if !ok {
		return nil, fmt.Errorf("player: video %q: %w", cfg.MimeType, ErrUnsupportedCodec)
	}
	if dec == nil {
		return nil, fmt.Errorf("player: video: %w", ErrNoDecoder)
	}
	if cfg.ClockRate == 0 {
		cfg.ClockRate = defaultClockRate
	}
	v := &Video{cfg: cfg, codec: c, dec: dec, log: cfg.Logger, now: cfg.Now}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Stats returns a snapshot of the stream's statistics. It is safe to call
// from any goroutine.
func (v *Video) Stats() Stats {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.packets.trim(now)
	v.frames.trim(now)
	return Stats{
		Codec:            v.codec.name,
		Width:            v.width,
		Height:           v.height,
		FPS:              float64(v.frames.count()) / statsWindow.Seconds(),
		BitrateKbps:      float64(v.packets.bytes) * 8 / 1000 / statsWindow.Seconds(),
		PacketsReceived:  uint64(v.packets.total),
		PacketsLost:      v.seq.lostBefore + v.seq.lost(),
		JitterMs:         v.jitter.jitter / float64(v.cfg.ClockRate) * 1000,
		Frames:           v.frameCount,
		Freezes:          v.freezes,
		KeyframeRequests: v.keyRequests,
		DecodedLatency:   v.decoded.median(),
		PaintLatency:     v.painted.median(),
	}
}

// Run reads RTP packets from src and decodes them until src returns an error
// or ctx is done. It returns nil when src returns io.EOF, ctx.Err() when ctx
// is done, and the read error otherwise. ReadRTP blocks and cannot be
// interrupted by ctx: to stop Run, cancel ctx and close the track (or its
// PeerConnection) so that ReadRTP returns. A Video runs once; a second call
// returns ErrRunning. Decode errors do not end Run: they trigger a keyframe
// request.
func (v *Video) Run(ctx context.Context, src RTPReader) error {
	if !v.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("player: run: %w", ErrRunning)
	}
	s := v.newStream()
	br, pooled := src.(RTPBufferReader)
	if pooled {
		s.asm.free = s.pool.put
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var p *rtp.Packet
		var err error
		if pooled {
			p, err = s.pool.read(br)
		} else {
			p, _, err = src.ReadRTP()
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("player: read rtp: %w", err)
		}
		if p == nil {
			continue
		}
		v.handlePacket(s, p)
	}
}

// stream is the per-SSRC state Run owns; only Run's goroutine touches it.
type stream struct {
	started bool
	ssrc    uint32
	asm     *assembler
	// now is when the packet being handled arrived.
	now time.Time
	// seq validates sequence numbers (RFC 3550 A.1): it tells a sender
	// that restarted its sequence from a stray or late packet.
	seq seqRule
	// emitted is the extended sequence number of the last packet of the
	// last access unit assembled; valid when haveEmitted.
	emitted     int64
	haveEmitted bool
	// waitKey drops pictures until a keyframe arrives.
	waitKey bool
	// resumed: waitKey is set only because decoding was paused, so the
	// pictures waited out are intact and still reach OnAccessUnit.
	resumed     bool
	lastRequest time.Time
	firstTS     uint32
	lastTS      int64 // unwrapped RTP time of the last access unit
	haveTS      bool
	// captures holds the capture times of the access units being decoded.
	captures captureRing
	emit     func(*Frame)
	// pool recycles the packets read, when the source can read into them.
	pool packetPool
}

const (
	// PacketBuffer is the size of a packet's receive buffer: pion's default
	// receive MTU (1460), which is also what its ReadRTP allocates, rounded
	// up to Ethernet's.
	PacketBuffer = 1500
	// maxPooled bounds the packets a pool tracks: every packet the
	// assembler can hold, the one the sequence rule holds, and spare. A
	// packet the sequence rule drops is never freed; past the bound the
	// pool forgets every packet it made, so such strays are not kept
	// alive (the ones still in use are collected once dropped).
	maxPooled = ringSize + 64
)

// packetPool recycles packets with their receive buffers. A packet is
// freed (put) only when nothing refers to it or its payload any more; a
// packet never freed is left to the garbage collector. It is not safe for
// concurrent use: only Run's goroutine uses it.
type packetPool struct {
	free []*rtp.Packet
	// bufs holds the receive buffer of each packet the pool made.
	bufs map[*rtp.Packet][]byte
}

// read reads one packet from r into a recycled packet and buffer.
func (pp *packetPool) read(r RTPBufferReader) (*rtp.Packet, error) {
	var p *rtp.Packet
	if n := len(pp.free); n > 0 {
		p = pp.free[n-1]
		pp.free = pp.free[:n-1]
	} else {
		if pp.bufs == nil || len(pp.bufs) >= maxPooled {
			pp.bufs = make(map[*rtp.Packet][]byte, 64)
		}
		p = &rtp.Packet{}
		pp.bufs[p] = make([]byte, PacketBuffer)
	}
	b := pp.bufs[p]
	n, _, err := r.Read(b)
	if err == nil {
		// Keep the header's slices' room; everything else is parsed anew.
		*p = rtp.Packet{Header: rtp.Header{CSRC: p.CSRC[:0], Extensions: p.Extensions[:0]}}
		err = p.Unmarshal(b[:n])
	}
	if err != nil {
		pp.put(p)
		return nil, err
	}
	return p, nil
}

// put recycles p if the pool made it (and still tracks it).
func (pp *packetPool) put(p *rtp.Packet) {
	if _, ok := pp.bufs[p]; ok {
		pp.free = append(pp.free, p)
	}
}

func (v *Video) newStream() *stream {
	s := &stream{}
	s.emit = func(f *Frame) {
		if f != nil {
			f.Capture = s.captures.get(f.PTS)
		}
		v.deliver(f)
	}
	s.asm = newAssembler(v.codec.newDepay, reorderDelay, reorderPackets, func(au *assembled) {
		v.handleAccessUnit(s, au)
	})
	return s
}

// reset starts a new stream for ssrc. The sequence rule is kept: it
// already follows the new sequence when a jump restarts the stream.
func (v *Video) reset(s *stream, ssrc uint32) {
	*s = stream{emit: s.emit, asm: s.asm, lastRequest: s.lastRequest, seq: s.seq, pool: s.pool}
	s.started = true
	s.ssrc = ssrc
	s.waitKey = true
	s.asm.reset()
}

func (v *Video) handlePacket(s *stream, p *rtp.Packet) {
	now := v.now()
	if !s.started || p.SSRC != s.ssrc {
		if s.started {
			v.log.Debug("player: ssrc changed", "old", s.ssrc, "new", p.SSRC)
		}
		v.restartStats()
		s.seq = newSeqRule(reorderPackets)
		v.reset(s, p.SSRC)
		v.requestKeyframe(s, now, "media start")
	}
	verdict, ext, held := s.seq.check(p)
	switch verdict {
	case seqHeld:
		return // a jump, believed only if the next packet follows it
	case seqRestart:
		v.log.Debug("player: sequence restarted", "at", held.SequenceNumber)
		v.restartStats()
		v.reset(s, p.SSRC)
		v.requestKeyframe(s, now, "sequence jump")
		v.accept(s, held, ext-1, now)
	}
	v.accept(s, p, ext, now)
}

// accept counts p, whose extended sequence number is ext, and assembles it.
func (v *Video) accept(s *stream, p *rtp.Packet, ext int64, now time.Time) {
	v.countPacket(p, ext, now)
	s.now = now
	s.asm.push(p, now)
}

func (v *Video) countPacket(p *rtp.Packet, ext int64, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.packets.add(now, p.MarshalSize())
	v.packets.total++
	if !v.seq.started {
		v.seq.started = true
		v.seq.base, v.seq.highest = ext, ext
	}
	if ext > v.seq.highest {
		v.seq.highest = ext
	}
	v.seq.received++
	v.jitter.add(now, p.Timestamp, v.cfg.ClockRate)
}

func (v *Video) restartStats() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq.restart()
	v.jitter.started = false
	v.decoded.reset()
	v.painted.reset()
}

// handleAccessUnit gates, hands on and decodes one access unit of the
// assembler. A gap before it (lost packets, not padding) makes the decoder
// wait for a keyframe.
func (v *Video) handleAccessUnit(s *stream, a *assembled) {
	now := s.now
	prev := s.emitted
	gap := s.haveEmitted && a.gap
	s.emitted, s.haveEmitted = a.last, true
	if len(a.data) == 0 {
		return
	}
	kind := v.codec.classify(a.data)
	if gap {
		v.log.Debug("player: packets lost", "first", uint16(prev+1), "count", a.first-prev-1)
		if kind != auKey {
			s.waitKey = true
		}
		s.resumed = false
	}
	au := AccessUnit{Data: a.data, RTPTime: a.ts, PTS: s.pts(a.ts, v.cfg.ClockRate)}
	if v.paused.Load() {
		// Nothing is shown: hand the picture on (recording goes on) but
		// spend nothing decoding it. The decoder's references go stale,
		// so decoding resumes at a keyframe, asked for at once.
		if kind == auKey || !s.waitKey {
			s.resumed = true // the pictures are intact from here
		}
		s.waitKey = true
		if s.resumed && v.cfg.OnAccessUnit != nil {
			v.cfg.OnAccessUnit(au, kind == auKey)
		}
		return
	}
	if s.waitKey {
		switch kind {
		case auKey:
			s.waitKey, s.resumed = false, false
		case auDelta:
			v.requestKeyframe(s, now, "waiting for keyframe")
			if s.resumed && v.cfg.OnAccessUnit != nil {
				v.cfg.OnAccessUnit(au, false) // intact, only not decodable
			}
			return
		}
	}
	if v.cfg.OnAccessUnit != nil {
		v.cfg.OnAccessUnit(au, kind == auKey)
	}
	if v.cfg.CaptureTimeExt != 0 {
		s.captures.put(au.PTS, captureTime(a.headers, v.cfg.CaptureTimeExt))
	}
	if err := v.dec.Decode(au, s.emit); err != nil {
		v.log.Debug("player: decode failed", "codec", v.codec.name, "err", err)
		if kind != auConfig {
			s.waitKey = true
			v.requestKeyframe(s, now, "decode error")
		}
	}
}

// pts converts an RTP timestamp to time since the stream's first access unit.
func (s *stream) pts(ts uint32, clockRate uint32) time.Duration {
	if !s.haveTS {
		s.haveTS = true
		s.firstTS = ts
		s.lastTS = 0
	} else {
		s.lastTS += int64(int32(ts - uint32(int64(s.firstTS)+s.lastTS)))
	}
	return time.Duration(s.lastTS) * time.Second / time.Duration(clockRate)
}

func (v *Video) requestKeyframe(s *stream, now time.Time, reason string) {
	if v.cfg.RequestKeyframe == nil {
		return
	}
	if !s.lastRequest.IsZero() && now.Sub(s.lastRequest) < keyframeInterval {
		return
	}
	s.lastRequest = now
	v.log.Debug("player: requesting keyframe", "reason", reason)
	v.mu.Lock()
	v.keyRequests++
	v.mu.Unlock()
	v.cfg.RequestKeyframe()
}

// SetPaused stops decoding (on) while nobody can see the pictures, as when
// the window is minimised, or resumes it (off) from the next keyframe. The
// packets are still received and reordered and the access units still
// reach OnAccessUnit, so a recording goes on and the connection stays warm.
func (v *Video) SetPaused(on bool) { v.paused.Store(on) }

// Paused reports whether decoding is paused.
func (v *Video) Paused() bool { return v.paused.Load() }

// deliver is the emit function handed to the decoder.
func (v *Video) deliver(f *Frame) {
	if f == nil {
		return
	}
	now := v.now()
	v.mu.Lock()
	v.frames.add(now, 0)
	v.frameCount++
	if v.clock.add(now) {
		v.freezes++
	}
	v.width, v.height = f.SourceWidth, f.SourceHeight
	if !f.Capture.IsZero() {
		v.decoded.add(now.Sub(f.Capture))
	}
	v.mu.Unlock()
	if v.cfg.Sink != nil {
		v.cfg.Sink.PutFrame(f)
	}
}

// Painted records that f, a picture of this stream, was handed to paint
// now: the capture-to-paint latency of Stats. Pictures without a capture
// time are ignored. It is safe to call from any goroutine.
func (v *Video) Painted(f *Frame) {
	if f == nil || f.Capture.IsZero() {
		return
	}
	now := v.now()
	v.mu.Lock()
	v.painted.add(now.Sub(f.Capture))
	v.mu.Unlock()
}
