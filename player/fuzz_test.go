package player

import (
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// nopDecoder accepts any access unit and emits one frame for each.
type nopDecoder struct{}

func (nopDecoder) Decode(_ AccessUnit, emit func(*Frame)) error {
	emit(&Frame{SourceWidth: 2, SourceHeight: 2})
	return nil
}
func (nopDecoder) SetOutputSize(int, int) {}
func (nopDecoder) Close() error           { return nil }

// chunkSource yields length-prefixed RTP packets from a byte string.
type chunkSource struct{ b []byte }

func (s *chunkSource) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	for len(s.b) >= 2 {
		n := int(binary.BigEndian.Uint16(s.b))
		s.b = s.b[2:]
		n = min(n, len(s.b))
		var p rtp.Packet
		err := p.Unmarshal(s.b[:n])
		s.b = s.b[n:]
		if err == nil {
			return &p, nil, nil
		}
	}
	return nil, nil, io.EOF
}

// FuzzVideoRun feeds arbitrary RTP packets through every depacketizer: a
// clean stream across the sequence wrap, and one whose sender restarts its
// sequence behind, then ahead, with a lone stray number between (RFC 3550
// A.1's jumps).
func FuzzVideoRun(f *testing.F) {
	pkts, _ := buildStream(streamOpts{frames: 6, gop: 3, ssrc: 1, seq: 65534, ts: 1, padding: true})
	var jumps []arrival
	for _, seq := range []uint16{100, 1<<16 + 100 - 1500, 100 - 1500 + 20000} {
		part, _ := buildStream(streamOpts{frames: 3, gop: 3, ssrc: 1, seq: seq, ts: 1})
		jumps = append(jumps, part...)
	}
	stray := *jumps[2].p
	stray.SequenceNumber += 30000
	jumps = append(jumps[:2], append([]arrival{{p: &stray}}, jumps[2:]...)...)
	for _, stream := range [][]arrival{pkts, jumps} {
		var seed []byte
		for _, a := range stream {
			b, _ := a.p.Marshal()
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(b)))
			seed = append(seed, b...)
		}
		for _, c := range videoCodecs {
			f.Add(c.mime, seed)
		}
	}
	f.Fuzz(func(t *testing.T, mime string, stream []byte) {
		v, err := NewVideo(VideoConfig{MimeType: mime, Sink: NewLatest(), RequestKeyframe: func() {}}, nopDecoder{})
		if err != nil {
			return
		}
		if err := v.Run(context.Background(), &chunkSource{b: stream}); err != nil {
			t.Fatalf("Run = %v", err)
		}
		_ = v.Stats()
	})
}
