package aec

import (
	"math"
	"time"
)

// ERLE (echo return loss enhancement) is how much the cleaning lowers the
// echo: 10·log10 of the microphone's energy over the cleaned energy, taken
// over the frames in which the speaker played something (a reference above
// erleRefFloor). Speex reports no such figure, so the Processor measures
// it itself around the engine: the energies of each such frame before and
// after the engine (echo cancellation with Speex's residual echo
// suppression, and whatever noise suppression and gain are on) are kept
// for the last erleFrames such frames, so the figure is the last second
// of the call with the speaker playing. Double talk (our voice over the echo)
// lowers it, as it does in any canceller's report.
const (
	// erleFrames is how many 10 ms frames the figure covers: 1 s.
	erleFrames = 100
	// erleStale: with no reference frame for this long the figure lapses.
	erleStale = 2 * time.Second
	// erleRefFloor is the reference RMS below which the speaker counts as
	// silent: -60 dBFS.
	erleRefFloor = 32767 * 0.001
)

// erleMeter keeps the energies of the latest frames with a reference;
// the Processor's mu guards it.
type erleMeter struct {
	in, out [erleFrames]float64
	n       int       // frames counted so far (the next goes to n%erleFrames)
	last    time.Time // capture time of the latest frame counted
}

// energy is the sum of squares of p.
func energy(p []int16) float64 {
	var e float64
	for _, v := range p {
		e += float64(v) * float64(v)
	}
	return e
}

// add counts one 10 ms frame: the reference it was cleaned against, and
// the microphone's energy before and after cleaning.
func (m *erleMeter) add(ref []int16, in, out float64, at time.Time) {
	if len(ref) == 0 || math.Sqrt(energy(ref)/float64(len(ref))) < erleRefFloor {
		return
	}
	if !m.last.IsZero() && at.Sub(m.last) > erleStale {
		*m = erleMeter{} // a new call: the old one's frames say nothing
	}
	m.in[m.n%erleFrames], m.out[m.n%erleFrames] = in, out
	m.n++
	m.last = at
}

// ERLE returns the echo return loss enhancement in dB, and false while
// the speaker has played nothing for erleStale (no call heard, or echo
// cancellation off). A microphone cleaned to digital silence reads 90 dB,
// the range of 16-bit audio.
func (p *Processor) ERLE() (float64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := &p.erle
	if m.n == 0 || time.Since(m.last) > erleStale {
		return 0, false
	}
	var in, out float64
	for i := range min(m.n, erleFrames) {
		in += m.in[i]
		out += m.out[i]
	}
	if in <= 0 {
		return 0, false
	}
	if out <= in*1e-9 {
		return 90, true
	}
	return min(10*math.Log10(in/out), 90), true
}
