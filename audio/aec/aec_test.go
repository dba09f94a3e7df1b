package aec

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// TestCleanOddBlocks: blocks that are not whole 10 ms frames are cleaned
// too, delayed by one frame at most; whole frames are not delayed.
func TestCleanOddBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	in := make([]int16, mic48.Samples(200*time.Millisecond))
	for i := range in {
		in[i] = int16(rng.IntN(20000) - 10000)
	}
	whole := append([]int16(nil), in...)
	p := newProc(t, Options{NoEcho: true, NoDenoise: true, NoAGC: true})
	if err := p.Clean(whole, time.Now()); err != nil {
		t.Fatal(err)
	}
	odd := append([]int16(nil), in...)
	q := newProc(t, Options{NoEcho: true, NoDenoise: true, NoAGC: true})
	for i := 0; i < len(odd); i += 333 {
		if err := q.Clean(odd[i:min(i+333, len(odd))], time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// Find the delay of odd against whole by the best match.
	best, bestErr := -1, math.Inf(1)
	for d := 0; d <= 480; d++ {
		var e float64
		for i := 2000; i < 8000; i++ {
			x := float64(odd[i+d]) - float64(whole[i])
			e += x * x
		}
		if e < bestErr {
			best, bestErr = d, e
		}
	}
	if best != 480 || bestErr > 0 {
		t.Fatalf("odd blocks delayed %d samples (residual %g), want an exact copy 480 late", best, bestErr)
	}
}

// TestPlayingResamples: a 16 kHz stereo reference is downmixed and brought
// to the microphone's 48 kHz, then to the engine's 16 kHz, keeping its
// tone.
func TestPlayingResamples(t *testing.T) {
	p := newProc(t, Options{NoDenoise: true, NoAGC: true})
	spk := audio.Format{SampleRate: 16000, Channels: 2}
	tone := audio.Tone(440, -12, spk, 100*time.Millisecond)
	at := time.Now()
	for i := 0; i < len(tone); i += spk.Samples(20 * time.Millisecond) {
		p.Playing(tone[i:i+spk.Samples(20*time.Millisecond)], spk, at.Add(spk.Duration(i)))
	}
	p.refMu.Lock()
	var got []int16
	for i := p.index(at); ; i++ {
		s := p.ring[i%int64(len(p.ring))]
		if s.at != i {
			break
		}
		got = append(got, s.v)
	}
	p.refMu.Unlock()
	if n := p.Referenced(); n != 1600 {
		t.Fatalf("Referenced = %d frames after 100 ms at 16 kHz, want 1600", n)
	}
	if n := len(got); n < 1595 || n > 1600 {
		t.Fatalf("100 ms of 16 kHz became %d samples at the engine's 16 kHz", n)
	}
	if f := audio.DominantFrequency(got[100:], 16000); math.Abs(f-440) > 2 {
		t.Fatalf("resampled reference at %.1f Hz, want 440", f)
	}
}

func TestNewRejects(t *testing.T) {
	for _, o := range []Options{{SampleRate: 44100, Engine: WebRTC}, {SampleRate: 1000}, {Engine: "other"}} {
		if _, err := New(o); !errors.Is(err, ErrUnsupported) {
			t.Errorf("New(%+v) = %v, want ErrUnsupported", o, err)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	for _, eng := range []Engine{Speex, WebRTC} {
		p, err := New(Options{Engine: eng})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Close = %v", err)
		}
		if err := p.Clean(make([]int16, 480), time.Now()); !errors.Is(err, ErrClosed) {
			t.Fatalf("Clean after Close = %v", err)
		}
	}
}

// TestBand: a 48 kHz microphone cleaned at 16 kHz keeps a 1 kHz tone
// within 0.5 dB and loses a 12 kHz one by 40 dB or more; FullBand keeps
// both.
func TestBand(t *testing.T) {
	for _, tc := range []struct {
		full           bool
		freq, min, max float64
	}{
		{false, 1000, -0.5, 0.5}, {false, 12000, math.Inf(-1), -40},
		{true, 1000, -0.5, 0.5}, {true, 12000, -0.5, 0.5},
	} {
		p := newProc(t, Options{NoEcho: true, NoDenoise: true, NoAGC: true, FullBand: tc.full})
		in := audio.Tone(tc.freq, -12, mic48, 500*time.Millisecond)
		out := append([]int16(nil), in...)
		if err := p.Clean(out, time.Now()); err != nil {
			t.Fatal(err)
		}
		gain := audio.ToneLevel(out[4800:], 48000, tc.freq) - audio.ToneLevel(in[4800:], 48000, tc.freq)
		if gain < tc.min || gain > tc.max {
			t.Errorf("full band %v: %g Hz changed by %.1f dB, want %g to %g", tc.full, tc.freq, gain, tc.min, tc.max)
		}
	}
}
