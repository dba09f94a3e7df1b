// Package g711 implements the ITU-T G.711 µ-law (PCMU) and A-law (PCMA)
// companding codecs for 16-bit linear PCM, as carried by RTP payload types 0
// and 8 at 8000 Hz.
//
// The conversions follow the reference implementation distributed with the
// recommendation (Sun Microsystems' g711.c), which FFmpeg's pcm_mulaw and
// pcm_alaw codecs also follow, so bytes produced here decode identically
// everywhere. The batch functions append to dst and do not allocate when dst
// has enough spare capacity.
package g711

// ulawBias is the bias the reference implementation adds to 14-bit
// magnitudes (33, or 132 in 16-bit units) so that segments start on powers of two.
const ulawBias = 33

// LinearToUlaw compresses one 16-bit linear sample to a µ-law byte. Like the
// ITU-T G.191 reference (ulaw_compress), negative samples use the one's
// complement magnitude, so -1 encodes as the negative zero code 0x7F.
func LinearToUlaw(sample int16) byte {
	x := int32(sample)
	var mag int32
	if x < 0 {
		mag = (^x)>>2 + ulawBias
	} else {
		mag = x>>2 + ulawBias
	}
	if mag > 0x1FFF {
		mag = 0x1FFF
	}
	seg := int32(1)
	for i := mag >> 6; i != 0; i >>= 1 {
		seg++
	}
	b := (8-seg)<<4 | (0x0F - (mag>>seg)&0x0F)
	if x >= 0 {
		b |= 0x80
	}
	return byte(b)
}

// UlawToLinear expands one µ-law byte to a 16-bit linear sample.
func UlawToLinear(u byte) int16 {
	v := int32(^u)
	t := ((v & 0x0F) << 3) + (ulawBias << 2)
	t <<= (v & 0x70) >> 4
	if v&0x80 != 0 {
		return int16((ulawBias << 2) - t)
	}
	return int16(t - (ulawBias << 2))
}

// LinearToAlaw compresses one 16-bit linear sample to an A-law byte, as the
// ITU-T G.191 reference (alaw_compress) does, including the inversion of the
// even bits (XOR 0x55).
func LinearToAlaw(sample int16) byte {
	x := int32(sample)
	var ix int32
	if x < 0 {
		ix = (^x) >> 4
	} else {
		ix = x >> 4
	}
	if ix > 15 {
		exp := int32(1)
		for ix > 31 {
			ix >>= 1
			exp++
		}
		ix += (exp << 4) - 16
	}
	if x >= 0 {
		ix |= 0x80
	}
	return byte(ix ^ 0x55)
}

// AlawToLinear expands one A-law byte to a 16-bit linear sample.
func AlawToLinear(a byte) int16 {
	v := int32(a ^ 0x55)
	t := (v & 0x0F) << 4
	seg := (v & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if v&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// grow returns dst extended by n elements and the extension; it allocates only
// when dst lacks the capacity.
func grow[T byte | int16](dst []T, n int) ([]T, []T) {
	l := len(dst)
	if cap(dst)-l < n {
		nd := make([]T, l, l+n)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:l+n]
	return dst, dst[l:]
}

// EncodeUlaw appends the µ-law encoding of pcm to dst and returns the
// extended slice, one byte per sample.
func EncodeUlaw(dst []byte, pcm []int16) []byte {
	dst, out := grow(dst, len(pcm))
	for i, s := range pcm {
		out[i] = LinearToUlaw(s)
	}
	return dst
}

// DecodeUlaw appends the linear samples of the µ-law bytes in data to dst and
// returns the extended slice.
func DecodeUlaw(dst []int16, data []byte) []int16 {
	dst, out := grow(dst, len(data))
	for i, b := range data {
		out[i] = UlawToLinear(b)
	}
	return dst
}

// EncodeAlaw appends the A-law encoding of pcm to dst and returns the
// extended slice, one byte per sample.
func EncodeAlaw(dst []byte, pcm []int16) []byte {
	dst, out := grow(dst, len(pcm))
	for i, s := range pcm {
		out[i] = LinearToAlaw(s)
	}
	return dst
}

// DecodeAlaw appends the linear samples of the A-law bytes in data to dst and
// returns the extended slice.
func DecodeAlaw(dst []int16, data []byte) []int16 {
	dst, out := grow(dst, len(data))
	for i, b := range data {
		out[i] = AlawToLinear(b)
	}
	return dst
}
