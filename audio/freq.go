package audio

import (
	"math"
	"math/cmplx"
	"time"
)

// DominantFrequency returns the frequency in Hz of the strongest spectral
// peak of mono samples p at sampleRate, or 0 for silence, a constant signal,
// or fewer than 16 samples. It windows p with a Hann window, finds the
// strongest FFT bin (DC excluded), and refines it by maximizing the windowed
// spectrum between the neighbouring bins; a pure tone of 0.5 s is found
// within a few hundredths of a percent.
func DominantFrequency(p []int16, sampleRate int) float64 {
	n := len(p)
	if n < 16 || sampleRate <= 0 {
		return 0
	}
	x := make([]float64, n)
	var mean float64
	for _, s := range p {
		mean += float64(s)
	}
	mean /= float64(n)
	nonzero := false
	for i, s := range p {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		x[i] = (float64(s) - mean) * w
		if x[i] != 0 {
			nonzero = true
		}
	}
	if !nonzero {
		return 0
	}
	size := 1
	for size < 2*n {
		size <<= 1
	}
	buf := make([]complex128, size)
	for i, v := range x {
		buf[i] = complex(v, 0)
	}
	fft(buf)
	best, bestMag := 0, 0.0
	for k := 1; k < size/2; k++ {
		if m := cmplx.Abs(buf[k]); m > bestMag {
			best, bestMag = k, m
		}
	}
	if best == 0 {
		return 0
	}
	// Golden-section search of |DTFT| between the neighbouring bins, in
	// cycles per sample.
	mag := func(f float64) float64 {
		var re, im float64
		w := 2 * math.Pi * f
		// Rotate a phasor instead of calling sin/cos per sample.
		c, s := math.Cos(w), math.Sin(w)
		pr, pi := 1.0, 0.0
		for i, v := range x {
			re += v * pr
			im -= v * pi
			pr, pi = pr*c-pi*s, pr*s+pi*c
			if i&1023 == 1023 {
				// Renormalize to stop the phasor's magnitude drifting.
				r := math.Hypot(pr, pi)
				pr, pi = pr/r, pi/r
			}
		}
		return re*re + im*im
	}
	lo := (float64(best) - 1) / float64(size)
	hi := (float64(best) + 1) / float64(size)
	g := (math.Sqrt(5) - 1) / 2
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := mag(a), mag(b)
	for range 40 {
		if fa > fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = mag(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = mag(b)
		}
	}
	return (lo + hi) / 2 * float64(sampleRate)
}

// fft is an in-place iterative radix-2 FFT; len(a) is a power of two.
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*w
				a[start+k], a[start+k+size/2] = u+v, u-v
				w *= step
			}
		}
	}
}

// Tone returns a sine of freq Hz whose peak is at dBFS relative to full
// scale (0 dBFS peaks at ±32767), lasting d, in format f with the same
// signal on every channel.
func Tone(freq float64, dBFS float64, f Format, d time.Duration) []int16 {
	ch := max(f.Channels, 1)
	frames := f.Samples(d) / ch
	out := make([]int16, frames*ch)
	amp := fullScale * math.Pow(10, dBFS/20)
	for i := range frames {
		v := amp * math.Sin(2*math.Pi*freq*float64(i)/float64(f.SampleRate))
		s := int16(max(-32768, min(32767, math.Round(v))))
		for c := range ch {
			out[i*ch+c] = s
		}
	}
	return out
}

// Mono returns the first channel of interleaved samples p.
func Mono(p []int16, channels int) []int16 {
	if channels <= 1 {
		return p
	}
	out := make([]int16, len(p)/channels)
	for i := range out {
		out[i] = p[i*channels]
	}
	return out
}
