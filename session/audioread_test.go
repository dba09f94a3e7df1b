package session

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// fakeTrack hands out the packets it was given, one per Read, as a
// TrackRemote does: copied into the caller's buffer.
type fakeTrack struct{ packets [][]byte }

func (f *fakeTrack) Read(b []byte) (int, interceptor.Attributes, error) {
	if len(f.packets) == 0 {
		return 0, nil, io.EOF
	}
	p := f.packets[0]
	f.packets = f.packets[1:]
	if len(p) > len(b) {
		return 0, nil, io.ErrShortBuffer
	}
	return copy(b, p), nil, nil
}

func opusPacket(t testing.TB, seq uint16, fill byte) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960, SSRC: 7},
		Payload: bytes.Repeat([]byte{fill}, 120)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAudioReaderPacketsOutliveTheNextRead: the packets the reorder buffer
// holds keep their bytes while later ones are read into the same buffer;
// a packet that is not RTP is skipped, not the end of the track.
func TestAudioReaderPacketsOutliveTheNextRead(t *testing.T) {
	tr := &fakeTrack{packets: [][]byte{opusPacket(t, 1, 0xa1), {0x01, 0x02}, opusPacket(t, 2, 0xb2), opusPacket(t, 3, 0xc3)}}
	r := newAudioReader(tr)
	var got []*rtp.Packet
	for {
		p, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != 3 || r.malformed != 1 {
		t.Fatalf("read %d packets and skipped %d, want 3 and 1", len(got), r.malformed)
	}
	for i, fill := range []byte{0xa1, 0xb2, 0xc3} {
		p := got[i]
		if p.SequenceNumber != uint16(i+1) || !bytes.Equal(p.Payload, bytes.Repeat([]byte{fill}, 120)) {
			t.Errorf("packet %d: seq %d, payload % x...; want seq %d, 120 bytes of %#x", i, p.SequenceNumber, p.Payload[:4], i+1, fill)
		}
	}
}

// TestAudioReaderAllocatesAboutThePacket: a packet costs its own size and
// a header, not a receive-MTU buffer as pion's ReadRTP (1460 bytes).
func TestAudioReaderAllocatesAboutThePacket(t *testing.T) {
	const n = 20000
	tr := &fakeTrack{}
	for i := range n {
		tr.packets = append(tr.packets, opusPacket(t, uint16(i), byte(i)))
	}
	r := newAudioReader(tr)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		if _, err := r.next(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 400 {
		t.Errorf("%d bytes allocated a packet of %d bytes, want at most 400", per, len(opusPacket(t, 0, 0)))
	}
}
