package session

import (
	"bytes"

	"github.com/pion/rtp"

	"github.com/lookout-app/lookout/player"
)

// audioReader reads a remote audio track's packets into one receive buffer
// of its own and gives each packet a copy of its bytes, sized to the
// packet. pion's ReadRTP makes a new receive-MTU buffer (1460 bytes) for
// each packet, about eight times an Opus or G.711 packet, 50 times a
// second on every tile, listened to or not: a quarter of everything a
// 16-tile wall allocated (docs/PERFORMANCE.md, "Issue 22, sixth round").
// A packet is the caller's to keep (the reorder buffer holds a few), and
// the next read leaves it unchanged.
type audioReader struct {
	src player.RTPBufferReader
	buf []byte
	// malformed counts packets skipped because they did not parse.
	malformed int
}

func newAudioReader(src player.RTPBufferReader) *audioReader {
	return &audioReader{src: src, buf: make([]byte, player.PacketBuffer)}
}

// next returns the track's next packet, skipping any that does not parse
// as RTP; the error is the track's (io.EOF once it ended).
func (r *audioReader) next() (*rtp.Packet, error) {
	for {
		n, _, err := r.src.Read(r.buf)
		if err != nil {
			return nil, err
		}
		p := &rtp.Packet{}
		if err := p.Unmarshal(bytes.Clone(r.buf[:n])); err != nil {
			r.malformed++
			continue
		}
		return p, nil
	}
}
