package aec

import (
	"math"
	"testing"
	"time"
)

// TestERLE: in the simulated room with the speaker's 440 Hz coming back at
// -6 dB and nobody speaking, the Processor's ERLE reads what the cleaning
// did to the echo (at least 25 dB, within 2 dB of the echo's drop measured
// on the samples, all frequencies, over the last second); with echo cancellation off, or before the speaker plays
// anything, there is no figure.
func TestERLE(t *testing.T) {
	for _, d := range []time.Duration{30 * time.Millisecond, 120 * time.Millisecond} {
		p := newProc(t, Options{})
		if _, ok := p.ERLE(); ok {
			t.Fatal("an ERLE before the speaker played anything")
		}
		raw := roomRun{delay: d, echoGain: -6}.run(t, nil)
		clean := roomRun{delay: d, echoGain: -6}.run(t, p)
		// The drop of the microphone's whole energy over the last second.
		last := mic48.Samples(time.Second)
		drop := 10 * math.Log10(energy(raw[len(raw)-last:])/math.Max(energy(clean[len(clean)-last:]), 1))
		erle, ok := p.ERLE()
		t.Logf("%v: ERLE %.1f dB; the echo measured %.1f dB lower", d, erle, drop)
		if !ok || erle < 25 {
			t.Errorf("%v: ERLE %.1f dB (%v), want 25 or more", d, erle, ok)
		}
		if math.Abs(erle-drop) > 2 {
			t.Errorf("%v: ERLE %.1f dB, but the echo fell %.1f dB", d, erle, drop)
		}
	}
	off := newProc(t, Options{NoEcho: true})
	roomRun{delay: 80 * time.Millisecond, echoGain: -6}.run(t, off)
	if erle, ok := off.ERLE(); ok {
		t.Errorf("ERLE %.1f dB with echo cancellation off", erle)
	}
}
