package player

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Ops drive an assembler through a packetized stream (assembleScript): each
// byte is an operation in its low 3 bits and an argument in the high 5.
const (
	opDeliver = 0 // deliver the next packet, then let arg ms pass
	opDrop    = 3 // lose the next packet
	opDup     = 4 // deliver the next packet and keep it queued (a duplicate)
	opDefer   = 5 // move the next packet arg places later
	opWait    = 6 // let arg*25 ms pass
	opReplay  = 7 // deliver again the packet delivered arg deliveries ago
)

func op(code, arg int) byte { return byte(code | arg<<3) }

// deliverN delivers n packets.
func deliverN(n int) []byte { return bytes.Repeat([]byte{op(opDeliver, 0)}, n) }

// assemblyStream is the stream every assembler script runs on: 30 frames
// at 30 fps, a keyframe every 10 (5 packets: STAP-A with SPS and PPS, then
// four FU-A), deltas of 1 or 2 packets, sequence numbers wrapping at frame 2.
func assemblyStream(noMarkers bool) ([]arrival, map[int][]byte) {
	pkts, aus := buildStream(streamOpts{frames: 30, gop: 10, ssrc: 3, seq: 65530, ts: 1000})
	if noMarkers {
		for i := range pkts {
			q := *pkts[i].p
			q.Marker = false
			pkts[i].p = &q
		}
	}
	return pkts, aus
}

// packetsOf returns the positions in pkts of frame's packets.
func packetsOf(pkts []arrival, frame int) []int {
	var r []int
	for i, a := range pkts {
		if int(a.p.Timestamp-1000)/testFrameTicks == frame {
			r = append(r, i)
		}
	}
	return r
}

// unit is what a script saw emitted.
type unit struct {
	frame       int
	data        []byte
	headers     int
	first, last int64
	gap         bool
	at          time.Duration // since the stream's first packet was sent
}

// runScript plays ops over pkts into a fresh assembler and returns what it
// emitted. A packet arrives no earlier than it was sent (its at); the
// packets left when the ops run out are delivered in order.
func runScript(pkts []arrival, ops []byte, window int) []unit {
	queue := slices.Clone(pkts)
	var delivered []arrival
	var clock time.Duration
	base := time.Unix(1_700_000_000, 0)
	var got []unit
	a := newAssembler(func() rtp.Depacketizer { return &codecs.H264Packet{} }, reorderDelay, window, func(u *assembled) {
		got = append(got, unit{
			frame: int(u.ts-1000) / testFrameTicks, data: slices.Clone(u.data), headers: len(u.headers),
			first: u.first, last: u.last, gap: u.gap, at: clock,
		})
	})
	deliver := func(p arrival) {
		clock = max(clock, p.at)
		delivered = append(delivered, p)
		a.push(p.p, base.Add(clock))
	}
	for _, b := range ops {
		arg := int(b >> 3)
		switch int(b & 7) {
		case opDrop:
			if len(queue) > 0 {
				queue = queue[1:]
			}
		case opDup:
			if len(queue) > 0 {
				deliver(queue[0])
			}
		case opDefer:
			if len(queue) > 0 {
				k := min(arg, len(queue)-1)
				p := queue[0]
				copy(queue, queue[1:k+1])
				queue[k] = p
			}
		case opWait:
			clock += time.Duration(arg) * 25 * time.Millisecond
		case opReplay:
			if len(delivered) > 0 {
				deliver(delivered[len(delivered)-1-arg%len(delivered)])
			}
		default:
			if len(queue) > 0 {
				deliver(queue[0])
				queue = queue[1:]
				clock += time.Duration(arg) * time.Millisecond
			}
		}
	}
	for _, p := range queue {
		deliver(p)
	}
	return got
}

// checkUnits checks what holds for any script: units in sequence and
// timestamp order, each frame once, each a suffix of the frame sent, its
// headers one per packet.
func checkUnits(got []unit, aus map[int][]byte) error {
	for i, u := range got {
		if i > 0 && (u.frame <= got[i-1].frame || u.first <= got[i-1].last) {
			return fmt.Errorf("unit %d (frame %d, packets %d-%d) after frame %d (packets %d-%d)",
				i, u.frame, u.first, u.last, got[i-1].frame, got[i-1].first, got[i-1].last)
		}
		if u.headers != int(u.last-u.first+1) {
			return fmt.Errorf("frame %d: %d headers for packets %d-%d", u.frame, u.headers, u.first, u.last)
		}
		if len(u.data) == 0 || !bytes.HasSuffix(aus[u.frame], u.data) {
			return fmt.Errorf("frame %d: %d bytes that do not end the %d sent", u.frame, len(u.data), len(aus[u.frame]))
		}
	}
	return nil
}

