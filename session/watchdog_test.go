package session

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player"
)

func TestWatchdogStalled(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 13, 4, 5, 0, time.Local)
	for _, tc := range []struct {
		name      string
		last      time.Time // zero: never a picture
		connected time.Time
		now       time.Time
		stats     player.Stats
		want      string // "" = not stalled
	}{
		{"connected, still within the timeout", time.Time{}, t0, t0.Add(1900 * time.Millisecond), player.Stats{}, ""},
		{"never a picture", time.Time{}, t0, t0.Add(2 * time.Second), player.Stats{}, "no picture: connected, but nothing decoded within 2s"},
		{"never a keyframe", time.Time{}, t0, t0.Add(2 * time.Second), player.Stats{KeyframeRequests: 4},
			"no picture: connected, but nothing decoded within 2s (4 keyframe requests unanswered)"},
		{"recent picture", t0.Add(3 * time.Second), t0, t0.Add(4 * time.Second), player.Stats{}, ""},
		{"picture stopped", t0.Add(3 * time.Second), t0, t0.Add(5 * time.Second), player.Stats{KeyframeRequests: 9}, "no picture since 13:04:08"},
		{"picture of an earlier attempt", t0.Add(-time.Minute), t0, t0.Add(2 * time.Second), player.Stats{KeyframeRequests: 3},
			"no picture since 13:03:05 (3 keyframe requests unanswered)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w watchdog
			if !tc.last.IsZero() {
				w.picture(tc.last)
			}
			err := w.stalled(tc.connected, tc.now, DefaultStallTimeout, tc.stats)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("stalled: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want || !errors.Is(err, ErrNoPicture)):
				t.Fatalf("stalled = %v, want %q (ErrNoPicture)", err, tc.want)
			}
		})
	}
}

func TestWatchdogExemptsSourcesWithoutVideo(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan Plan
		want bool
	}{
		{"camera", Plan{Video: webrtc.RTPTransceiverDirectionRecvonly, Audio: webrtc.RTPTransceiverDirectionSendrecv}, true},
		{"speaker, audio only", Plan{Audio: webrtc.RTPTransceiverDirectionSendonly}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := watches(tc.plan); got != tc.want {
				t.Fatalf("watches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAnswerWait(t *testing.T) {
	connect := 20 * time.Second
	for _, tc := range []struct {
		name    string
		answers []time.Duration
		want    time.Duration
	}{
		{"never answered", nil, connect},
		{"fast source", []time.Duration{30 * time.Millisecond, 80 * time.Millisecond}, time.Second},
		{"slow source", []time.Duration{900 * time.Millisecond, 1500 * time.Millisecond}, 6 * time.Second},
		{"very slow source", []time.Duration{9 * time.Second}, connect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w watchdog
			for _, a := range tc.answers {
				w.answered(a)
			}
			if got := w.answerWait(connect); got != tc.want {
				t.Fatalf("answerWait = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestJitterStaysWithinHalfToWhole(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 200 {
		d := jitter(2 * time.Second)
		if d < time.Second || d > 2*time.Second {
			t.Fatalf("jitter(2s) = %s, want within [1s, 2s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("only %d distinct waits in 200", len(seen))
	}
}
