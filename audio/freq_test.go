package audio

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDominantFrequency(t *testing.T) {
	cases := []struct {
		name  string
		freq  float64
		rate  int
		dBFS  float64
		dur   time.Duration
		noise float64 // uniform noise amplitude
		tol   float64 // relative
	}{
		{"440 Hz at 48 kHz", 440, 48000, -6, 500 * time.Millisecond, 0, 0.005},
		{"440 Hz at 8 kHz", 440, 8000, -20, 500 * time.Millisecond, 0, 0.005},
		{"1 kHz at 44.1 kHz quiet", 1000, 44100, -60, 500 * time.Millisecond, 0, 0.005},
		{"3 kHz at 16 kHz noisy", 3000, 16000, -10, 500 * time.Millisecond, 2000, 0.005},
		{"97.3 Hz at 48 kHz", 97.3, 48000, -3, 500 * time.Millisecond, 0, 0.005},
		{"440 Hz 100 ms", 440, 48000, -6, 100 * time.Millisecond, 0, 0.01},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Tone(c.freq, c.dBFS, Format{SampleRate: c.rate, Channels: 1}, c.dur)
			for i := range p {
				p[i] = int16(max(-32768, min(32767, float64(p[i])+(rng.Float64()*2-1)*c.noise)))
			}
			got := DominantFrequency(p, c.rate)
			if rel := math.Abs(got-c.freq) / c.freq; rel > c.tol {
				t.Fatalf("DominantFrequency = %.3f Hz, want %.3f (error %.3f%%)", got, c.freq, 100*rel)
			}
			t.Logf("%.4f Hz (error %.4f%%)", got, 100*math.Abs(got-c.freq)/c.freq)
		})
	}
	if f := DominantFrequency(make([]int16, 4800), 48000); f != 0 {
		t.Fatalf("silence: %v Hz, want 0", f)
	}
	if f := DominantFrequency([]int16{1, 2}, 48000); f != 0 {
		t.Fatalf("two samples: %v Hz, want 0", f)
	}
}

func TestToneAndMono(t *testing.T) {
	f := Format{SampleRate: 16000, Channels: 2}
	p := Tone(500, -12, f, 250*time.Millisecond)
	if len(p) != 8000 {
		t.Fatalf("len = %d, want 8000", len(p))
	}
	m := Mono(p, 2)
	if len(m) != 4000 {
		t.Fatalf("mono len = %d", len(m))
	}
	if lv := Measure(m, 1); math.Abs(lv.PeakdBFS+12) > 0.01 {
		t.Fatalf("peak %.3f dBFS, want -12", lv.PeakdBFS)
	}
	if got := f.Duration(len(p)); got != 250*time.Millisecond {
		t.Fatalf("Duration = %v", got)
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		f    Format
		ok   bool
		text string
	}{
		{Format{48000, 2}, true, "48000 Hz stereo"},
		{Format{8000, 1}, true, "8000 Hz mono"},
		{Format{44100, 6}, true, "44100 Hz 6 ch"},
		{Format{0, 1}, false, "0 Hz mono"},
		{Format{8000, 0}, false, "8000 Hz 0 ch"},
		{Format{8000, 9}, false, "8000 Hz 9 ch"},
	}
	for _, c := range cases {
		if err := c.f.Validate(); (err == nil) != c.ok {
			t.Errorf("%v: Validate = %v", c.f, err)
		}
		if c.f.String() != c.text {
			t.Errorf("String = %q, want %q", c.f.String(), c.text)
		}
	}
}
