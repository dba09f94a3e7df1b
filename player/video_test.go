package player

import (
	"context"
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

const testFrameTicks = 3000 // 30 fps at 90 kHz

// synthAU builds a fake H.264 access unit whose slice carries the frame index.
func synthAU(i int, key bool, size int) []byte {
	slice := make([]byte, size)
	for j := range slice {
		slice[j] = 0xab
	}
	if key {
		slice[0], slice[1] = 0x65, 0x88
	} else {
		slice[0], slice[1] = 0x41, 0x9a
	}
	// Two bytes with the high bit set can never form a start code.
	slice[2], slice[3] = 0x80|byte(i>>7), 0x80|byte(i&0x7f)
	if key {
		return annexB(h264SPS, h264PPS, slice)
	}
	return annexB(slice)
}

// frameIndex reads back the index synthAU stored.
func frameIndex(au []byte) (int, bool) {
	idx, found := -1, false
	forEachNAL(au, func(n []byte) {
		if t := n[0] & 0x1f; (t == 1 || t == 5) && len(n) >= 4 {
			idx, found = int(n[2]&0x7f)<<7|int(n[3]&0x7f), true
		}
	})
	return idx, found
}

type arrival struct {
	p  *rtp.Packet
	at time.Duration
}

type streamOpts struct {
	frames  int
	gop     int
	ssrc    uint32
	seq     uint16
	ts      uint32
	padding bool // a padding-only packet after every frame
	offset  time.Duration
	pauseAt int // frame index whose packets arrive pauseFor late
	pause   time.Duration
	// noMarkers: the sender never sets the marker bit.
	noMarkers bool
}

// buildStream packetizes synthetic frames the way a camera sends them: one
// RTP timestamp per frame, marker on each frame's last packet.
func buildStream(o streamOpts) ([]arrival, map[int][]byte) {
	pay := &codecs.H264Payloader{}
	aus := map[int][]byte{}
	var out []arrival
	seq := o.seq
	var delay time.Duration
	for i := range o.frames {
		key := i%o.gop == 0
		size := 300
		switch {
		case key:
			size = 4000
		case i%3 == 1:
			size = 1500
		}
		au := synthAU(i, key, size)
		aus[i] = au
		ts := o.ts + uint32(i*testFrameTicks)
		if i == o.pauseAt && o.pause > 0 {
			delay = o.pause
		}
		at := o.offset + delay + time.Duration(i)*time.Second/30
		payloads := pay.Payload(1200, au)
		for j, pl := range payloads {
			p := &rtp.Packet{Header: rtp.Header{
				Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: o.ssrc,
				Marker: j == len(payloads)-1 && !o.noMarkers,
			}, Payload: pl}
			seq++
			out = append(out, arrival{roundTrip(p), at})
		}
		if o.padding {
			p := &rtp.Packet{Header: rtp.Header{
				Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: o.ssrc, Padding: true,
			}, PaddingSize: 200}
			seq++
			out = append(out, arrival{roundTrip(p), at})
		}
	}
	return out, aus
}

// roundTrip marshals and parses a packet, as the network would.
func roundTrip(p *rtp.Packet) *rtp.Packet {
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	var q rtp.Packet
	if err := q.Unmarshal(b); err != nil {
		panic(err)
	}
	return &q
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// fakeSource replays arrivals, moving the fake clock to each arrival time.
type fakeSource struct {
	pkts   []arrival
	i      int
	clk    *fakeClock
	base   time.Time
	err    error
	onRead func(i int)
}

func (s *fakeSource) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	if s.onRead != nil {
		s.onRead(s.i)
	}
	if s.i >= len(s.pkts) {
		if s.err != nil {
			return nil, nil, s.err
		}
		return nil, nil, io.EOF
	}
	a := s.pkts[s.i]
	s.i++
	s.clk.t = s.base.Add(a.at)
	return a.p, nil, nil
}

// bufferSource is a fakeSource that also reads into the caller's buffer,
// as pion's TrackRemote.Read does: Run then recycles its packets. Each
// packet is marshalled afresh into the buffer given, so a buffer recycled
// while the assembler still holds its packet changes that packet's bytes.
type bufferSource struct{ *fakeSource }

func (s bufferSource) Read(b []byte) (int, interceptor.Attributes, error) {
	p, _, err := s.ReadRTP()
	if err != nil {
		return 0, nil, err
	}
	n, err := p.MarshalTo(b)
	return n, nil, err
}

// readModes runs f once with Run reading packets through ReadRTP and once
// through Read into recycled buffers.
func readModes(t *testing.T, f func(t *testing.T, buffered bool)) {
	for _, buffered := range []bool{false, true} {
		name := "ReadRTP"
		if buffered {
			name = "Read"
		}
		t.Run(name, func(t *testing.T) { f(t, buffered) })
	}
}

// fakeDecoder checks each access unit against the original and emits a frame
// carrying the frame index in PTS order.
type fakeDecoder struct {
	t       *testing.T
	aus     map[int][]byte
	decoded []int
	failAt  int
	closed  bool
}

func (d *fakeDecoder) Decode(au AccessUnit, emit func(*Frame)) error {
	idx, ok := frameIndex(au.Data)
	if !ok {
		return errors.New("no slice")
	}
	if want := d.aus[idx]; string(want) != string(au.Data) {
		d.t.Errorf("frame %d: access unit differs from the one sent (%d vs %d bytes)", idx, len(au.Data), len(want))
	}
	if want := time.Duration(idx) * time.Second / 30; au.PTS-want > time.Millisecond || want-au.PTS > time.Millisecond {
		d.t.Errorf("frame %d: PTS %v, want about %v", idx, au.PTS, want)
	}
	if idx == d.failAt {
		return errors.New("corrupt")
	}
	d.decoded = append(d.decoded, idx)
	emit(&Frame{SourceWidth: 640, SourceHeight: 360, PTS: au.PTS, Key: classifyH264(au.Data) == auKey})
	return nil
}

func (d *fakeDecoder) SetOutputSize(int, int) {}
func (d *fakeDecoder) Close() error           { d.closed = true; return nil }

// recordSink keeps every frame it is given.
type recordSink struct{ frames []*Frame }

func (s *recordSink) PutFrame(f *Frame) { s.frames = append(s.frames, f) }

type harness struct {
	video    *Video
	dec      *fakeDecoder
	sink     *recordSink
	clk      *fakeClock
	requests []time.Time
	// buffered: Run reads through Read (bufferSource), not ReadRTP.
	buffered bool
}

func newHarness(t *testing.T, aus map[int][]byte) *harness {
	t.Helper()
	h := &harness{
		dec:  &fakeDecoder{t: t, aus: aus, failAt: -1},
		sink: &recordSink{},
		clk:  &fakeClock{t: time.Unix(1_700_000_000, 0)},
	}
	v, err := NewVideo(VideoConfig{
		MimeType: "video/H264",
		Sink:     h.sink,
		RequestKeyframe: func() {
			h.requests = append(h.requests, h.clk.t)
		},
		Now: h.clk.now,
	}, h.dec)
	if err != nil {
		t.Fatal(err)
	}
	h.video = v
	return h
}

func (h *harness) run(t *testing.T, pkts []arrival) {
	t.Helper()
	var src RTPReader = &fakeSource{pkts: pkts, clk: h.clk, base: h.clk.t}
	if h.buffered {
		src = bufferSource{src.(*fakeSource)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.video.Run(ctx, src); err != nil {
		t.Fatalf("Run = %v, want nil at EOF", err)
	}
}

func seqRange(from, to int) []int {
	var r []int
	for i := from; i < to; i++ {
		r = append(r, i)
	}
	return r
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkRequestSpacing(t *testing.T, reqs []time.Time) {
	t.Helper()
	for i := 1; i < len(reqs); i++ {
		if d := reqs[i].Sub(reqs[i-1]); d < keyframeInterval {
			t.Errorf("keyframe requests %d and %d only %v apart", i-1, i, d)
		}
	}
}

func TestVideoDelivery(t *testing.T) {
	swap := func(p []arrival) []arrival {
		q := append([]arrival(nil), p...)
		for i := 0; i+1 < len(q); i += 2 {
			q[i].p, q[i+1].p = q[i+1].p, q[i].p
		}
		return q
	}
	// dup repeats every fifth packet, the copy arriving two packets later.
	dup := func(p []arrival) []arrival {
		var q []arrival
		for i, a := range p {
			q = append(q, a)
			if i >= 2 && (i-2)%5 == 0 {
				q = append(q, arrival{roundTrip(p[i-2].p), a.at})
			}
		}
		return q
	}
	drop := func(frame int) func([]arrival) []arrival {
		return func(p []arrival) []arrival {
			var q []arrival
			dropped := false
			for _, a := range p {
				if idx := int(a.p.Timestamp-1000) / testFrameTicks; idx == frame && !dropped && !a.p.Marker {
					dropped = true
					continue
				}
				q = append(q, a)
			}
			return q
		}
	}
	cases := []struct {
		name     string
		opts     streamOpts
		mangle   func([]arrival) []arrival
		failAt   int
		want     []int
		lost     uint64
		minReq   int
		freezes  uint64
		jitterGt float64
		jitter   bool // reordering makes jitter
	}{
		{
			name:   "in order across sequence wrap",
			opts:   streamOpts{frames: 60, gop: 30, seq: 65500},
			want:   seqRange(0, 60), // the marker releases the last frame too
			minReq: 1,
		},
		{
			name:   "neighbours swapped",
			opts:   streamOpts{frames: 60, gop: 30, seq: 100},
			mangle: swap,
			want:   seqRange(0, 60),
			minReq: 1,
			jitter: true,
		},
		{
			name:   "duplicates",
			opts:   streamOpts{frames: 60, gop: 30, seq: 65000},
			mangle: dup,
			want:   seqRange(0, 60),
			minReq: 1,
			jitter: true,
		},
		{
			// Each frame ends when the next one's first packet arrives;
			// the last one waits for a next that never comes.
			name:   "no marker bits",
			opts:   streamOpts{frames: 60, gop: 30, seq: 300, noMarkers: true},
			want:   seqRange(0, 59),
			minReq: 1,
		},
		{
			name:   "padding between frames",
			opts:   streamOpts{frames: 60, gop: 30, seq: 65530, padding: true},
			want:   seqRange(0, 60),
			minReq: 1,
		},
		{
			name:   "packet lost waits for the next keyframe",
			opts:   streamOpts{frames: 90, gop: 30, seq: 7},
			mangle: drop(34),
			want:   append(seqRange(0, 34), seqRange(60, 90)...),
			lost:   1,
			minReq: 2,
			// Frame 33 is complete at its marker and shown on time: the
			// only freeze is the wait for the keyframe.
			freezes: 1,
		},
		{
			name:    "decode error waits for the next keyframe",
			opts:    streamOpts{frames: 90, gop: 30, seq: 7},
			failAt:  40,
			want:    append(seqRange(0, 40), seqRange(60, 90)...),
			minReq:  2,
			freezes: 1,
		},
		{
			name:     "late burst counts a freeze",
			opts:     streamOpts{frames: 60, gop: 30, seq: 1, pauseAt: 21, pause: 700 * time.Millisecond},
			want:     seqRange(0, 60),
			minReq:   1,
			freezes:  1,
			jitterGt: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			readModes(t, func(t *testing.T, buffered bool) {
				tc.opts.ssrc, tc.opts.ts = 0x1234, 1000
				pkts, aus := buildStream(tc.opts)
				if tc.mangle != nil {
					pkts = tc.mangle(pkts)
				}
				h := newHarness(t, aus)
				h.buffered = buffered
				h.dec.failAt = -1
				if tc.failAt > 0 {
					h.dec.failAt = tc.failAt
				}
				h.run(t, pkts)
				if !equalInts(h.dec.decoded, tc.want) {
					t.Fatalf("decoded frames %v\nwant %v", h.dec.decoded, tc.want)
				}
				if len(h.sink.frames) != len(tc.want) {
					t.Fatalf("sink got %d frames, want %d", len(h.sink.frames), len(tc.want))
				}
				st := h.video.Stats()
				if st.Codec != "H264" || st.Width != 640 || st.Height != 360 {
					t.Errorf("stats codec/size = %s %dx%d", st.Codec, st.Width, st.Height)
				}
				if st.PacketsReceived != uint64(len(pkts)) {
					t.Errorf("PacketsReceived = %d, want %d", st.PacketsReceived, len(pkts))
				}
				if st.PacketsLost != tc.lost {
					t.Errorf("PacketsLost = %d, want %d", st.PacketsLost, tc.lost)
				}
				if st.Frames != uint64(len(tc.want)) {
					t.Errorf("Frames = %d, want %d", st.Frames, len(tc.want))
				}
				if st.Freezes != tc.freezes {
					t.Errorf("Freezes = %d, want %d", st.Freezes, tc.freezes)
				}
				if len(h.requests) < tc.minReq || st.KeyframeRequests != uint64(len(h.requests)) {
					t.Errorf("keyframe requests = %d (stats %d), want at least %d", len(h.requests), st.KeyframeRequests, tc.minReq)
				}
				checkRequestSpacing(t, h.requests)
				if tc.jitterGt == 0 && !tc.jitter && st.JitterMs > 0.01 {
					t.Errorf("JitterMs = %v, want 0 for packets arriving on their timestamps", st.JitterMs)
				}
				if tc.jitterGt > 0 && st.JitterMs <= tc.jitterGt {
					t.Errorf("JitterMs = %v, want > %v after a late burst", st.JitterMs, tc.jitterGt)
				}
				if tc.freezes == 0 && math.Abs(st.FPS-30) > 1.5 {
					t.Errorf("FPS = %v, want about 30", st.FPS)
				}
				if st.BitrateKbps <= 0 {
					t.Errorf("BitrateKbps = %v, want > 0", st.BitrateKbps)
				}
			})
		})
	}
}

func TestVideoLossRequestsKeyframePromptly(t *testing.T) {
	pkts, aus := buildStream(streamOpts{frames: 90, gop: 60, ssrc: 9, seq: 10, ts: 1000})
	var kept []arrival
	var lostAt time.Duration
	for _, a := range pkts {
		if int(a.p.Timestamp-1000)/testFrameTicks == 30 {
			lostAt = a.at
			continue // frame 30 vanishes entirely
		}
		kept = append(kept, a)
	}
	h := newHarness(t, aus)
	h.run(t, kept)
	if want := append(seqRange(0, 30), seqRange(60, 90)...); !equalInts(h.dec.decoded, want) {
		t.Fatalf("decoded %v, want %v (nothing after the loss: the next keyframe is frame 60)", h.dec.decoded, want)
	}
	if len(h.requests) < 2 {
		t.Fatalf("%d keyframe requests, want the start one and one after the loss", len(h.requests))
	}
	base := h.requests[0]
	after := h.requests[1].Sub(base) - lostAt
	if after < 0 || after > reorderDelay+100*time.Millisecond {
		t.Errorf("keyframe requested %v after the loss, want within the reorder delay", after)
	}
	if st := h.video.Stats(); st.PacketsLost == 0 {
		t.Errorf("PacketsLost = 0 after losing a whole frame")
	}
}

func TestVideoSSRCChange(t *testing.T) { readModes(t, testVideoSSRCChange) }

func testVideoSSRCChange(t *testing.T, buffered bool) {
	first, aus := buildStream(streamOpts{frames: 30, gop: 30, ssrc: 1, seq: 500, ts: 1000})
	// The second stream repeats the same pictures under a new SSRC and sequence.
	second, _ := buildStream(streamOpts{frames: 30, gop: 30, ssrc: 2, seq: 40000, ts: 1000, offset: time.Second})
	h := newHarness(t, aus)
	h.buffered = buffered
	h.run(t, append(first, second...))
	// Each stream delivers all its frames, the last at its marker.
	want := append(seqRange(0, 30), seqRange(0, 30)...)
	if !equalInts(h.dec.decoded, want) {
		t.Fatalf("decoded %v, want %v", h.dec.decoded, want)
	}
	if st := h.video.Stats(); st.PacketsLost != 0 {
		t.Errorf("PacketsLost = %d across an SSRC change, want 0", st.PacketsLost)
	}
}

func TestVideoRun(t *testing.T) {
	pkts, aus := buildStream(streamOpts{frames: 10, gop: 10, ssrc: 1, seq: 1, ts: 1000})
	readErr := errors.New("track broke")
	cases := []struct {
		name    string
		cancel  int // cancel the context before reading packet n; -1 never
		srcErr  error
		wantErr error
	}{
		{"eof is a clean end", -1, nil, nil},
		{"read error is returned", -1, readErr, readErr},
		{"cancelled before start", 0, nil, context.Canceled},
		{"cancelled while reading", 5, nil, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, aus)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &fakeSource{pkts: pkts, clk: h.clk, base: h.clk.t, err: tc.srcErr}
			if tc.cancel >= 0 {
				src.onRead = func(i int) {
					if i == tc.cancel {
						cancel()
					}
				}
				if tc.cancel == 0 {
					cancel()
				}
			}
			err := h.video.Run(ctx, src)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run = %v, want %v", err, tc.wantErr)
			}
			if err := h.video.Run(ctx, src); !errors.Is(err, ErrRunning) {
				t.Fatalf("second Run = %v, want ErrRunning", err)
			}
		})
	}
}

