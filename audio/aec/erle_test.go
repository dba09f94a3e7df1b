package aec

import (
	"math"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// TestERLE: in the simulated room with the speaker's 440 Hz coming back at
// -6 dB and nobody speaking, the Processor's ERLE reads what the cleaning
// did to the echo (at least 25 dB, within 2 dB of the echo's drop measured
// on the samples, all frequencies, over the last second); with echo
// cancellation off, or before the speaker plays anything, there is no
// figure.
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

// gapEcho is the echo's drop measured on the samples, independently of the
// Processor's double-talk detector: the last 2 s of a run with the near
// end speaking syllables (600 ms on, 400 off, the loop starting with the
// window) against the same room's microphone with the near end off and no
// cleaning, over the last 300 ms of each pause (the first 100 ms let the
// near end's tail leave the cleaned output). Capped at 90 dB, as ERLE is.
func gapEcho(raw, clean []int16) float64 {
	var in, out float64
	for _, from := range []time.Duration{700 * time.Millisecond, 1700 * time.Millisecond} {
		a, b := mic48.Samples(from), mic48.Samples(from+300*time.Millisecond)
		in += energy(raw[a:b])
		out += energy(clean[a:b])
	}
	if out <= in*1e-9 {
		return 90
	}
	return min(10*math.Log10(in/out), 90)
}

// TestERLEDoubleTalk is the hover's figure in a call where both ends talk:
// the far end's 440 Hz comes back after 30, 80 and 120 ms at -6 dB while
// the near end speaks 1 kHz syllables at the echo's level. The ERLE
// counts only single-talk frames, so it reads what the canceller does to
// the echo (at least 25 dB, within 3 dB of the drop measured on the
// samples in the pauses against the same room with the near end off),
// not the few dB the whole microphone's energy falls by (our voice is
// rightly kept).
func TestERLEDoubleTalk(t *testing.T) {
	for _, d := range []time.Duration{30 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		p := newProc(t, Options{})
		raw := roomRun{delay: d, echoGain: -6}.run(t, nil)
		clean := roomRun{delay: d, echoGain: -6, near: syllables(-18)}.run(t, p)
		erle, ok := p.ERLE()
		measured := gapEcho(raw, clean)
		whole := 10 * math.Log10(energy(raw)/energy(clean))
		t.Logf("%v: ERLE %.1f dB (%v); the echo measured %.1f dB lower in the pauses; the whole microphone %.1f dB lower",
			d, erle, ok, measured, whole)
		if !ok || erle < 25 {
			t.Errorf("%v: ERLE %.1f dB (%v) in double talk, want 25 or more", d, erle, ok)
		}
		if math.Abs(erle-measured) > 3 {
			t.Errorf("%v: ERLE %.1f dB, but the echo fell %.1f dB", d, erle, measured)
		}
	}
}

// TestERLEHoldsInDoubleTalk: 3 s of the far end alone, then the near end
// talks without pause (a steady 1 kHz at the echo's level) for 3 s more.
// The figure read when the near end starts is still the figure after 3 s
// of double talk, where a plain energy ratio reads about 3 dB.
func TestERLEHoldsInDoubleTalk(t *testing.T) {
	near := make([]int16, mic48.Samples(6*time.Second))
	copy(near[mic48.Samples(3*time.Second):], audio.Tone(1000, -18, mic48, 3*time.Second))
	p := newProc(t, Options{})
	var before float64
	var beforeOK bool
	clean := roomRun{delay: 80 * time.Millisecond, echoGain: -6, near: near, each: func(i int) {
		if i == 299 {
			before, beforeOK = p.ERLE()
		}
	}}.run(t, p)
	after, ok := p.ERLE()
	t.Logf("ERLE %.1f dB (%v) before the near end talks, %.1f dB (%v) after 3 s of double talk; near end %.1f dBFS in the output",
		before, beforeOK, after, ok, toneLevel(clean, 48000, 1000))
	if !beforeOK || before < 25 {
		t.Fatalf("ERLE %.1f dB (%v) with the far end alone, want 25 or more", before, beforeOK)
	}
	if !ok || after != before {
		t.Errorf("ERLE %.1f dB (%v) after double talk, want %.1f held", after, ok, before)
	}
}

// TestERLEUnknown: no figure where there is none to give. With the far
// end silent (the near end speaking alone) nothing was cancelled; with
// double talk from the call's first frame no single-talk frame was heard;
// WebRTC's module gives nothing to detect double talk by;
// with the far end silent for erleStale after a call the figure lapses.
func TestERLEUnknown(t *testing.T) {
	spk := audio.Format{SampleRate: 48000, Channels: 2}
	silent := make([]int16, spk.Samples(time.Second))
	p := newProc(t, Options{})
	roomRun{delay: 80 * time.Millisecond, echoGain: -6, near: syllables(-18), far: silent}.run(t, p)
	if erle, ok := p.ERLE(); ok {
		t.Errorf("ERLE %.1f dB with the far end silent", erle)
	}
	p = newProc(t, Options{})
	roomRun{delay: 80 * time.Millisecond, echoGain: -6, near: audio.Tone(1000, -18, mic48, time.Second)}.run(t, p)
	if erle, ok := p.ERLE(); ok {
		t.Errorf("ERLE %.1f dB with double talk throughout", erle)
	}
	w := newProc(t, Options{Engine: WebRTC})
	roomRun{delay: 80 * time.Millisecond, echoGain: -6}.run(t, w)
	if erle, ok := w.ERLE(); ok {
		t.Errorf("ERLE %.1f dB from WebRTC, which gives no linear output to detect double talk by", erle)
	}
	var m erleMeter
	t0 := time.Now()
	for i := range 100 {
		m.add(true, 160, 1e9, 1e6, 1e3, true, t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	if db, ok := m.value(t0.Add(time.Second)); !ok || math.Abs(db-60) > 0.01 {
		t.Errorf("meter reads %.2f dB (%v), want 60", db, ok)
	}
	if db, ok := m.value(t0.Add(time.Second + erleStale + 10*time.Millisecond)); ok {
		t.Errorf("meter reads %.2f dB with the far end silent for %v", db, erleStale)
	}
}
