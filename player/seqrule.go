package player

import "github.com/pion/rtp"

const (
	// maxDropout is RFC 3550 appendix A.1's MAX_DROPOUT: a packet up to
	// this many sequence numbers ahead of the highest one continues the
	// stream (what lies between is lost); one further ahead is a jump.
	maxDropout = 3000
	// maxMisorder is RFC 3550 appendix A.1's MAX_MISORDER: a packet up to
	// this many sequence numbers behind the highest one is late (reordered)
	// or a duplicate; one further behind is a jump. The RFC derives it
	// from 2 s of misordering at 50 packets/s; a receiver that holds more
	// packets than that for reordering passes its own, larger, bound.
	maxMisorder = 100
)

// seqVerdict is what the sequence rule makes of a packet.
type seqVerdict int

const (
	// seqNext: the packet is the newest of its stream so far, possibly
	// after a loss of up to maxDropout-1 packets.
	seqNext seqVerdict = iota
	// seqLate: the packet is the newest one again or at most the misorder
	// bound behind it: reordered, resent or a duplicate. Whether its place
	// was already consumed is the caller's to know.
	seqLate
	// seqHeld: the packet jumped away from the stream; it is held until the
	// next packet says whether it starts a new sequence.
	seqHeld
	// seqRestart: the held packet and this one follow each other: the
	// sender restarted its sequence (or lost more than maxDropout packets)
	// and the stream starts again at the held packet.
	seqRestart
)

// seqRule validates the sequence numbers of one RTP stream (one SSRC) as
// RFC 3550 appendix A.1's update_seq does: a packet within maxDropout ahead
// or the misorder bound behind the newest one belongs to the stream;
// anything else is a jump, believed only when the next packet received
// carries the following sequence number (the RFC's bad_seq). Unlike the
// RFC's code, the first packet of a confirmed jump is not lost: it is held
// and handed back with the confirmation. A new stream is valid from its
// first packet (no MIN_SEQUENTIAL probation): the SSRC is already
// authenticated by SRTP. Audio (Reorder) and video (Video) use it alike.
//
// The zero value is not usable: make it with newSeqRule.
type seqRule struct {
	misorder uint16
	started  bool
	// highest is the extended sequence number of the newest packet of the
	// stream; extended numbers start at 1<<16 so that late packets never
	// go below zero.
	highest int64
	// held is the packet that jumped, waiting for its successor.
	held *rtp.Packet
}

// newSeqRule returns a rule treating packets up to misorder sequence numbers
// behind the newest as late; below maxMisorder it uses maxMisorder.
func newSeqRule(misorder int) seqRule {
	return seqRule{misorder: uint16(min(max(misorder, maxMisorder), 1<<16-maxDropout-1))}
}

// check classifies p and returns its extended sequence number. With
// seqRestart it also returns the held packet, which comes right before p in
// the new sequence (its extended number is ext-1); the extended numbers of
// the new sequence are not comparable with those of the old one.
func (r *seqRule) check(p *rtp.Packet) (v seqVerdict, ext int64, held *rtp.Packet) {
	seq := p.SequenceNumber
	if !r.started {
		r.started, r.held = true, nil
		r.highest = int64(seq) + 1<<16
		return seqNext, r.highest, nil
	}
	switch d := seq - uint16(r.highest); {
	case d != 0 && d < maxDropout:
		r.highest += int64(d)
		return seqNext, r.highest, nil
	case d == 0 || d >= -r.misorder:
		return seqLate, r.highest - int64(-d), nil
	}
	if h := r.held; h != nil && seq == h.SequenceNumber+1 {
		r.held = nil
		r.highest = int64(seq) + 1<<16
		return seqRestart, r.highest, h
	}
	r.held = p
	return seqHeld, 0, nil
}
