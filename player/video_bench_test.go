package player

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// benchDecoder decodes nothing and emits one reused frame per access unit.
type benchDecoder struct{ f Frame }

func (d *benchDecoder) Decode(au AccessUnit, emit func(*Frame)) error {
	d.f.PTS = au.PTS
	emit(&d.f)
	return nil
}
func (d *benchDecoder) SetOutputSize(int, int) {}
func (d *benchDecoder) Close() error           { return nil }

// loopSource replays a pool of packetized frames forever, renumbering them
// as one endless 25 fps stream and moving a fake clock to each frame's
// time; it ends after n frames.
type loopSource struct {
	pool  [][]*rtp.Packet
	clk   *fakeClock
	n     int
	frame int
	pkt   int
	seq   uint16
}

func (s *loopSource) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	if s.frame == s.n {
		return nil, nil, io.EOF
	}
	f := s.pool[s.frame%len(s.pool)]
	p := f[s.pkt]
	if s.pkt == 0 {
		s.clk.t = s.clk.t.Add(40 * time.Millisecond)
	}
	p.SequenceNumber = s.seq
	p.Timestamp = uint32(s.frame * 3600)
	s.seq++
	s.pkt++
	if s.pkt == len(f) {
		s.frame, s.pkt = s.frame+1, 0
	}
	return p, nil, nil
}

// BenchmarkVideoReceive pushes a clean 25 fps H.264 stream (a 40 kB
// keyframe every 50 frames, 4 kB deltas, 1200-byte packets) through
// player.Video with a decoder that does nothing: the cost per frame
// (ns/op, allocs/op) of reordering, depacketizing and keyframe gating.
func BenchmarkVideoReceive(b *testing.B) {
	pool, _ := receivePool()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	dec := &benchDecoder{}
	v, err := NewVideo(VideoConfig{MimeType: MimeTypeH264, Now: clk.now}, dec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := v.Run(context.Background(), &loopSource{pool: pool, clk: clk, n: b.N}); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if st := v.Stats(); b.N > 1 && st.Frames < uint64(b.N-1) {
		b.Fatalf("%d frames decoded of %d", st.Frames, b.N)
	}
}

// readerSource is a loopSource read as pion's TrackRemote is: Read
// marshals the next packet into the caller's buffer, and ReadRTP does
// what pion's does, a new receive-MTU buffer and packet per call.
type readerSource struct{ loopSource }

func (s *readerSource) Read(b []byte) (int, interceptor.Attributes, error) {
	p, _, err := s.loopSource.ReadRTP()
	if err != nil {
		return 0, nil, err
	}
	n, err := p.MarshalTo(b)
	return n, nil, err
}

func (s *readerSource) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	b := make([]byte, 1460)
	n, _, err := s.Read(b)
	if err != nil {
		return nil, nil, err
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(b[:n]); err != nil {
		return nil, nil, err
	}
	return p, nil, nil
}

// receivePool packetizes frames as BenchmarkVideoReceive sends them: a
// 40 kB keyframe every 50 frames, 4 kB deltas, 1200-byte packets.
func receivePool() ([][]*rtp.Packet, int) {
	pay := &codecs.H264Payloader{}
	pool := make([][]*rtp.Packet, 500)
	packets := 0
	for i := range pool {
		key := i%50 == 0
		size := 4000
		if key {
			size = 40000
		}
		for _, pl := range pay.Payload(1200, synthAU(i, key, size)) {
			pool[i] = append(pool[i], &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1}, Payload: pl})
		}
		pool[i][len(pool[i])-1].Marker = true
		packets += len(pool[i])
	}
	return pool, packets
}
