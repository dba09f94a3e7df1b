package player

import "github.com/pion/rtp"

// Reorder puts RTP packets of one stream back in sequence order within a
// small window, for audio, where every packet is one frame: Push returns
// the packets that are now in order and how many were given up as lost
// (a gap is skipped once more than Window packets wait behind it).
// Duplicates and packets older than what was already returned are dropped.
//
// Sequence numbers follow RFC 3550 appendix A.1 (seqRule): a packet more
// than 3000 ahead of the newest or more than 100 behind it is a jump,
// dropped unless the next packet follows it, in which case the sender
// restarted its sequence and playback goes on from there, with nothing
// counted as lost. So a lone stray number changes nothing, a sender jumping
// back is followed after one packet instead of being dropped until it
// catches up, and a jump ahead is never a loss of thousands of packets.
type Reorder struct {
	Window  int
	rule    seqRule
	next    int64 // extended number of the next packet to return
	pending map[int64]*rtp.Packet
}

// NewReorder returns a reorder buffer holding at most window packets.
func NewReorder(window int) *Reorder {
	return &Reorder{Window: max(window, 1), rule: newSeqRule(maxMisorder), pending: map[int64]*rtp.Packet{}}
}

// Push adds p and returns the packets now in order, and the lost count.
func (r *Reorder) Push(p *rtp.Packet) (out []*rtp.Packet, lost int) {
	v, ext, held := r.rule.check(p)
	switch v {
	case seqHeld:
		return nil, 0
	case seqRestart:
		// What waited behind a gap of the old sequence is played first:
		// the gap itself is not a loss of the new sequence.
		out = r.flush()
		r.next = ext - 1
		r.pending[ext-1] = held
	case seqNext:
		if r.next == 0 { // extended numbers start at 1<<16
			r.next = ext // the stream's first packet
		}
	}
	if _, dup := r.pending[ext]; dup || ext < r.next {
		return out, 0 // late or duplicate: already played past it
	}
	r.pending[ext] = p
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
		// Too much is waiting behind the gap: give the missing packets up,
		// up to the oldest one waiting.
		oldest := r.oldest()
		lost += int(oldest - r.next)
		r.next = oldest
	}
}

// oldest returns the lowest extended number pending.
func (r *Reorder) oldest() int64 {
	first := true
	var o int64
	for k := range r.pending {
		if first || k < o {
			o, first = k, false
		}
	}
	return o
}

// flush returns every pending packet in sequence order and empties the buffer.
func (r *Reorder) flush() []*rtp.Packet {
	var out []*rtp.Packet
	for len(r.pending) > 0 {
		k := r.oldest()
		out = append(out, r.pending[k])
		delete(r.pending, k)
	}
	return out
}
