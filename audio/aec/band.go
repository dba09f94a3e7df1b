package aec

import "math"

// bandTaps is the length of the low-pass filter that takes a 48 kHz (or
// 32 kHz) microphone and reference down to the 16 kHz the engine works
// at, and the cleaned microphone back up: a Blackman-windowed sinc cut at
// 7 kHz (at 48 kHz: stop band from about 8.8 kHz, 0.7 ms of delay each way).
const bandTaps = 72

// workRate is the rate the engine runs at when the microphone's rate is a
// multiple of it (unless Options.FullBand).
const workRate = 16000

// lowpass returns n taps of a Blackman-windowed sinc low-pass cut at fc,
// a fraction of the sampling rate, with a gain of 1 at DC.
func lowpass(n int, fc float64) []float64 {
	h := make([]float64, n)
	var sum float64
	m := float64(n - 1)
	for i := range h {
		x := float64(i) - m/2
		s := 2 * fc
		if x != 0 {
			s = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		w := 0.42 - 0.5*math.Cos(2*math.Pi*float64(i)/m) + 0.08*math.Cos(4*math.Pi*float64(i)/m)
		h[i] = s * w
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

// decimator low-passes and keeps one sample in r, across calls of any
// length.
type decimator struct {
	h    []float64
	r    int
	buf  []float64 // history (len(h)-1) and pending input
	next int       // index in buf of the next output's newest sample
}

func newDecimator(h []float64, r int) *decimator {
	return &decimator{h: h, r: r, buf: make([]float64, len(h)-1), next: len(h) - 1}
}

// appendTo decimates in and appends the output to dst.
func (d *decimator) appendTo(dst, in []int16) []int16 {
	for _, v := range in {
		d.buf = append(d.buf, float64(v))
	}
	n := len(d.h)
	for ; d.next < len(d.buf); d.next += d.r {
		var y float64
		for j, c := range d.h {
			y += c * d.buf[d.next-j]
		}
		dst = append(dst, clamp16(y))
	}
	drop := d.next - (n - 1)
	if drop > len(d.buf) {
		drop = len(d.buf)
	}
	d.buf = append(d.buf[:0], d.buf[drop:]...)
	d.next -= drop
	return dst
}

// interpolator raises the rate r times (zero stuffing and low-pass, in
// polyphase form).
type interpolator struct {
	h    []float64
	r    int
	hist []float64 // newest last; len(h)/r+1 low-rate samples
}

func newInterpolator(h []float64, r int) *interpolator {
	return &interpolator{h: h, r: r, hist: make([]float64, len(h)/r+1)}
}

// process writes len(in)*r samples to out.
func (u *interpolator) process(out, in []int16) {
	last := len(u.hist) - 1
	for t, v := range in {
		copy(u.hist, u.hist[1:])
		u.hist[last] = float64(v)
		for p := 0; p < u.r; p++ {
			var y float64
			for k := 0; p+k*u.r < len(u.h); k++ {
				y += u.h[p+k*u.r] * u.hist[last-k]
			}
			out[t*u.r+p] = clamp16(y * float64(u.r))
		}
	}
}

func clamp16(v float64) int16 {
	return int16(max(-32768, min(32767, math.Round(v))))
}