type assembleCase struct {
	name      string
	noMarkers bool
	window    int // 0: reorderPackets
	ops       func(pkts []arrival) []byte
	want      []int // frames emitted, in order
	gaps      []int // frames reported after a gap
	partial   []int // frames emitted without their first packets
	// late is how long after its own last packet was sent each frame is
	// emitted, for frames not in lateFrames; lateFrames holds the others'
	// bounds.
	late       time.Duration
	lateFrames map[int][2]time.Duration
}

// dropAt loses the packets at the given positions and delivers the rest in order.
func dropAt(pos ...int) func([]arrival) []byte {
	return func(pkts []arrival) []byte {
		var ops []byte
		for i := range pkts {
			if slices.Contains(pos, i) {
				ops = append(ops, op(opDrop, 0))
			} else {
				ops = append(ops, op(opDeliver, 0))
			}
		}
		return ops
	}
}

func assembleCases() []assembleCase {
	stream, _ := assemblyStream(false)
	key10 := packetsOf(stream, 10)
	delta4 := packetsOf(stream, 4) // frame 4 is 1500 bytes: two packets
	frame2 := packetsOf(stream, 2)
	frame0 := packetsOf(stream, 0)
	return []assembleCase{
		{
			name: "in order, each frame at its marker",
			ops:  func(p []arrival) []byte { return deliverN(len(p)) },
			want: seqRange(0, 30),
		},
		{
			name: "reordered within each frame",
			ops: func(p []arrival) []byte {
				var ops []byte
				for f := range 30 {
					n := len(packetsOf(p, f))
					if n > 1 && f > 0 {
						ops = append(ops, op(opDefer, n-1)) // the first packet last
					}
					ops = append(ops, deliverN(n)...)
				}
				return ops
			},
			want: seqRange(0, 30),
		},
		{
			// Nothing tells that an earlier packet of the stream's first
			// frame is still to come: the frame goes without it (the
			// decoder asks for a keyframe if it cannot start there).
			name:    "the first frame's first packet after its marker",
			ops:     func(p []arrival) []byte { return []byte{op(opDefer, len(frame0)-1)} },
			want:    seqRange(0, 30),
			partial: []int{0},
		},
		{
			name: "duplicates and replays",
			ops: func(p []arrival) []byte {
				var ops []byte
				for i := range p {
					ops = append(ops, op(opDup, 0), op(opDeliver, 0), op(opReplay, i%7))
				}
				return ops
			},
			want: seqRange(0, 30),
		},
		{
			name: "a packet resent within the reorder delay",
			ops: func(p []arrival) []byte {
				// The first packet of frame 4 arrives after frame 11's
				// last, 233 ms late, as a retransmission would.
				return append(deliverN(delta4[0]), op(opDefer, packetsOf(p, 12)[0]-delta4[0]-1))
			},
			want:       seqRange(0, 30),
			lateFrames: lateFrom(4, 11),
		},
		{
			name: "a lost packet given up after the reorder delay",
			ops:  dropAt(delta4[0]),
			want: append(seqRange(0, 4), seqRange(5, 30)...),
			gaps: []int{5},
			// Frame 5 and the frames after it wait from when the loss is
			// noticed (frame 4's second packet) until a packet arrives
			// more than reorderDelay later: frame 20.
			lateFrames: lateFrom(5, 20),
		},
		{
			name: "a whole frame lost",
			ops:  dropAt(frame2...),
			want: append(seqRange(0, 2), seqRange(3, 30)...),
			gaps: []int{3},
			// Noticed at frame 3's first packet, given up at frame 19's.
			lateFrames: lateFrom(3, 19),
		},
		{
			name:    "a keyframe's parameter sets lost",
			ops:     dropAt(key10[0]),
			want:    seqRange(0, 30),
			gaps:    []int{10},
			partial: []int{10},
			// The missing packet is waited for, from when the IDR's first
			// fragment arrives until frame 26's first packet; then that
			// fragment, a partition head, starts a frame.
			lateFrames: lateFrom(10, 26),
		},
		{
			name: "a keyframe's first fragment lost",
			ops:  dropAt(key10[1]),
			want: append(seqRange(0, 10), seqRange(11, 30)...),
			gaps: []int{11},
			// Noticed at the second fragment, given up at frame 26's packet.
			lateFrames: lateFrom(11, 26),
		},
		{
			name: "joined in the middle of a frame",
			ops:  dropAt(frame0[0], frame0[1]),
			want: seqRange(1, 30),
			gaps: []int{1},
			// The rest of frame 0 is no frame start: dropped at once.
		},
		{
			name: "first packets reordered",
			ops: func(p []arrival) []byte {
				// The keyframe's parameter sets arrive after two of its
				// fragments, the first of them a partition head.
				return []byte{op(opDefer, 2)}
			},
			want: seqRange(0, 30),
		},
		{
			name:      "no marker bits: a frame ends at the next timestamp",
			noMarkers: true,
			ops:       func(p []arrival) []byte { return deliverN(len(p)) },
			want:      seqRange(0, 29),
			late:      time.Second / 30,
		},
		{
			name:   "a full window gives a missing packet up at once",
			window: 8,
			ops:    dropAt(delta4[0]),
			want:   append(seqRange(0, 4), seqRange(5, 30)...),
			gaps:   []int{5},
			// Behind the missing packet: frame 4's second, 5, 6, 7 (two
			// packets), 8 and 9, seven packets; frame 10's first is the
			// eighth and gives the missing packet up.
			lateFrames: lateFrom(5, 10),
		},
	}
}

