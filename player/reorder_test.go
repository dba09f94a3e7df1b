package player

import (
	"testing"

	"github.com/pion/rtp"
)

func TestReorder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []uint16
		out   []uint16
		lost  int
		wndow int
	}{
		{"in order", []uint16{1, 2, 3}, []uint16{1, 2, 3}, 0, 3},
		{"swapped", []uint16{1, 3, 2, 4}, []uint16{1, 2, 3, 4}, 0, 3},
		{"duplicate and late", []uint16{1, 2, 2, 1, 3}, []uint16{1, 2, 3}, 0, 3},
		{"loss given up after the window", []uint16{1, 3, 4, 5, 6}, []uint16{1, 3, 4, 5, 6}, 1, 3},
		{"loss still awaited within the window", []uint16{1, 3, 4}, []uint16{1}, 0, 3},
		{"wrap around", []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReorder(tc.wndow)
			var got []uint16
			lost := 0
			for _, s := range tc.in {
				out, l := r.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}})
				lost += l
				for _, p := range out {
					got = append(got, p.SequenceNumber)
				}
			}
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