func TestNewVideoErrors(t *testing.T) {
	if _, err := NewVideo(VideoConfig{MimeType: "video/MP4V-ES"}, &fakeDecoder{}); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("unknown codec: err = %v, want ErrUnsupportedCodec", err)
	}
	if _, err := NewVideo(VideoConfig{MimeType: MimeTypeVP8}, nil); !errors.Is(err, ErrNoDecoder) {
		t.Errorf("nil decoder: err = %v, want ErrNoDecoder", err)
	}
	v, err := NewVideo(VideoConfig{MimeType: "video/vp9"}, &fakeDecoder{})
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Stats(); st.Codec != "VP9" || st.Frames != 0 || st.FPS != 0 {
		t.Errorf("fresh stats = %+v", st)
	}
}

func TestFrameClock(t *testing.T) {
	base := time.Unix(0, 0)
	cases := []struct {
		name   string
		gaps   []time.Duration
		freeze int
	}{
		{"steady 30 fps", repeat(33*time.Millisecond, 40), 0},
		{"gap over median+150 ms", append(repeat(33*time.Millisecond, 20), 200*time.Millisecond, 33*time.Millisecond), 1},
		{"gap of 4 intervals under median+150 ms", append(repeat(33*time.Millisecond, 20), 140*time.Millisecond), 0},
		{"gap under 3 intervals", append(repeat(33*time.Millisecond, 20), 90*time.Millisecond), 0},
		{"2 s before the median is known", []time.Duration{33 * time.Millisecond, 2 * time.Second}, 1},
		{"steady 1 fps is no freeze", repeat(time.Second, 10), 0},
		{"5 s gap at 1 fps", append(repeat(time.Second, 10), 5*time.Second), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c frameClock
			now := base
			c.add(now)
			n := 0
			for _, g := range tc.gaps {
				now = now.Add(g)
				if c.add(now) {
					n++
				}
			}
			if n != tc.freeze {
				t.Fatalf("freezes = %d, want %d", n, tc.freeze)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	r := make([]time.Duration, n)
	for i := range r {
		r[i] = d
	}
	return r
}

func TestUnwrap(t *testing.T) {
	for _, tc := range []struct {
		seq  uint16
		ref  int64
		want int64
	}{
		{5, 65535 + 65536, 65536*2 + 5},
		{65535, 65536*2 + 3, 65536 + 65535},
		{100, 65536 + 90, 65536 + 100},
	} {
		if got := unwrap(tc.seq, tc.ref); got != tc.want {
			t.Errorf("unwrap(%d, %d) = %d, want %d", tc.seq, tc.ref, got, tc.want)
		}
	}
}

// TestVideoPausedDecodesNothing: while paused, access units still reach
// OnAccessUnit (a recording goes on) but none is decoded; on resuming, the
// first picture decoded is a keyframe, asked for at once.
func TestVideoPausedDecodesNothing(t *testing.T) {
	pkts, aus := buildStream(streamOpts{frames: 90, gop: 30, ssrc: 5, seq: 100, ts: 2000})
	h := newHarness(t, aus)
	var handed []int
	var resumedAt time.Time
	h.video.cfg.OnAccessUnit = func(au AccessUnit, _ bool) {
		i, _ := frameIndex(au.Data)
		handed = append(handed, i)
		switch i {
		case 10:
			h.video.SetPaused(true)
		case 40:
			h.video.SetPaused(false)
			resumedAt = h.clk.t
		}
	}
	h.run(t, pkts)
	if want := seqRange(0, 90); !equalInts(handed, want) {
		t.Errorf("handed on %v, want every access unit %v", handed, want)
	}
	if want := append(seqRange(0, 11), seqRange(60, 90)...); !equalInts(h.dec.decoded, want) {
		t.Errorf("decoded %v, want %v (paused after 10, resumed after 40, the next keyframe is 60)", h.dec.decoded, want)
	}
	var asked bool
	for _, r := range h.requests {
		if d := r.Sub(resumedAt); d >= 0 && d <= 100*time.Millisecond {
			asked = true
		}
	}
	if !asked {
		t.Errorf("no keyframe requested within 100 ms of resuming (requests at %v, resumed at %v)", h.requests, resumedAt)
	}
	if h.video.Paused() {
		t.Error("still paused")
	}
}

// TestVideoSequenceJumps: sequence numbers follow RFC 3550 A.1. A sender
// that restarts its sequence, ahead or behind, is followed from the next
// keyframe once a second packet confirms the jump; a lone packet far from
// the sequence changes nothing. Late packets within the reorder window
// (1000, above MAX_MISORDER since a resent packet may be that far behind)
// are reordered, not taken for a jump.
func TestVideoSequenceJumps(t *testing.T) {
	stray := func(p []arrival, at int, delta uint16) []arrival {
		q := *p[at].p
		q.SequenceNumber += delta
		out := append([]arrival(nil), p[:at]...)
		out = append(out, arrival{&q, p[at].at})
		return append(out, p[at:]...)
	}
	cases := []struct {
		name   string
		second uint16 // the restarted sequence's first number; 0: none
		mangle func([]arrival) []arrival
		want   []int
	}{
		{name: "restart 20000 ahead", second: 500 + 20000, want: append(seqRange(0, 30), seqRange(0, 30)...)},
		{name: "restart 20000 behind", second: 1<<16 + 500 - 20000, want: append(seqRange(0, 30), seqRange(0, 30)...)},
		// Further back than the reorder window, within MAX_DROPOUT: not
		// late packets to drop until the sender catches up.
		{name: "restart 1500 behind", second: 1<<16 + 500 - 1500, want: append(seqRange(0, 30), seqRange(0, 30)...)},
		{name: "restart across the wrap", second: 500 + 40000, want: append(seqRange(0, 30), seqRange(0, 30)...)},
		{
			name:   "a lone packet 20000 ahead",
			mangle: func(p []arrival) []arrival { return stray(p, len(p)/2, 20000) },
			want:   seqRange(0, 30),
		},
		{
			name:   "a lone packet 20000 behind",
			mangle: func(p []arrival) []arrival { return stray(p, len(p)/2, 1<<16-20000) },
			want:   seqRange(0, 30),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			readModes(t, func(t *testing.T, buffered bool) {
				pkts, aus := buildStream(streamOpts{frames: 30, gop: 30, ssrc: 7, seq: 500, ts: 1000})
				if tc.mangle != nil {
					pkts = tc.mangle(pkts)
				}
				if tc.second != 0 {
					again, _ := buildStream(streamOpts{frames: 30, gop: 30, ssrc: 7, seq: tc.second, ts: 1000, offset: time.Second})
					pkts = append(pkts, again...)
				}
				h := newHarness(t, aus)
				h.buffered = buffered
				h.run(t, pkts)
				if !equalInts(h.dec.decoded, tc.want) {
					t.Fatalf("decoded %v\nwant %v", h.dec.decoded, tc.want)
				}
				if st := h.video.Stats(); st.PacketsLost != 0 {
					t.Errorf("PacketsLost = %d, want 0", st.PacketsLost)
				}
			})
		})
	}
}
