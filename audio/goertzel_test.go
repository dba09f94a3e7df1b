package audio

import (
	"math"
	"testing"
	"time"
)

func TestToneLevel(t *testing.T) {
	f := Format{SampleRate: 48000, Channels: 1}
	a := Tone(440, -6, f, time.Second)
	b := Tone(1000, -30, f, time.Second)
	mix := make([]int16, len(a))
	for i := range a {
		mix[i] = a[i] + b[i]
	}
	for _, tc := range []struct {
		freq, want float64
	}{{440, -6}, {1000, -30}} {
		if got := ToneLevel(mix, 48000, tc.freq); math.Abs(got-tc.want) > 0.1 {
			t.Errorf("%g Hz at %.2f dBFS, want %g", tc.freq, got, tc.want)
		}
	}
	if got := ToneLevel(a, 48000, 1000); got > -100 {
		t.Errorf("440 Hz reads %.1f dBFS at 1 kHz, want below -100", got)
	}
	if got := ToneLevel(nil, 48000, 1000); got > -200 {
		t.Errorf("nothing reads %.1f dBFS", got)
	}
}
