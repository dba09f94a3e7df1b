package audio

import "math"

// ToneLevel returns the level in dBFS of the freq Hz component of mono p at
// sampleRate, as the peak of a sine relative to full scale (a full-scale
// sine reads 0, one at half amplitude -6.0), by the Goertzel algorithm over
// the whole of p. Other tones more than a few bins away barely count: over
// 1 s, 440 Hz reads below -100 dB at 1 kHz. Silence or an empty p reads
// about -240.
func ToneLevel(p []int16, sampleRate int, freq float64) float64 {
	if len(p) == 0 || sampleRate <= 0 {
		return -240
	}
	w := 2 * math.Pi * freq / float64(sampleRate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range p {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	amp := 2 * math.Hypot(re, im) / float64(len(p))
	return 20 * math.Log10(amp/fullScale+1e-12)
}
