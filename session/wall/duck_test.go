package wall_test

import (
	"math"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

// TestRouterDucksAHalfDuplexTileWhileTalking: a heard tile playing a
// 440 Hz tone at -12 dBFS reaches the speaker at its level before a talk,
// DuckGain lower (not silent) while a talk to it runs, and at its level
// again after; the gain ramps over DuckRamp, with no step larger than the
// ramp allows.
func TestRouterDucksAHalfDuplexTileWhileTalking(t *testing.T) {
	sp := &fakeSpeaker{buffered: time.Second} // a running speaker: every frame written straight away
	r := wall.NewRouter(sp)
	r.SetHeard("acc/a")
	a := r.Sink("acc/a")
	d, ok := a.(session.Ducker)
	if !ok {
		t.Fatal("the router's sink is no session.Ducker")
	}
	tone := audio.Tone(440, -12, speakerFormat, time.Second)
	frame := speakerFormat.Samples(20 * time.Millisecond)
	var pos int
	// play sends dur of the tone and returns what the speaker got.
	play := func(dur time.Duration) []int16 {
		n0 := len(sp.writes)
		for end := pos + speakerFormat.Samples(dur); pos < end; pos += frame {
			i := pos % len(tone)
			a.PlayAudio(tone[i:i+frame], speakerFormat)
		}
		var out []int16
		for _, w := range sp.writes[n0:] {
			out = append(out, w...)
		}
		return out
	}
	level := func(p []int16) float64 { // the left channel's
		left := make([]int16, 0, len(p)/speakerFormat.Channels)
		for i := 0; i < len(p); i += speakerFormat.Channels {
			left = append(left, p[i])
		}
		return audio.ToneLevel(left, speakerFormat.SampleRate, 440)
	}
	before := play(200 * time.Millisecond)
	d.Duck(true)
	if !r.Ducked("acc/a") {
		t.Fatal("Duck(true) left the tile unducked")
	}
	during := play(300 * time.Millisecond)
	d.Duck(false)
	after := play(300 * time.Millisecond)

	ramp := speakerFormat.Samples(wall.DuckRamp)
	lb, ld, la := level(before), level(during[ramp:]), level(after[ramp:])
	t.Logf("440 Hz before %.1f dB, while talking %.1f dB, after %.1f dB", lb, ld, la)
	if math.Abs(lb-(-12)) > 1 {
		t.Fatalf("before the talk the tone played at %.1f dB, want -12", lb)
	}
	if got := ld - lb; math.Abs(got-wall.DuckGain) > 1 {
		t.Fatalf("while talking the tone played %.1f dB lower, want %.0f", -got, -wall.DuckGain)
	}
	if math.Abs(la-lb) > 1 {
		t.Fatalf("after the talk the tone played at %.1f dB, want %.1f", la, lb)
	}
	// The ramp: each sample's gain moves at most the whole range over
	// DuckRamp (plus rounding), so the duck never clicks.
	amp := 32767 * math.Pow(10, -12.0/20)
	maxStep := amp*(1-math.Pow(10, wall.DuckGain/20))/float64(ramp/speakerFormat.Channels) + 2*math.Pi*440/float64(speakerFormat.SampleRate)*amp + 2
	for _, seg := range [][]int16{during, after} {
		for i := speakerFormat.Channels; i < ramp; i += speakerFormat.Channels {
			if step := math.Abs(float64(seg[i]) - float64(seg[i-speakerFormat.Channels])); step > maxStep {
				t.Fatalf("the gain jumped: a step of %.0f at sample %d (at most %.0f)", step, i, maxStep)
			}
		}
	}
}
