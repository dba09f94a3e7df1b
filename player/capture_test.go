package player

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestCaptureLatency sends a stream whose packets carry the
// abs-capture-time extension and checks that each picture gets its capture
// time and that the stats turn it into capture-to-decoded and
// capture-to-paint latencies on a fixed clock.
func TestCaptureLatency(t *testing.T) {
	const (
		frames = 10
		// captured is how long before its first packet arrives a picture
		// was captured.
		captured = 12 * time.Millisecond
		// A picture is decoded when its own last packet (with the marker
		// bit) arrives.
		wantDecoded = captured
		paintDelay  = 7 * time.Millisecond
	)
	cases := []struct {
		name      string
		sendID    uint8 // 0: the sender carries no capture time
		configID  uint8
		firstOnly bool // only the first packet of each picture has it
		want      time.Duration
	}{
		{"every packet", 3, 3, false, wantDecoded},
		{"first packet of each picture", 5, 5, true, wantDecoded},
		{"sender without the extension", 0, 3, false, 0},
		{"receiver without the negotiated id", 3, 0, false, 0},
		{"another extension under the id", 4, 3, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pkts, aus := buildStream(streamOpts{frames: frames, gop: frames, ssrc: 7, seq: 100, ts: 1000})
			h := newHarness(t, aus)
			h.video.cfg.CaptureTimeExt = tc.configID
			base := h.clk.t
			lastTS := uint32(0)
			for i, a := range pkts {
				idx := int(a.p.Timestamp-1000) / testFrameTicks
				first := i == 0 || a.p.Timestamp != lastTS
				lastTS = a.p.Timestamp
				if tc.sendID == 0 || (tc.firstOnly && !first) {
					continue
				}
				at := base.Add(time.Duration(idx)*time.Second/30 - captured)
				b, err := rtp.NewAbsCaptureTimeExtension(at).Marshal()
				if err != nil {
					t.Fatal(err)
				}
				q := *a.p
				if err := q.Header.SetExtension(tc.sendID, b); err != nil {
					t.Fatal(err)
				}
				pkts[i].p = roundTrip(&q)
			}
			h.run(t, pkts)
			if len(h.sink.frames) != frames {
				t.Fatalf("%d pictures delivered, want %d", len(h.sink.frames), frames)
			}
			s := h.video.Stats()
			if d := s.DecodedLatency - tc.want; d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("DecodedLatency = %v, want %v", s.DecodedLatency, tc.want)
			}
			for i, f := range h.sink.frames {
				want := time.Time{}
				if tc.want != 0 {
					want = base.Add(time.Duration(i)*time.Second/30 - captured)
				}
				if d := f.Capture.Sub(want); d > time.Microsecond || d < -time.Microsecond || f.Capture.IsZero() != want.IsZero() {
					t.Errorf("picture %d: Capture = %v, want %v", i, f.Capture, want)
				}
			}
			last := h.sink.frames[len(h.sink.frames)-1]
			h.clk.t = h.clk.t.Add(paintDelay)
			h.video.Painted(last)
			wantPaint := time.Duration(0)
			if tc.want != 0 {
				wantPaint = h.clk.t.Sub(last.Capture)
			}
			if got := h.video.Stats().PaintLatency; got != wantPaint {
				t.Errorf("PaintLatency = %v, want %v", got, wantPaint)
			}
		})
	}
}

// TestLatencyMeterMedian checks the median over the last latencyHistory
// measurements.
func TestLatencyMeterMedian(t *testing.T) {
	cases := []struct {
		name string
		add  []time.Duration
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []time.Duration{5}, 5},
		{"odd", []time.Duration{9, 1, 5}, 5},
		{"old ones forgotten", append(repeat(100, latencyHistory), repeat(3, latencyHistory/2)...), 100},
		{"overtaken", append(repeat(100, latencyHistory), repeat(3, latencyHistory/2+1)...), 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m latencyMeter
			for _, d := range tc.add {
				m.add(d)
			}
			if got := m.median(); got != tc.want {
				t.Errorf("median = %v, want %v", got, tc.want)
			}
		})
	}
}
