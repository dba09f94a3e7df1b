package audio

import (
	"math"
	"runtime"
	"sync/atomic"
)

const (
	// FloordBFS is the level Measure reports for digital silence, in place of
	// minus infinity (which JSON cannot carry): nothing real sits below it,
	// since one LSB of 16-bit audio is -90.3 dBFS.
	FloordBFS = -120.0
	// fullScale is the amplitude of 0 dBFS: a square wave of ±32767 has an
	// RMS of 0 dBFS and a full-scale sine -3.01 dBFS (AES17).
	fullScale = 32767.0
	// ClipRun is how many consecutive samples of one channel stuck at the
	// same full-scale rail (x >= 32767 or x <= -32767) count as one clipped run.
	ClipRun = 3
	// dualMonoTolerance is the largest sample difference between channels
	// that still counts as the same signal (rounding in converters).
	dualMonoTolerance = 2
)

// Level is the measurement of a block of interleaved int16 samples.
type Level struct {
	// RMSdBFS and PeakdBFS are the RMS and the peak over all channels, in dB
	// relative to full scale (32767); silence reads FloordBFS.
	RMSdBFS, PeakdBFS float64
	// Clipped counts runs of at least ClipRun consecutive samples of a
	// channel at the same full-scale rail.
	Clipped int
	// Silent is true when no sample is above 1/32767 in magnitude.
	Silent bool
	// Correlation is the Pearson correlation of the first two channels
	// (1 for the same signal, 0 for unrelated, -1 for inverted); 1 for mono
	// and 0 when a channel is constant.
	Correlation float64
	// DualMono is true for two or more channels that all carry the same
	// samples (within 2 LSB): a mono signal in a stereo stream.
	DualMono bool
}

// todBFS converts a linear amplitude to dBFS, floored at FloordBFS.
func todBFS(a float64) float64 {
	if a <= 0 {
		return FloordBFS
	}
	return max(20*math.Log10(a/fullScale), FloordBFS)
}

// Measure returns the level of p, interleaved with channels channels (values
// below 1 count as mono). A trailing partial frame is measured too. Measure
// does not allocate.
func Measure(p []int16, channels int) Level {
	channels = max(channels, 1)
	lv := Level{Silent: true, Correlation: 1, DualMono: channels > 1}
	if len(p) == 0 {
		lv.RMSdBFS, lv.PeakdBFS, lv.DualMono = FloordBFS, FloordBFS, false
		return lv
	}
	var sum float64
	peak := 0
	var runs [MaxChannels]int
	// Correlation sums of channels 0 and 1.
	var sl, sr, sll, srr, slr float64
	for i, s := range p {
		x := int(s)
		a := x
		if a < 0 {
			a = -a
		}
		peak = max(peak, a)
		if a > 1 {
			lv.Silent = false
		}
		sum += float64(x * x)
		ch := i % channels
		if ch < MaxChannels {
			// A run stays on one rail: a full-scale square wave is not clipped.
			switch {
			case x >= 32767:
				runs[ch] = max(runs[ch], 0) + 1
			case x <= -32767:
				runs[ch] = min(runs[ch], 0) - 1
			default:
				runs[ch] = 0
			}
			if runs[ch] == ClipRun || runs[ch] == -ClipRun {
				lv.Clipped++
			}
		}
		if channels > 1 && ch > 0 && lv.DualMono {
			d := x - int(p[i-ch])
			if d > dualMonoTolerance || d < -dualMonoTolerance {
				lv.DualMono = false
			}
		}
		if channels > 1 && ch == 1 {
			l, r := float64(p[i-1]), float64(x)
			sl += l
			sr += r
			sll += l * l
			srr += r * r
			slr += l * r
		}
	}
	lv.RMSdBFS = todBFS(math.Sqrt(sum / float64(len(p))))
	lv.PeakdBFS = todBFS(float64(peak))
	if channels > 1 {
		n := float64(len(p) / channels)
		lv.Correlation = 0
		if n > 0 {
			cov := slr - sl*sr/n
			vl := sll - sl*sl/n
			vr := srr - sr*sr/n
			if vl > 0 && vr > 0 {
				lv.Correlation = max(-1, min(1, cov/math.Sqrt(vl*vr)))
			}
		}
	}
	return lv
}

// Meter keeps the latest Level of a live signal. One goroutine (an audio
// callback or a session's pump) calls Add while others call Last; neither
// blocks nor allocates. The zero Meter measures mono; set Channels before
// the first Add for interleaved audio.
type Meter struct {
	// Channels is the channel count of the samples given to Add.
	Channels int

	seq     atomic.Uint64 // odd while Add writes
	rms     atomic.Uint64
	peak    atomic.Uint64
	clipped atomic.Int64
	flags   atomic.Uint32 // bit 0 Silent, bit 1 DualMono
	corr    atomic.Uint64
	total   atomic.Int64
}

// Add measures p and makes it the latest level. Only one goroutine may Add.
func (m *Meter) Add(p []int16) {
	lv := Measure(p, m.Channels)
	var flags uint32
	if lv.Silent {
		flags |= 1
	}
	if lv.DualMono {
		flags |= 2
	}
	m.seq.Add(1)
	m.rms.Store(math.Float64bits(lv.RMSdBFS))
	m.peak.Store(math.Float64bits(lv.PeakdBFS))
	m.clipped.Store(int64(lv.Clipped))
	m.flags.Store(flags)
	m.corr.Store(math.Float64bits(lv.Correlation))
	m.seq.Add(1)
	m.total.Add(int64(lv.Clipped))
}

// Last returns the level of the latest block given to Add; before any Add
// it reports silence at FloordBFS.
func (m *Meter) Last() Level {
	for {
		s := m.seq.Load()
		if s == 0 {
			return Level{RMSdBFS: FloordBFS, PeakdBFS: FloordBFS, Silent: true, Correlation: 1}
		}
		if s%2 == 1 {
			runtime.Gosched()
			continue
		}
		flags := m.flags.Load()
		lv := Level{
			RMSdBFS:     math.Float64frombits(m.rms.Load()),
			PeakdBFS:    math.Float64frombits(m.peak.Load()),
			Clipped:     int(m.clipped.Load()),
			Silent:      flags&1 != 0,
			DualMono:    flags&2 != 0,
			Correlation: math.Float64frombits(m.corr.Load()),
		}
		if m.seq.Load() == s {
			return lv
		}
	}
}

// ClippedTotal returns the clipped runs counted over every Add so far.
func (m *Meter) ClippedTotal() int { return int(m.total.Load()) }
