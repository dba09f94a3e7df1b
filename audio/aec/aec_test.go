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
	if err := p.Clean(whole); err != nil {
		t.Fatal(err)
	}
	odd := append([]int16(nil), in...)
	q := newProc(t, Options{NoEcho: true, NoDenoise: true, NoAGC: true})
	for i := 0; i < len(odd); i += 333 {
		if err := q.Clean(odd[i:min(i+333, len(odd))]); err != nil {
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
// to the microphone's 48 kHz, so the echo of what a 16 kHz speaker plays is
// still cancelled.
func TestPlayingResamples(t *testing.T) {
	p := newProc(t, Options{NoDenoise: true, NoAGC: true})
	spk := audio.Format{SampleRate: 16000, Channels: 2}
	tone := audio.Tone(440, -12, spk, 100*time.Millisecond)
	for i := 0; i < len(tone); i += spk.Samples(20 * time.Millisecond) {
		p.Playing(tone[i:i+spk.Samples(20*time.Millisecond)], spk)
	}
	p.refMu.Lock()
	got := append([]int16(nil), p.ref...)
	p.refMu.Unlock()
	if n := len(got); n < 4790 || n > 4800 {
		t.Fatalf("100 ms of 16 kHz became %d samples at 48 kHz", n)
	}
	if f := audio.DominantFrequency(got, 48000); math.Abs(f-440) > 2 {
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
		if err := p.Clean(make([]int16, 480)); !errors.Is(err, ErrClosed) {
			t.Fatalf("Clean after Close = %v", err)
		}
	}
}
