package aec

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// addedDelay is how late the engine hands back a near-end signal, in
// samples: the lag that best matches the output with the input, for
// speech-like noise bursts through the full chain with the far end silent.
func addedDelay(t testing.TB, o Options) int {
	p := newProc(t, o)
	rng := rand.New(rand.NewPCG(5, 6))
	in := make([]int16, mic48.Samples(2*time.Second))
	for i := range in {
		if (i/4800)%2 == 0 { // 100 ms bursts
			in[i] = int16(rng.IntN(16000) - 8000)
		}
	}
	out := append([]int16(nil), in...)
	t0 := time.Now()
	for i := 0; i < len(out); i += 480 {
		at := t0.Add(mic48.Duration(i))
		p.Playing(make([]int16, 480), mic48, at)
		if err := p.Clean(out[i:i+480], at); err != nil {
			t.Fatal(err)
		}
	}
	best, bestC := 0, math.Inf(-1)
	for d := 0; d <= 2400; d++ { // up to 50 ms
		var c float64
		for i := 48000; i < 90000; i++ {
			c += float64(in[i]) * float64(out[i+d])
		}
		if c > bestC {
			best, bestC = d, c
		}
	}
	return best
}

// TestAddedLatency: the cleaned talk path hands the microphone back less
// than 20 ms late (the goal), with every stage on.
func TestAddedLatency(t *testing.T) {
	for _, eng := range []Engine{Speex, WebRTC} {
		d := addedDelay(t, Options{Engine: eng})
		t.Logf("%s: %d samples (%.1f ms)", eng, d, float64(d)/48)
		if d >= 960 {
			t.Errorf("%s delays the microphone by %d samples, want under 960 (20 ms)", eng, d)
		}
	}
}

// BenchmarkTalkPath is the cost of cleaning one second of the talk path:
// 100 frames of 10 ms of a 48 kHz microphone hearing the speaker's 440 Hz
// 80 ms late with a near-end voice and noise, each frame's reference
// handed over as the speaker plays it (stereo), default stages on, for
// Speex at 16 kHz (the default), Speex at 48 kHz and WebRTC. It
// reports the share of one core ("core-%") and the delay the cleaning
// adds to the microphone ("added-ms").
func BenchmarkTalkPath(b *testing.B) {
	for _, tc := range []struct {
		name string
		o    Options
	}{{"speex", Options{}}, {"speex-fullband", Options{FullBand: true}}, {"webrtc", Options{Engine: WebRTC}}} {
		b.Run(tc.name, func(b *testing.B) {
			spk := audio.Format{SampleRate: 48000, Channels: 2}
			room, err := audio.NewRoom(audio.RoomOptions{Mic: mic48, Speaker: spk, Delay: 80 * time.Millisecond,
				EchoGain: -6, Near: syllables(-18), NoiseDBFS: -50, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			far := audio.Tone(440, -12, spk, time.Second)
			mic := make([]int16, mic48.Samples(time.Second))
			refs := make([][]int16, 100)
			for i := range refs {
				refs[i] = far[i*960 : (i+1)*960]
				_, _ = room.Speaker().Write(refs[i])
				_, _ = room.Microphone().Read(b.Context(), mic[i*480:(i+1)*480])
			}
			p := newProc(b, tc.o)
			frame := make([]int16, 480)
			t0 := time.Now()
			b.ResetTimer()
			sec := 0
			for b.Loop() {
				for i := range 100 {
					at := t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*10*time.Millisecond)
					p.Playing(refs[i], spk, at)
					copy(frame, mic[i*480:(i+1)*480])
					if err := p.Clean(frame, at); err != nil {
						b.Fatal(err)
					}
				}
				sec++
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9*100, "core-%")
			b.ReportMetric(float64(addedDelay(b, tc.o))/48, "added-ms")
		})
	}
}
