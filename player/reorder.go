package player

import "github.com/pion/rtp"

// Reorder puts RTP packets of one stream back in sequence order within a
// small window, for audio, where every packet is one frame: Push returns
// the packets that are now in order and how many were given up as lost
// (a gap is skipped once more than Window packets arrived after it).
// Duplicates and packets older than what was already returned are dropped.
type Reorder struct {
	Window  int
	next    uint16
	started bool
	pending map[uint16]*rtp.Packet
}

// NewReorder returns a reorder buffer holding at most window packets.
func NewReorder(window int) *Reorder {
	return &Reorder{Window: max(window, 1), pending: map[uint16]*rtp.Packet{}}
}

// Push adds p and returns the packets now in order, and the lost count.
func (r *Reorder) Push(p *rtp.Packet) (out []*rtp.Packet, lost int) {
	if !r.started {
		r.started, r.next = true, p.SequenceNumber
	}
	if d := int16(p.SequenceNumber - r.next); d < 0 {
		return nil, 0 // late or duplicate: already played past it
	}
	if _, dup := r.pending[p.SequenceNumber]; dup {
		return nil, 0
	}
	r.pending[p.SequenceNumber] = p
	for {
		if q, ok := r.pending[r.next]; ok {
			delete(r.pending, r.next)
			out = append(out, q)
			r.next++
			continue
		}
		if len(r.pending) <= r.Window {
			return out, lost
		}
		// Too much is waiting behind the gap: give the missing packet up.
		r.next++
		lost++
	}
}
