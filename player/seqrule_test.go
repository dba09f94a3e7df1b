package player

import (
	"testing"

	"github.com/pion/rtp"
)

// TestSeqRule: the verdicts of RFC 3550 A.1's rule, packet by packet.
func TestSeqRule(t *testing.T) {
	const (
		next    = seqNext
		late    = seqLate
		held    = seqHeld
		restart = seqRestart
	)
	for _, tc := range []struct {
		name     string
		misorder int
		in       []uint16
		want     []seqVerdict
	}{
		{"in order across the wrap", 0, []uint16{65534, 65535, 0, 1}, []seqVerdict{next, next, next, next}},
		{"a gap just within the dropout", 0, []uint16{10, 10 + 2999}, []seqVerdict{next, next}},
		{"a gap of the dropout is a jump", 0, []uint16{10, 10 + 3000, 10 + 3001}, []seqVerdict{next, held, restart}},
		{"duplicate of the newest", 0, []uint16{10, 10}, []seqVerdict{next, late}},
		{"late within the misorder", 0, []uint16{1000, 900}, []seqVerdict{next, late}},
		{"late past the misorder is a jump", 0, []uint16{1000, 800, 801}, []seqVerdict{next, held, restart}},
		{"a jump not confirmed", 0, []uint16{1000, 30000, 1001, 30002}, []seqVerdict{next, held, next, held}},
		{"a jump confirmed after the stream went on", 0, []uint16{1000, 30000, 1001, 30001}, []seqVerdict{next, held, next, restart}},
		// Video holds up to reorderPackets for retransmissions: two
		// packets resent 500 behind are late, not a new sequence.
		{"video: resent 500 behind", reorderPackets, []uint16{1000, 500, 501}, []seqVerdict{next, late, late}},
		{"audio: resent 500 behind is a jump", maxMisorder, []uint16{1000, 500, 501}, []seqVerdict{next, held, restart}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSeqRule(tc.misorder)
			for i, s := range tc.in {
				if v, _, _ := r.check(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}}); v != tc.want[i] {
					t.Fatalf("packet %d (%d): verdict %d, want %d", i, s, v, tc.want[i])
				}
			}
		})
	}
}
