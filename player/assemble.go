package player

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

const (
	// ringSize is how many packets the assembler can index: a power of two
	// above reorderPackets, so that a packet arriving up to
	// ringSize-reorderPackets sequence numbers past the newest one still has
	// a free slot.
	ringSize = 2048
	ringMask = ringSize - 1
)

// assembled is one access unit put together by an assembler. Its slices
// are the assembler's own buffers: they are valid until emit returns.
type assembled struct {
	// data is the depacketized access unit.
	data []byte
	// headers are the RTP headers of its packets, in sequence order.
	headers []*rtp.Header
	// ts is the RTP timestamp of its packets.
	ts uint32
	// first and last are the extended sequence numbers of its first and
	// last packets.
	first, last int64
	// gap reports that packets were given up as lost, or dropped as parts
	// of incomplete or undecodable frames, since the previous access unit
	// (or since the stream began).
	gap bool
}

// assembler puts the RTP packets of one video stream back in sequence
// order and depacketizes them into access units, each handed to emit as
// soon as it is complete: all its packets are present, from the packet
// after the previous frame's last one (or from a packet the depacketizer
// calls the head of a partition) up to the packet carrying the RTP marker
// bit. A stream that never sets the marker, or sets it before the end of
// an access unit, has its frames ended by the first packet of the next
// frame (a new timestamp) instead, one frame interval later.
//
// A missing packet is waited for up to delay after it was first noticed
// missing (a later packet arrived), or until window packets are held,
// which leaves time for a NACK retransmission; then it is given up, with
// the incomplete frames around it, and the next access unit reports a gap.
// Packets older than the ones consumed, and duplicates, are dropped.
//
// The assembler keeps the packets it is given (it never modifies them),
// indexes them in a fixed ring of ringSize slots and reuses its output
// buffers, so steady state allocates nothing but what the depacketizer
// does. With free set, it hands each packet back once it is done with it
// (after the access unit built from it was emitted), so that the caller
// can recycle the packet and its payload's buffer. It is not safe for
// concurrent use.
type assembler struct {
	newDepay func() rtp.Depacketizer
	depay    rtp.Depacketizer
	emit     func(*assembled)
	// free, when set, is given every packet the assembler is done with
	// (consumed, dropped, late or a duplicate): Video's packet pool
	// recycles it. The assembler never touches a packet after freeing it.
	free   func(*rtp.Packet)
	delay  time.Duration
	window int64

	// ring holds the packets from next to highest by extended sequence
	// number; arrived holds, for each slot in that range, when its packet
	// arrived or, for a missing one, when it was noticed missing.
	ring    [ringSize]*rtp.Packet
	arrived [ringSize]time.Duration
	base    time.Time

	started bool
	// consumed: a packet was emitted or dropped; before that, an older
	// packet still moves the start of the stream back.
	consumed bool
	// next is the extended sequence number of the oldest packet not yet
	// consumed; highest the newest one held.
	next, highest int64
	// scan caches the frame search: the packets next..scan-1 are present,
	// share next's timestamp and none of them ends the frame.
	scan int64
	// atStart: the packet at next begins a frame (the one before it ended
	// a frame). After a loss it is false until a partition head shows up.
	atStart bool
	// noMarkers is set once the stream showed that its marker bits do not
	// end access units: from then on only a new timestamp does.
	noMarkers bool
	// lastTS is the timestamp of the last frame consumed, and lastMarker
	// whether the marker bit ended it.
	lastTS     uint32
	haveLastTS bool
	lastMarker bool
	// gap is reported with the next access unit emitted.
	gap bool

	out     assembled
	data    []byte
	headers []*rtp.Header
}

// newAssembler returns an assembler depacketizing with depacketizers made
// by newDepay and handing each access unit to emit.
func newAssembler(newDepay func() rtp.Depacketizer, delay time.Duration, window int, emit func(*assembled)) *assembler {
	return &assembler{
		newDepay: newDepay,
		depay:    newDepay(),
		emit:     emit,
		delay:    delay,
		window:   int64(min(window, ringSize/2)),
	}
}

