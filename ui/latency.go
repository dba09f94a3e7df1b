package ui

import (
	"fmt"
	"time"

	"github.com/lookout-app/lookout/player"
)

// latencyText is the hover stats' end-to-end latency: from the camera's
// capture of a picture to its decoding and to its hand-over to paint, when
// the camera says when it captured its pictures; "" when it does not, as
// a guess would be worse than nothing.
func latencyText(s player.Stats) string {
	if s.DecodedLatency <= 0 {
		return ""
	}
	ms := func(d time.Duration) int64 { return d.Round(time.Millisecond).Milliseconds() }
	if s.PaintLatency <= 0 {
		return fmt.Sprintf("  latency %d ms to decoded", ms(s.DecodedLatency))
	}
	return fmt.Sprintf("  latency %d ms to decoded, %d ms to paint", ms(s.DecodedLatency), ms(s.PaintLatency))
}
