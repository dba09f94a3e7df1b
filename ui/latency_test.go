package ui

import (
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
)

func TestLatencyText(t *testing.T) {
	tests := []struct {
		name  string
		stats player.Stats
		want  string
	}{
		{"sender without capture time", player.Stats{FPS: 25}, ""},
		{"decoded, not painted yet", player.Stats{DecodedLatency: 43400 * time.Microsecond}, "  latency 43 ms to decoded"},
		{"decoded and painted", player.Stats{DecodedLatency: 43 * time.Millisecond, PaintLatency: 61600 * time.Microsecond},
			"  latency 43 ms to decoded, 62 ms to paint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := latencyText(tc.stats); got != tc.want {
				t.Fatalf("latencyText = %q, want %q", got, tc.want)
			}
		})
	}
}