// reset forgets the stream (for a new SSRC or after a sequence jump) and
// keeps the buffers.
func (a *assembler) reset() {
	for i, p := range a.ring {
		if p != nil {
			a.ring[i] = nil
			a.freePacket(p)
		}
	}
	a.depay = a.newDepay()
	a.started, a.consumed, a.noMarkers = false, false, false
	a.atStart, a.haveLastTS, a.lastMarker, a.gap = false, false, false, false
}

// push adds p, received at now, and emits the access units it completes,
// and those whose missing packets were waited for long enough.
func (a *assembler) push(p *rtp.Packet, now time.Time) {
	if !a.started {
		a.started = true
		a.base = now
		ext := int64(p.SequenceNumber) + 1<<16
		a.next, a.highest, a.scan = ext, ext, ext
	}
	t := now.Sub(a.base)
	ext := unwrap(p.SequenceNumber, a.highest)
	switch {
	case ext < a.next:
		if a.consumed || a.highest-ext >= a.window {
			a.freePacket(p)
			return // late or duplicate: its place was consumed already
		}
		// Nothing consumed yet: the stream starts earlier than its first
		// packet to arrive. The packets between are missing from now.
		for k := ext + 1; k < a.next; k++ {
			a.arrived[k&ringMask] = t
		}
		a.next, a.scan = ext, ext
	case ext-a.next >= ringSize:
		// Far past everything held (a loss burst longer than the ring):
		// nothing held can be completed any more.
		a.dropHeld()
		a.next, a.highest, a.scan = ext, ext, ext
		a.atStart = false
	case ext > a.highest:
		for k := a.highest + 1; k < ext; k++ {
			a.arrived[k&ringMask] = t // noticed missing
		}
	}
	i := ext & ringMask
	if a.ring[i] != nil {
		a.freePacket(p)
		return // duplicate
	}
	a.ring[i], a.arrived[i] = p, t
	a.highest = max(a.highest, ext)
	a.assemble(t)
}

// dropHeld gives up every packet held.
func (a *assembler) dropHeld() {
	for k := a.next; k <= a.highest && k < a.next+ringSize; k++ {
		a.freeSlot(k)
	}
	a.gap, a.consumed = true, true
}

// freeSlot empties the slot of k and frees its packet.
func (a *assembler) freeSlot(k int64) {
	if p := a.ring[k&ringMask]; p != nil {
		a.ring[k&ringMask] = nil
		a.freePacket(p)
	}
}

func (a *assembler) freePacket(p *rtp.Packet) {
	if a.free != nil {
		a.free(p)
	}
}

// expired reports whether the missing packet m has been waited for long
// enough, or the window is full.
func (a *assembler) expired(m int64, t time.Duration) bool {
	return a.highest-a.next >= a.window || t-a.arrived[m&ringMask] > a.delay
}

// assemble emits and drops what the packets held allow.
func (a *assembler) assemble(t time.Duration) {
	for a.next <= a.highest {
		p := a.ring[a.next&ringMask]
		if p == nil {
			if !a.expired(a.next, t) {
				return
			}
			// Give the missing packets up, up to the next one present.
			for a.next < a.highest && a.ring[a.next&ringMask] == nil {
				a.next++
			}
			a.scan = a.next
			a.gap, a.consumed, a.atStart = true, true, false
			continue
		}
		if len(p.Payload) == 0 {
			// Padding only (a bandwidth probe): neither a frame nor a loss.
			a.release(a.next, a.next)
			continue
		}
		if a.atStart && !a.noMarkers && a.lastMarker && a.haveLastTS && p.Timestamp == a.lastTS {
			// The marker bit ended the previous access unit early: this
			// sender's markers do not mark access units. Its frames end
			// at a new timestamp from now on.
			a.noMarkers = true
		}
		end, marker, complete := a.findEnd()
		if !complete {
			full := a.highest-a.next >= a.window
			if !full && (a.scan > a.highest || !a.expired(a.scan, t)) {
				return // the frame's next packet is still to come
			}
			// A packet of this frame is lost, or the frame does not fit
			// the window: drop it.
			a.lastTS, a.haveLastTS, a.lastMarker = p.Timestamp, true, false
			a.release(a.next, a.scan-1)
			a.gap, a.atStart = true, false
			continue
		}
		startOK := a.atStart ||
			(a.depay.IsPartitionHead(p.Payload) && (!a.haveLastTS || p.Timestamp != a.lastTS))
		a.lastTS, a.haveLastTS, a.lastMarker = p.Timestamp, true, marker
		if !startOK {
			// The rest of a frame whose beginning was lost.
			a.release(a.next, end)
			a.gap, a.atStart = true, true
			continue
		}
		a.atStart = true
		a.build(a.next, end, p.Timestamp)
	}
}

