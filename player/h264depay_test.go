package player

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp/codecs"
)

// TestH264DepacketizerMatchesPion: over streams pion's own payloader cut
// into single NAL units, STAP-A and FU-A at several MTUs, and over the
// malformed payloads both define, the depacketizer gives pion's
// H264Packet's bytes and errors, packet by packet, while appending to one
// buffer.
func TestH264DepacketizerMatchesPion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mtu := range []uint16{100, 600, 1200} {
		var stream []byte
		for i := range 200 {
			typ := []byte{7, 8, 5, 1, 1, 6, 1}[i%7]
			size := 1 + rng.IntN(4000)
			if typ == 7 || typ == 8 {
				size = 4 + rng.IntN(20)
			}
			nal := make([]byte, size)
			for j := range nal {
				nal[j] = byte(rng.Uint32())
			}
			nal[0] = 0x60 | typ
			// No start code inside a NAL unit, as in a valid stream.
			for j := 2; j < len(nal); j++ {
				if nal[j-2] == 0 && nal[j-1] == 0 && nal[j] <= 3 {
					nal[j] = 4
				}
			}
			stream = append(append(stream, 0, 0, 0, 1), nal...)
		}
		payloads := (&codecs.H264Payloader{}).Payload(mtu, stream)
		kinds := map[byte]int{}
		ours, theirs := &h264Depacketizer{}, &codecs.H264Packet{}
		var got, want []byte
		for i, p := range payloads {
			kinds[p[0]&0x1f]++
			w, werr := theirs.Unmarshal(p)
			var err error
			before := len(got)
			got, err = ours.appendUnit(got, p)
			if (err != nil) != (werr != nil) || !bytes.Equal(got[before:], w) {
				t.Fatalf("mtu %d, payload %d (type %d): got %d bytes (err %v), pion %d bytes (err %v)",
					mtu, i, p[0]&0x1f, len(got)-before, err, len(w), werr)
			}
			want = append(want, w...)
		}
		if !bytes.Equal(got, stream) || !bytes.Equal(want, stream) {
			t.Errorf("mtu %d: the stream did not come back whole (ours %d bytes, pion %d, sent %d)", mtu, len(got), len(want), len(stream))
		}
		if mtu == 1200 && (kinds[24] == 0 || kinds[28] == 0 || kinds[1] == 0) {
			t.Errorf("mtu %d: payload types %v, want single units, STAP-A (24) and FU-A (28)", mtu, kinds)
		}
	}

	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"type 0", []byte{0x00, 1, 2}},
		{"STAP-B", []byte{25, 0, 1, 0, 1, 9}},
		{"FU-B", []byte{29, 0x85, 1}},
		{"FU-A without a header", []byte{28}},
		{"STAP-A declaring more than it has", []byte{24, 0, 9, 0x65, 1}},
		{"STAP-A with a trailing byte", []byte{24, 0, 2, 0x67, 1, 7}},
		{"STAP-A with an empty unit", []byte{24, 0, 0, 0, 1, 0x68}},
	} {
		ours, theirs := &h264Depacketizer{}, &codecs.H264Packet{}
		w, werr := theirs.Unmarshal(tc.payload)
		g, err := ours.appendUnit([]byte("kept"), tc.payload)
		if (err != nil) != (werr != nil) || !bytes.Equal(g, append([]byte("kept"), w...)) {
			t.Errorf("%s: got %q (err %v), pion %q (err %v)", tc.name, g, err, w, werr)
		}
	}
}

// TestH264DepacketizerBoundsFragments: FU-A fragments that never end are
// dropped past maxH264Fragments instead of growing without bound.
func TestH264DepacketizerBoundsFragments(t *testing.T) {
	d := &h264Depacketizer{}
	frag := append([]byte{28, 0x05}, make([]byte, 1400)...)
	var err error
	for i := 0; i < maxH264Fragments/1400+2 && err == nil; i++ {
		_, err = d.appendUnit(nil, frag)
	}
	if err == nil || len(d.fu) != 0 {
		t.Fatalf("after %d MB of fragments: err %v, %d bytes kept", maxH264Fragments>>20, err, len(d.fu))
	}
	end := []byte{28, 0x45, 0xaa}
	got, err := d.appendUnit(nil, end)
	if err != nil || !bytes.Equal(got, []byte{0, 0, 0, 1, 0x05, 0xaa}) {
		t.Errorf("the next unit: % x (err %v), want only its own fragment", got, err)
	}
}

// BenchmarkH264Depacketize: one 640x360 camera picture's worth of FU-A
// packets a loop, into one buffer as the assembler does.
func BenchmarkH264Depacketize(b *testing.B) {
	nal := append([]byte{0, 0, 0, 1, 0x41}, bytes.Repeat([]byte{0x9a}, 6000)...)
	payloads := (&codecs.H264Payloader{}).Payload(1200, nal)
	for _, bc := range []struct {
		name string
		d    func() unitAppender
	}{
		{"ours", func() unitAppender { return &h264Depacketizer{} }},
		{"pion", func() unitAppender { return pionAppender{&codecs.H264Packet{}} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := bc.d()
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = buf[:0]
				for _, p := range payloads {
					buf, _ = d.appendUnit(buf, p)
				}
			}
		})
	}
}

type pionAppender struct{ p *codecs.H264Packet }

func (a pionAppender) appendUnit(dst, payload []byte) ([]byte, error) {
	b, err := a.p.Unmarshal(payload)
	return append(dst, b...), err
}