// lateFrom bounds the emission of frames from..until-1 to the moment frame
// until's first packet arrives.
func lateFrom(from, until int) map[int][2]time.Duration {
	m := map[int][2]time.Duration{}
	for i := from; i < until; i++ {
		d := time.Duration(until-i) * time.Second / 30
		m[i] = [2]time.Duration{d, d}
	}
	return m
}

// TestAssembler: access units are emitted as soon as they are complete,
// lost packets are waited for up to reorderDelay (or a full window) and
// then given up with their frame, and the next unit reports the gap.
func TestAssembler(t *testing.T) {
	for _, tc := range assembleCases() {
		t.Run(tc.name, func(t *testing.T) {
			pkts, aus := assemblyStream(tc.noMarkers)
			window := tc.window
			if window == 0 {
				window = reorderPackets
			}
			got := runScript(pkts, tc.ops(pkts), window)
			if err := checkUnits(got, aus); err != nil {
				t.Fatal(err)
			}
			var frames, gaps []int
			for _, u := range got {
				frames = append(frames, u.frame)
				if u.gap {
					gaps = append(gaps, u.frame)
				}
				if whole := !slices.Contains(tc.partial, u.frame); whole != bytes.Equal(u.data, aus[u.frame]) {
					t.Errorf("frame %d: %d of %d bytes, want whole %v", u.frame, len(u.data), len(aus[u.frame]), whole)
				}
				sent := time.Duration(u.frame) * time.Second / 30
				lo, hi := tc.late, tc.late
				if b, ok := tc.lateFrames[u.frame]; ok {
					lo, hi = b[0], b[1]
				}
				if late := u.at - sent; late < lo-time.Millisecond || late > hi+time.Millisecond {
					t.Errorf("frame %d emitted %v after it was sent, want %v to %v", u.frame, late, lo, hi)
				}
			}
			if !equalInts(frames, tc.want) {
				t.Errorf("frames %v\nwant %v", frames, tc.want)
			}
			if !equalInts(gaps, tc.gaps) {
				t.Errorf("gaps before frames %v, want %v", gaps, tc.gaps)
			}
		})
	}
}

// TestAssemblerMarkerOnEveryPacket: a sender whose marker bit ends every
// packet, not every access unit, loses one unit's split (its first packet
// is emitted alone) and from then on has its frames ended by the next
// timestamp.
func TestAssemblerMarkerOnEveryPacket(t *testing.T) {
	pkts, aus := assemblyStream(false)
	for i := range pkts {
		q := *pkts[i].p
		q.Marker = true
		pkts[i].p = &q
	}
	got := runScript(pkts, deliverN(len(pkts)), reorderPackets)
	var frames []int
	for _, u := range got {
		frames = append(frames, u.frame)
	}
	// Frame 0 comes as its parameter sets, then the rest once frame 1
	// starts; from frame 1 on each frame is whole, one frame late.
	if want := append([]int{0}, seqRange(0, 29)...); !equalInts(frames, want) {
		t.Fatalf("frames %v, want %v", frames, want)
	}
	if !bytes.Equal(append(slices.Clone(got[0].data), got[1].data...), aus[0]) {
		t.Errorf("frame 0's two parts are not frame 0")
	}
	for _, u := range got[2:] {
		if !bytes.Equal(u.data, aus[u.frame]) {
			t.Errorf("frame %d not whole", u.frame)
		}
	}
}

