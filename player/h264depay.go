package player

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pion/rtp/codecs"
)

// maxH264Fragments bounds the bytes of one NAL unit being put together
// from FU-A fragments: far above any camera's picture, so that a stream of
// fragments that never ends cannot take the memory.
const maxH264Fragments = 16 << 20

var errH264Short = errors.New("player: H.264 RTP payload too short")

// unitAppender is a depacketizer that appends what a packet carries of an
// access unit to a buffer of the caller's, so that the assembler builds
// each access unit without a new slice per packet.
type unitAppender interface {
	appendUnit(dst, payload []byte) ([]byte, error)
}

// h264Depacketizer turns H.264 RTP payloads (RFC 6184: single NAL units,
// STAP-A and FU-A, packetization modes 0 and 1) into Annex-B byte streams,
// the same bytes as pion's codecs.H264Packet gives
// (TestH264DepacketizerMatchesPion), but appended to the caller's buffer:
// pion's makes a new slice for every packet and every NAL unit, a fifth of
// what a 16-tile wall allocated (docs/PERFORMANCE.md, "Issue 22, sixth
// round"). FU-A fragments gather in a buffer it keeps from one unit to the
// next. Like pion's, it takes fragments in the order given, and a unit
// whose end never comes is carried into the next call.
type h264Depacketizer struct {
	codecs.H264Packet // IsPartitionHead and IsPartitionTail
	fu                []byte
}

var annexBStart = []byte{0, 0, 0, 1}

// Unmarshal returns the Annex-B bytes payload completes (none for a
// fragment that does not end its NAL unit).
func (d *h264Depacketizer) Unmarshal(payload []byte) ([]byte, error) {
	return d.appendUnit(nil, payload)
}

func (d *h264Depacketizer) appendUnit(dst, payload []byte) ([]byte, error) {
	if len(payload) == 0 {
		return dst, errH264Short
	}
	switch t := payload[0] & 0x1f; {
	case t >= 1 && t <= 23: // a single NAL unit
		return append(append(dst, annexBStart...), payload...), nil
	case t == 24: // STAP-A: 16-bit sizes, each followed by its NAL unit
		n := len(dst)
		for off := 1; len(payload)-off >= 2; {
			size := int(binary.BigEndian.Uint16(payload[off:]))
			off += 2
			if len(payload)-off < size {
				return dst[:n], fmt.Errorf("%w: STAP-A unit of %d bytes in %d", errH264Short, size, len(payload)-off)
			}
			dst = append(append(dst, annexBStart...), payload[off:off+size]...)
			off += size
		}
		return dst, nil
	case t == 28: // FU-A: indicator, header (S, E, type), fragment
		if len(payload) < 2 {
			return dst, errH264Short
		}
		if len(d.fu)+len(payload) > maxH264Fragments {
			d.fu = d.fu[:0]
			return dst, fmt.Errorf("player: H.264 fragmented unit over %d bytes", maxH264Fragments)
		}
		d.fu = append(d.fu, payload[2:]...)
		if payload[1]&0x40 == 0 {
			return dst, nil
		}
		dst = append(append(dst, annexBStart...), payload[0]&0x60|payload[1]&0x1f)
		dst = append(dst, d.fu...)
		d.fu = d.fu[:0]
		return dst, nil
	}
	return dst, fmt.Errorf("player: H.264 NAL unit type %d not handled", payload[0]&0x1f)
}
