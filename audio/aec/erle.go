package aec

import (
	"math"
	"time"
)

// ERLE (echo return loss enhancement) is how much the cleaning lowers the
// echo, in dB. A canceller's report means the echo alone, so it is taken
// only over frames of single talk: the far end active (the speaker's
// reference above erleRefFloor) and the near end silent. Double talk (our
// voice over the echo) would otherwise read as a few dB, since our voice
// is rightly left in the cleaned microphone; while it lasts the figure
// holds its last value.
//
// Neither library's own figure is used. Speex has none (speex_echo.h and
// speex_preprocess.h read back no echo metric). WebRTC's module has one
// (EchoCancellation::GetMetrics after enable_metrics), but in the
// simulated room it read -100, its "no value", in every run tried (a
// steady or gated 440 Hz far end, noise bursts, 16 and 48 kHz, with and
// without its noise suppression and gain), so it cannot be relied on.
// The Processor measures the figure itself around the engine: 10·log10 of
// the microphone's energy over the cleaned energy (echo cancellation with
// the residual echo suppression, and whatever noise suppression and gain
// are on), summed over the last erleFrames single-talk frames.
//
// The double-talk detector compares the microphone with what Speex's
// linear canceller left of it (an output-energy detector): a frame is
// single talk when the canceller's echo estimate explains all but
// erleDoubleTalk of the microphone's energy; a near-end voice, which the
// echo filter cannot predict from the reference, leaves more, and
// erleHangover frames after it count as double talk too. So does a
// canceller that has not yet converged (at a call's start, or after the
// echo path changed): those frames are not counted either, and the figure
// stays unknown until erleMinFrames frames have been. WebRTC's module
// gives no linear output, so with it the figure is always unknown.
const (
	// erleFrames is how many single-talk 10 ms frames the figure covers: 1 s.
	erleFrames = 100
	// erleMinFrames is how many the figure needs before it is reported.
	erleMinFrames = 50
	// erleStale: with the far end silent for this long the figure lapses
	// (the call ended, or the speaker stopped).
	erleStale = 2 * time.Second
	// erleRefFloor is the reference RMS above which the far end counts as
	// active: -50 dBFS, well above a silent speaker's digital floor.
	erleRefFloor = 32767 * 0.00316
	// erleMicFloor is the microphone RMS below which a frame has nothing
	// to measure (the echo has not arrived yet): -80 dBFS.
	erleMicFloor = 32767 * 0.0001
	// erleDoubleTalk is the share of the microphone's energy the linear
	// canceller may leave in a single-talk frame: -6 dB.
	erleDoubleTalk = 0.25
	// erleHangover is how many frames after double talk still count as
	// double talk: the preprocessor's output runs a frame late, and its
	// gain takes a moment to settle after our voice.
	erleHangover = 10
)

// erleMeter keeps the energies of the latest single-talk frames; the
// Processor's mu guards it.
type erleMeter struct {
	in, out [erleFrames]float64
	n       int       // frames counted so far (the next goes to n%erleFrames)
	farAt   time.Time // capture time of the latest frame with the far end active
	hang    int       // frames of hangover left
}

// energy is the sum of squares of p.
func energy(p []int16) float64 {
	var e float64
	for _, v := range p {
		e += float64(v) * float64(v)
	}
	return e
}

// farActive reports whether the reference frame ref is the far end talking.
func farActive(ref []int16) bool {
	return len(ref) > 0 && math.Sqrt(energy(ref)/float64(len(ref))) >= erleRefFloor
}

// add looks at one 10 ms frame of size samples: whether the far end was
// active in it, the microphone's energy before cleaning (in), after the
// linear canceller (linear, when measured is true) and after the whole
// engine (out). Only single-talk frames are counted.
func (m *erleMeter) add(far bool, size int, in, linear, out float64, measured bool, at time.Time) {
	if !far {
		return
	}
	if !m.farAt.IsZero() && at.Sub(m.farAt) > erleStale {
		*m = erleMeter{} // a new call: the old one's frames say nothing
	}
	m.farAt = at
	if !measured || in < erleMicFloor*erleMicFloor*float64(size) {
		return
	}
	if linear > in*erleDoubleTalk {
		// Double talk (or a canceller still converging): hold.
		m.hang = erleHangover
		return
	}
	if m.hang > 0 {
		m.hang--
		return
	}
	m.in[m.n%erleFrames], m.out[m.n%erleFrames] = in, out
	m.n++
}

// value is the figure over the counted frames, and false until
// erleMinFrames were counted or once the far end has been silent for
// erleStale. A microphone cleaned to digital silence reads 90 dB, the
// range of 16-bit audio.
func (m *erleMeter) value(now time.Time) (float64, bool) {
	if m.n < erleMinFrames || now.Sub(m.farAt) > erleStale {
		return 0, false
	}
	var in, out float64
	for i := range min(m.n, erleFrames) {
		in += m.in[i]
		out += m.out[i]
	}
	if out <= in*1e-9 {
		return 90, true
	}
	return min(10*math.Log10(in/out), 90), true
}

// ERLE returns the echo return loss enhancement in dB, and false when it
// is unknown: before enough single talk was heard in this call, while the
// far end has been silent for erleStale (no call heard), with echo
// cancellation off, or with the WebRTC engine (see erleMeter).
func (p *Processor) ERLE() (float64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opt.NoEcho || p.closed {
		return 0, false
	}
	return p.erle.value(time.Now())
}
