package audio

import (
	"math"
	"sync"
	"testing"
	"time"
)

func TestMeasure(t *testing.T) {
	mono := Format{SampleRate: 48000, Channels: 1}
	stereo := Format{SampleRate: 48000, Channels: 2}
	clipped := make([]int16, 100)
	for i := 10; i < 14; i++ { // one run of 4
		clipped[i] = 32767
	}
	for i := 50; i < 53; i++ { // one run of 3 at negative full scale
		clipped[i] = -32768
	}
	clipped[80], clipped[81] = 32767, 32767 // too short to count
	// Stereo with unrelated channels: 440 Hz left, 1 kHz right.
	left := Tone(440, -6, mono, 500*time.Millisecond)
	right := Tone(1000, -6, mono, 500*time.Millisecond)
	wide := make([]int16, 2*len(left))
	for i := range left {
		wide[2*i], wide[2*i+1] = left[i], right[i]
	}
	inverted := make([]int16, 2*len(left))
	for i := range left {
		inverted[2*i], inverted[2*i+1] = left[i], -left[i]
	}
	cases := []struct {
		name                    string
		p                       []int16
		channels                int
		rms, peak               float64 // NaN: don't check
		clipped                 int
		silent                  bool
		dualMono                bool
		corrAtLeast, corrAtMost float64
	}{
		{"full-scale sine", Tone(1000, 0, mono, time.Second), 1, -3.0103, 0, 0, false, false, 1, 1},
		// Rounded to ±10 LSB, a -70 dBFS sine peaks at -70.31 dBFS.
		{"-70 dBFS tone", Tone(1000, -70, mono, time.Second), 1, -73.0103, -70.3087, 0, false, false, 1, 1},
		{"-20 dBFS stereo mono", Tone(440, -20, stereo, time.Second), 2, -23.0103, -20, 0, false, true, 0.999, 1},
		{"silence", make([]int16, 4800), 1, FloordBFS, FloordBFS, 0, true, false, 1, 1},
		{"LSB noise is silent", []int16{1, -1, 0, 1}, 1, math.NaN(), math.NaN(), 0, true, false, 1, 1},
		{"empty", nil, 2, FloordBFS, FloordBFS, 0, true, false, 1, 1},
		{"clipped runs", clipped, 1, math.NaN(), 0, 2, false, false, 1, 1},
		{"square full scale", []int16{32767, -32767, 32767, -32767}, 1, 0, 0, 0, false, false, 1, 1},
		{"true stereo", wide, 2, -9.0103, -6, 0, false, false, -0.1, 0.1},
		{"inverted channels", inverted, 2, -9.0103, -6, 0, false, false, -1, -0.999},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lv := Measure(c.p, c.channels)
			if !math.IsNaN(c.rms) && math.Abs(lv.RMSdBFS-c.rms) > rmsTol(c.rms) {
				t.Errorf("RMS = %.4f dBFS, want %.4f", lv.RMSdBFS, c.rms)
			}
			if !math.IsNaN(c.peak) && math.Abs(lv.PeakdBFS-c.peak) > 0.02 {
				t.Errorf("peak = %.4f dBFS, want %.4f", lv.PeakdBFS, c.peak)
			}
			if lv.Clipped != c.clipped {
				t.Errorf("Clipped = %d, want %d", lv.Clipped, c.clipped)
			}
			if lv.Silent != c.silent {
				t.Errorf("Silent = %v, want %v", lv.Silent, c.silent)
			}
			if lv.DualMono != c.dualMono {
				t.Errorf("DualMono = %v, want %v", lv.DualMono, c.dualMono)
			}
			if lv.Correlation < c.corrAtLeast || lv.Correlation > c.corrAtMost {
				t.Errorf("Correlation = %.4f, want in [%v, %v]", lv.Correlation, c.corrAtLeast, c.corrAtMost)
			}
		})
	}
}

func TestMeasureNoAllocs(t *testing.T) {
	p := Tone(440, -10, Format{SampleRate: 48000, Channels: 2}, 20*time.Millisecond)
	if a := testing.AllocsPerRun(100, func() { Measure(p, 2) }); a != 0 {
		t.Fatalf("Measure allocates %v times", a)
	}
}

func TestMeter(t *testing.T) {
	var m Meter
	if lv := m.Last(); !lv.Silent || lv.RMSdBFS != FloordBFS {
		t.Fatalf("zero Meter = %+v", lv)
	}
	m.Channels = 2
	f := Format{SampleRate: 8000, Channels: 2}
	loud := Tone(440, -6, f, 20*time.Millisecond)
	quiet := Tone(440, -40, f, 20*time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 2000 {
			if i%2 == 0 {
				m.Add(loud)
			} else {
				m.Add(quiet)
			}
		}
	}()
	// Every reading must be one of the two blocks, never a mix of fields.
	for range 2000 {
		lv := m.Last()
		if lv.Silent {
			continue // before the first Add
		}
		loudOK := math.Abs(lv.PeakdBFS+6) < 0.01 && math.Abs(lv.RMSdBFS+9.01) < 0.02
		quietOK := math.Abs(lv.PeakdBFS+40) < 0.01 && math.Abs(lv.RMSdBFS+43.01) < 0.05
		if !loudOK && !quietOK {
			wg.Wait()
			t.Fatalf("torn reading %+v", lv)
		}
	}
	wg.Wait()
	if lv := m.Last(); math.Abs(lv.PeakdBFS+40) > 0.01 || !lv.DualMono {
		t.Fatalf("last level %+v, want the quiet dual-mono block", lv)
	}
	clip := []int16{32767, 32767, 32767, 32767, 0, 0}
	m.Channels = 1
	m.Add(clip)
	m.Add(clip)
	if m.Last().Clipped != 1 || m.ClippedTotal() != 2 {
		t.Fatalf("Clipped = %d, total %d", m.Last().Clipped, m.ClippedTotal())
	}
}

// rmsTol allows for quantization: a -70 dBFS sine peaks at ±10 LSB, so its
// RMS sits 0.1 dB off the ideal.
func rmsTol(want float64) float64 {
	if want < -60 {
		return 0.15
	}
	return 0.02
}
