package player

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
)

type reorderCase struct {
	name   string
	in     []uint16
	out    []uint16
	lost   int
	window int
}

func reorderCases() []reorderCase {
	return []reorderCase{
		{"in order", []uint16{1, 2, 3}, []uint16{1, 2, 3}, 0, 3},
		{"swapped", []uint16{1, 3, 2, 4}, []uint16{1, 2, 3, 4}, 0, 3},
		{"duplicate and late", []uint16{1, 2, 2, 1, 3}, []uint16{1, 2, 3}, 0, 3},
		{"duplicate while waiting", []uint16{1, 3, 3, 2}, []uint16{1, 2, 3}, 0, 3},
		{"loss given up after the window", []uint16{1, 3, 4, 5, 6}, []uint16{1, 3, 4, 5, 6}, 1, 3},
		{"loss still awaited within the window", []uint16{1, 3, 4}, []uint16{1}, 0, 3},
		{"late after its loss was given up", []uint16{1, 3, 4, 5, 6, 2, 7}, []uint16{1, 3, 4, 5, 6, 7}, 1, 3},
		{"wrap around", []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}, 0, 3},
		{"misordered across the wrap", []uint16{65535, 1, 0, 2}, []uint16{65535, 0, 1, 2}, 0, 3},
		// A loss within MAX_DROPOUT is a loss: 997 packets given up at
		// once (the player caps the silence it plays for them).
		{"loss within the dropout", []uint16{1, 2, 1000, 1001, 1002, 1003}, []uint16{1, 2, 1000, 1001, 1002, 1003}, 997, 3},
		{"loss within the dropout across the wrap", []uint16{65000, 65001, 1000, 1001, 1002, 1003}, []uint16{65000, 65001, 1000, 1001, 1002, 1003}, 1534, 3},
		// A jump is followed once the next packet confirms it; nothing
		// is counted lost.
		{"jump forward", []uint16{1, 2, 3, 20000, 20001, 20002}, []uint16{1, 2, 3, 20000, 20001, 20002}, 0, 3},
		{"jump forward across the wrap", []uint16{65000, 65001, 5000, 5001}, []uint16{65000, 65001, 5000, 5001}, 0, 3},
		{"jump back", []uint16{5000, 5001, 5002, 100, 101, 102}, []uint16{5000, 5001, 5002, 100, 101, 102}, 0, 3},
		{"jump back just past the misorder", []uint16{5000, 5001, 4899, 4900, 4901}, []uint16{5000, 5001, 4899, 4900, 4901}, 0, 3},
		{"jump back across the wrap", []uint16{10, 11, 40000, 40001, 40002}, []uint16{10, 11, 40000, 40001, 40002}, 0, 3},
		{"jump back within the misorder is late", []uint16{5000, 5001, 4902, 4903}, []uint16{5000, 5001}, 0, 3},
		{"a lone stray number ahead", []uint16{1, 2, 30000, 3, 4}, []uint16{1, 2, 3, 4}, 0, 3},
		{"a lone stray number behind", []uint16{5000, 5001, 100, 5002}, []uint16{5000, 5001, 5002}, 0, 3},
		{"a jump confirmed after a stray", []uint16{1, 2, 30000, 40000, 40001}, []uint16{1, 2, 40000, 40001}, 0, 3},
		{"a jump duplicated before its confirmation", []uint16{1, 2, 20000, 20000, 20001}, []uint16{1, 2, 20000, 20001}, 0, 3},
		{"a jump plays what waited behind a gap first", []uint16{1, 3, 20000, 20001}, []uint16{1, 3, 20000, 20001}, 0, 3},
		{"reordered after a jump", []uint16{1, 2, 20000, 20001, 20003, 20002}, []uint16{1, 2, 20000, 20001, 20002, 20003}, 0, 3},
	}
}

// runReorder pushes the sequence numbers and returns what came out.
func runReorder(window int, in []uint16) (got []uint16, lost int) {
	r := NewReorder(window)
	for _, s := range in {
		out, l := r.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}})
		lost += l
		for _, p := range out {
			got = append(got, p.SequenceNumber)
		}
	}
	return got, lost
}

// TestReorder: packets come out in order, gaps are given up after the
// window, and sequence jumps follow RFC 3550 A.1 (MAX_DROPOUT 3000,
// MAX_MISORDER 100, a jump believed when the next packet follows it).
func TestReorder(t *testing.T) {
	for _, tc := range reorderCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, lost := runReorder(tc.window, tc.in)
			if len(got) != len(tc.out) || lost != tc.lost {
				t.Fatalf("got %v lost %d, want %v lost %d", got, lost, tc.out, tc.lost)
			}
			for i := range got {
				if got[i] != tc.out[i] {
					t.Fatalf("got %v, want %v", got, tc.out)
				}
			}
		})
	}
}

// FuzzReorder pushes arbitrary sequence numbers: no packet comes out twice,
// a push never gives up MAX_DROPOUT packets or more, and, between jumps,
// what comes out is in sequence order.
func FuzzReorder(f *testing.F) {
	for _, tc := range reorderCases() {
		var b []byte
		for _, s := range tc.in {
			b = binary.BigEndian.AppendUint16(b, s)
		}
		f.Add(uint8(tc.window), b)
	}
	f.Fuzz(func(t *testing.T, window uint8, b []byte) {
		r := NewReorder(int(window % 16))
		seen := map[*rtp.Packet]bool{}
		var prev *rtp.Packet
		for ; len(b) >= 2; b = b[2:] {
			out, lost := r.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: binary.BigEndian.Uint16(b)}})
			if lost < 0 || lost >= maxDropout {
				t.Fatalf("%d lost in one push", lost)
			}
			for _, p := range out {
				if seen[p] {
					t.Fatalf("packet %d came out twice", p.SequenceNumber)
				}
				seen[p] = true
				if prev != nil {
					if d := p.SequenceNumber - prev.SequenceNumber; d == 0 || d >= maxDropout {
						// Only a confirmed jump moves this far, and
						// its two packets come out together.
						if len(out) < 2 {
							t.Fatalf("%d after %d alone", p.SequenceNumber, prev.SequenceNumber)
						}
					}
				}
				prev = p
			}
		}
	})
}