// findEnd looks for the end of the frame starting at next: the packet with
// the marker bit (marker true), or the packet before one with another
// timestamp. complete is false when a packet before the end is missing or
// yet to come; scan is then that packet's number.
func (a *assembler) findEnd() (end int64, marker, complete bool) {
	ts := a.ring[a.next&ringMask].Timestamp
	for ; a.scan <= a.highest; a.scan++ {
		q := a.ring[a.scan&ringMask]
		if q == nil {
			return 0, false, false
		}
		if a.scan > a.next && q.Timestamp != ts {
			return a.scan - 1, false, true
		}
		if q.Marker && !a.noMarkers {
			return a.scan, true, true
		}
	}
	return 0, false, false
}

// release frees the slots from..to and moves next past them.
func (a *assembler) release(from, to int64) {
	for k := from; k <= to; k++ {
		a.freeSlot(k)
	}
	a.next, a.scan, a.consumed = to+1, to+1, true
}

// build depacketizes the packets from..to into one access unit and emits
// it; a packet the depacketizer rejects drops the frame instead.
func (a *assembler) build(from, to int64, ts uint32) {
	a.data, a.headers = a.data[:0], a.headers[:0]
	ok := true
	for k := from; k <= to; k++ {
		q := a.ring[k&ringMask]
		a.headers = append(a.headers, &q.Header)
		if len(q.Payload) == 0 || !ok {
			continue
		}
		var err error
		if d, app := a.depay.(unitAppender); app {
			a.data, err = d.appendUnit(a.data, q.Payload)
		} else {
			var b []byte
			b, err = a.depay.Unmarshal(q.Payload)
			a.data = append(a.data, b...)
		}
		if err != nil {
			// Start over with a clean depacketizer: a half-built
			// fragmented unit must not leak into the next frame.
			a.depay = a.newDepay()
			ok = false
			continue
		}
	}
	if ok {
		a.out = assembled{data: a.data, headers: a.headers, ts: ts, first: from, last: to, gap: a.gap}
		a.gap = false
		a.emit(&a.out)
		if a.free != nil && keepsPayload(a.depay) {
			// Its next unit must not continue a fragment whose bytes lie
			// in packets about to be recycled: no valid stream carries a
			// fragment across access units.
			a.depay = a.newDepay()
		}
	} else {
		a.gap = true
	}
	clear(a.headers) // do not keep the packets alive
	// Freed only now: the headers handed to emit point into the packets.
	a.release(from, to)
}

// keepsPayload reports whether d keeps slices of the payloads it is given
// from one Unmarshal to the next rather than copies: pion's H.265 and AV1
// depacketizers hold the fragments of a unit split across packets that
// way. (h264Depacketizer copies its fragments into a buffer of its own; VP8 and
// VP9 keep nothing between packets.)
func keepsPayload(d rtp.Depacketizer) bool {
	switch d.(type) {
	case *codecs.H265Depacketizer, *codecs.AV1Depacketizer:
		return true
	}
	return false
}