// TestAssemblerFarJump: a packet further ahead than the ring reaches gives
// up everything held.
func TestAssemblerFarJump(t *testing.T) {
	first, aus := buildStream(streamOpts{frames: 3, gop: 3, ssrc: 1, seq: 100, ts: 1000})
	later, _ := buildStream(streamOpts{frames: 3, gop: 3, ssrc: 1, seq: 100 + ringSize + 10, ts: 1000 + 90000})
	var got []int
	var gaps []bool
	a := newAssembler(func() rtp.Depacketizer { return &codecs.H264Packet{} }, reorderDelay, reorderPackets, func(u *assembled) {
		if !bytes.Equal(u.data, aus[int(u.ts-1000)/testFrameTicks%30]) {
			t.Errorf("timestamp %d: not the frame sent", u.ts)
		}
		got = append(got, int(u.ts-1000)/testFrameTicks)
		gaps = append(gaps, u.gap)
	})
	now := time.Unix(0, 0)
	// Frame 0 whole, frame 1 without its first packet (held), frame 2 not yet.
	for i, p := range first {
		if i != packetsOf(first, 1)[0] && !slices.Contains(packetsOf(first, 2), i) {
			a.push(p.p, now)
		}
	}
	for _, p := range later {
		a.push(p.p, now)
	}
	if want := []int{0, 30, 31, 32}; !equalInts(got, want) {
		t.Fatalf("frames %v, want %v", got, want)
	}
	if want := []bool{false, true, false, false}; !slices.Equal(gaps, want) {
		t.Errorf("gaps %v, want %v", gaps, want)
	}
}

// TestAssemblerAllocs: on a clean stream the assembler allocates nothing
// per packet but what pion's depacketizer does (VP8: nothing; H.264: the
// Annex-B output of each NAL unit).
func TestAssemblerAllocs(t *testing.T) {
	const runs = 200
	cases := []struct {
		name     string
		newDepay func() rtp.Depacketizer
		pay      rtp.Payloader
		size     int
	}{
		{"VP8", func() rtp.Depacketizer { return &codecs.VP8Packet{} }, &codecs.VP8Payloader{EnablePictureID: true}, 3000},
		{"H264", func() rtp.Depacketizer { return &codecs.H264Packet{} }, &codecs.H264Payloader{}, 3000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rtp.NewPacketizer(1200, 96, 1, tc.pay, rtp.NewRandomSequencer(), 90000)
			frames := make([][]*rtp.Packet, runs+2)
			for i := range frames {
				au := synthAU(i, false, tc.size)
				frames[i] = p.Packetize(au, testFrameTicks)
			}
			emitted := 0
			a := newAssembler(tc.newDepay, reorderDelay, reorderPackets, func(*assembled) { emitted++ })
			now := time.Unix(0, 0)
			for _, q := range frames[0] {
				a.push(q, now) // grows the output buffers
			}
			i := 1
			perFrame := testing.AllocsPerRun(runs, func() {
				now = now.Add(time.Second / 30)
				for _, q := range frames[i] {
					a.push(q, now)
				}
				i++
			})
			if emitted != runs+2 {
				t.Fatalf("%d frames emitted, want %d", emitted, runs+2)
			}
			d := tc.newDepay()
			depay := testing.AllocsPerRun(runs, func() {
				for _, q := range frames[0] {
					if _, err := d.Unmarshal(q.Payload); err != nil {
						t.Fatal(err)
					}
				}
			})
			t.Logf("%s: %.1f allocations per frame of %d packets, the depacketizer alone %.1f",
				tc.name, perFrame, len(frames[0]), depay)
			if perFrame > depay {
				t.Errorf("%.1f allocations per frame, the depacketizer alone makes %.1f", perFrame, depay)
			}
		})
	}
}

