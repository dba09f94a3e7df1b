package session

import (
	"testing"

	"github.com/lookout-app/lookout/audio"
)

// TestConcealment: lost frames are stood in for by their length of silence,
// at most 100 ms of the output format.
func TestConcealment(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lost, last int
		f          audio.Format
		want       int
	}{
		{"nothing lost", 0, 160, audio.Format{SampleRate: 8000, Channels: 1}, 0},
		{"nothing heard yet", 3, 0, audio.Format{SampleRate: 8000, Channels: 1}, 0},
		{"one frame", 1, 160, audio.Format{SampleRate: 8000, Channels: 1}, 160},
		{"five frames: exactly 100 ms", 5, 160, audio.Format{SampleRate: 8000, Channels: 1}, 800},
		{"a long gap is capped", 2999, 160, audio.Format{SampleRate: 8000, Channels: 1}, 800},
		{"stereo 48 kHz capped", 2999, 1920, audio.Format{SampleRate: 48000, Channels: 2}, 9600},
		{"stereo 48 kHz within the cap", 2, 1920, audio.Format{SampleRate: 48000, Channels: 2}, 3840},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := concealment(tc.lost, tc.last, tc.f); got != tc.want {
				t.Fatalf("concealment(%d, %d, %+v) = %d, want %d", tc.lost, tc.last, tc.f, got, tc.want)
			}
		})
	}
}
