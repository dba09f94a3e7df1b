package player

import "testing"

func TestDecoderThreads(t *testing.T) {
	tests := []struct {
		name         string
		tiles, cores int
		want         int
	}{
		{"one maximised tile on this machine's 2 cores", 1, 2, 2},
		{"a 2x2 wall on 2 cores", 4, 2, 1},
		{"16 tiles on 2 cores", 16, 2, 1},
		{"as many tiles as cores", 2, 2, 1},
		{"one tile on 1 core", 1, 1, 1},
		{"one tile on 8 cores: capped", 1, 8, 4},
		{"one tile on 64 cores: capped", 1, 64, 4},
		{"2 tiles on 8 cores", 2, 8, 4},
		{"3 tiles on 8 cores: rounded down", 3, 8, 2},
		{"4 tiles on 8 cores", 4, 8, 2},
		{"9 tiles on 8 cores", 9, 8, 1},
		{"no tile yet counts as one", 0, 2, 2},
		{"negative tiles count as one", -3, 2, 2},
		{"no core reported counts as one", 1, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecoderThreads(tc.tiles, tc.cores); got != tc.want {
				t.Errorf("DecoderThreads(%d, %d) = %d, want %d", tc.tiles, tc.cores, got, tc.want)
			}
		})
	}
}