// FuzzAssembler plays arbitrary scripts of delivery, loss, duplication,
// reordering and waiting over a packetized stream: the assembler must not
// panic, emit a frame twice or out of order, or emit anything but the end
// of a frame sent.
func FuzzAssembler(f *testing.F) {
	for _, tc := range assembleCases() {
		pkts, _ := assemblyStream(tc.noMarkers)
		f.Add(tc.noMarkers, tc.ops(pkts))
	}
	f.Fuzz(func(t *testing.T, noMarkers bool, ops []byte) {
		pkts, aus := assemblyStream(noMarkers)
		got := runScript(pkts, ops, reorderPackets)
		if err := checkUnits(got, aus); err != nil {
			t.Fatal(err)
		}
		small := runScript(pkts, ops, 8)
		if err := checkUnits(small, aus); err != nil {
			t.Fatalf("window 8: %v", err)
		}
	})
}

// reuseDecoder emits the same frame for every access unit.
type reuseDecoder struct{ f Frame }

func (d *reuseDecoder) Decode(au AccessUnit, emit func(*Frame)) error {
	d.f.PTS = au.PTS
	emit(&d.f)
	return nil
}
func (d *reuseDecoder) SetOutputSize(int, int) {}
func (d *reuseDecoder) Close() error           { return nil }

// TestVideoAllocs: a Video receiving a clean VP8 stream (pion's VP8
// depacketizer allocates nothing) allocates nothing per packet once its
// statistics windows are full: reordering, assembly, keyframe gating,
// capture times and statistics all reuse their memory.
func TestVideoAllocs(t *testing.T) {
	const runs = 300
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	v, err := NewVideo(VideoConfig{MimeType: MimeTypeVP8, Now: clk.now, CaptureTimeExt: 3}, &reuseDecoder{f: Frame{SourceWidth: 2, SourceHeight: 2}})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := rtp.NewAbsCaptureTimeExtension(clk.t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := rtp.NewPacketizer(1200, 96, 1, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	frames := make([][]*rtp.Packet, 2*runs)
	for i := range frames {
		// A keyframe first (VP8 frame tag bit 0 clear, start code), then deltas.
		au := bytes.Repeat([]byte{0x55}, 3000)
		au[0] = 1
		if i == 0 {
			copy(au, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a})
		}
		frames[i] = p.Packetize(au, testFrameTicks)
		for _, q := range frames[i] {
			if err := q.Header.SetExtension(3, ext); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := v.newStream()
	i := 0
	push := func() {
		clk.t = clk.t.Add(time.Second / 30)
		for _, q := range frames[i] {
			v.handlePacket(s, q)
		}
		i++
	}
	for range runs - 1 { // ten seconds: every window and ring at its size
		push()
	}
	perFrame := testing.AllocsPerRun(runs, push)
	if st := v.Stats(); st.Frames != uint64(i) || st.PacketsLost != 0 {
		t.Fatalf("%d frames decoded of %d, %d packets lost", st.Frames, i, st.PacketsLost)
	}
	if perFrame != 0 {
		t.Errorf("%.2f allocations per frame of %d packets, want none", perFrame, len(frames[0]))
	}
}

// TestAssemblerFrameOverWindow: a frame that does not end within the
// window (no marker, no new timestamp) is dropped, and the next frame
// reports the gap.
func TestAssemblerFrameOverWindow(t *testing.T) {
	const window = 8
	var got []uint32
	var gaps []bool
	a := newAssembler(func() rtp.Depacketizer { return &codecs.VP8Packet{} }, reorderDelay, window, func(u *assembled) {
		got = append(got, u.ts)
		gaps = append(gaps, u.gap)
	})
	now := time.Unix(0, 0)
	seq := uint16(65500)
	send := func(ts uint32, n int, marker bool) {
		for i := range n {
			start := byte(0)
			if i == 0 {
				start = 0x10 // VP8 payload descriptor S bit: a partition head
			}
			a.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: marker && i == n-1},
				Payload: []byte{start, 0xaa}}, now)
			seq++
		}
	}
	send(1000, 3, true)
	send(2000, 3*window, false) // never ends within the window
	send(2000, 2, true)         // its end, too late
	send(3000, 2, true)
	if want := []uint32{1000, 3000}; !slices.Equal(got, want) {
		t.Fatalf("timestamps %v, want %v", got, want)
	}
	if want := []bool{false, true}; !slices.Equal(gaps, want) {
		t.Errorf("gaps %v, want %v", gaps, want)
	}
}
