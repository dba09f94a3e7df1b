package g711

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// The digests were produced by FFmpeg 5.1 (pcm_mulaw, pcm_alaw) decoding the
// bytes 0 to 255 to little-endian int16. FFmpeg's encoders round to the
// nearest decoded value instead of truncating as the ITU reference does, so
// only its decoders serve as a reference.
const (
	ffmpegUlawDecodeAll = "3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827"
	ffmpegAlawDecodeAll = "e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174"
)

// sampleCases are values from the G.711 tables (µ-law Table 2a, A-law
// Table 1a with the even-bit inversion) as 16-bit linear samples.
var sampleCases = []struct {
	name       string
	in         int16
	ulaw, alaw byte
	// ulawOut and alawOut are the decoder outputs for the codes.
	ulawOut, alawOut int16
}{
	{name: "zero", in: 0, ulaw: 0xFF, alaw: 0xD5, ulawOut: 0, alawOut: 8},
	{name: "minus one", in: -1, ulaw: 0x7F, alaw: 0x55, ulawOut: 0, alawOut: -8},
	{name: "small positive", in: 100, ulaw: 0xF2, alaw: 0xD3, ulawOut: 104, alawOut: 104},
	{name: "mid positive", in: 1000, ulaw: 0xCE, alaw: 0xFA, ulawOut: 988, alawOut: 1008},
	{name: "mid negative", in: -1000, ulaw: 0x4E, alaw: 0x7A, ulawOut: -988, alawOut: -1008},
	{name: "max", in: 32767, ulaw: 0x80, alaw: 0xAA, ulawOut: 32124, alawOut: 32256},
	{name: "min", in: -32768, ulaw: 0x00, alaw: 0x2A, ulawOut: -32124, alawOut: -32256},
}

func TestSamples(t *testing.T) {
	for _, tc := range sampleCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LinearToUlaw(tc.in); got != tc.ulaw {
				t.Errorf("LinearToUlaw(%d) = %#02x, want %#02x", tc.in, got, tc.ulaw)
			}
			if got := LinearToAlaw(tc.in); got != tc.alaw {
				t.Errorf("LinearToAlaw(%d) = %#02x, want %#02x", tc.in, got, tc.alaw)
			}
			if got := UlawToLinear(tc.ulaw); got != tc.ulawOut {
				t.Errorf("UlawToLinear(%#02x) = %d, want %d", tc.ulaw, got, tc.ulawOut)
			}
			if got := AlawToLinear(tc.alaw); got != tc.alawOut {
				t.Errorf("AlawToLinear(%#02x) = %d, want %d", tc.alaw, got, tc.alawOut)
			}
		})
	}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestMatchesReferenceTables(t *testing.T) {
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	le := func(pcm []int16) []byte {
		b := make([]byte, 2*len(pcm))
		for i, s := range pcm {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
		}
		return b
	}
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"ulaw decode", le(DecodeUlaw(nil, codes)), ffmpegUlawDecodeAll},
		{"alaw decode", le(DecodeAlaw(nil, codes)), ffmpegAlawDecodeAll},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if d := digest(tc.got); d != tc.want {
				t.Errorf("digest %s, want %s", d, tc.want)
			}
		})
	}
}

// maxError is the largest round-trip error G.711 allows for x: half a
// quantisation step, which is at most 1/32 of the magnitude (16 steps per
// segment, a segment spans a doubling) plus the finest half step near zero,
// and the clipping of the outermost segment.
func maxError(x int16) int {
	m := int(x)
	if m < 0 {
		m = -m
	}
	return m/32 + 8 + max(0, m-32124)
}

func checkRoundTrip(t *testing.T, pcm []int16) {
	t.Helper()
	u := DecodeUlaw(nil, EncodeUlaw(nil, pcm))
	a := DecodeAlaw(nil, EncodeAlaw(nil, pcm))
	for i, x := range pcm {
		if d := abs(int(u[i]) - int(x)); d > maxError(x) {
			t.Fatalf("ulaw round trip of %d gave %d (error %d > %d)", x, u[i], d, maxError(x))
		}
		if d := abs(int(a[i]) - int(x)); d > maxError(x) {
			t.Fatalf("alaw round trip of %d gave %d (error %d > %d)", x, a[i], d, maxError(x))
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// refUlaw and refAlaw are the segment-search formulation of the encoders
// (Sun's g711.c, with the one's complement magnitude of ITU-T G.191), an
// independent check of the loop formulation used by the package.
func refUlaw(s int16) byte {
	v := int32(s)
	mask := int32(0xFF)
	if v < 0 {
		v = ^v
		mask = 0x7F
	}
	v >>= 2
	if v > 8159 {
		v = 8159
	}
	v += 33
	ends := [8]int32{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	for seg, e := range ends {
		if v <= e {
			return byte((int32(seg)<<4 | (v>>(seg+1))&0x0F) ^ mask)
		}
	}
	return byte(0x7F ^ mask)
}

func refAlaw(s int16) byte {
	v := int32(s)
	mask := int32(0xD5)
	if v < 0 {
		v = ^v
		mask = 0x55
	}
	v >>= 3
	ends := [8]int32{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	for seg, e := range ends {
		if v <= e {
			a := int32(seg) << 4
			if seg < 2 {
				a |= (v >> 1) & 0x0F
			} else {
				a |= (v >> seg) & 0x0F
			}
			return byte(a ^ mask)
		}
	}
	return byte(0x7F ^ mask)
}

func TestEncodersMatchReference(t *testing.T) {
	for v := -32768; v <= 32767; v++ {
		s := int16(v)
		if got, want := LinearToUlaw(s), refUlaw(s); got != want {
			t.Fatalf("LinearToUlaw(%d) = %#02x, reference %#02x", s, got, want)
		}
		if got, want := LinearToAlaw(s), refAlaw(s); got != want {
			t.Fatalf("LinearToAlaw(%d) = %#02x, reference %#02x", s, got, want)
		}
	}
}

func TestRoundTripBounds(t *testing.T) {
	all := make([]int16, 0, 65536)
	for v := -32768; v <= 32767; v++ {
		all = append(all, int16(v))
	}
	checkRoundTrip(t, all)
}

func TestCodesAreFixedPoints(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if got := UlawToLinear(LinearToUlaw(UlawToLinear(b))); got != UlawToLinear(b) {
			t.Errorf("ulaw code %#02x: decode(encode(decode)) = %d, want %d", b, got, UlawToLinear(b))
		}
		if got := LinearToAlaw(AlawToLinear(b)); got != b {
			t.Errorf("alaw code %#02x: encode(decode) = %#02x", b, got)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(i * 200)
	}
	enc := make([]byte, 0, 160)
	dec := make([]int16, 0, 160)
	n := testing.AllocsPerRun(100, func() {
		enc = EncodeUlaw(enc[:0], pcm)
		dec = DecodeUlaw(dec[:0], enc)
		enc = EncodeAlaw(enc[:0], pcm)
		dec = DecodeAlaw(dec[:0], enc)
	})
	if n != 0 {
		t.Fatalf("%v allocations per run, want 0", n)
	}
}

func TestAppends(t *testing.T) {
	got := EncodeUlaw([]byte{1, 2}, []int16{0, 32767})
	if want := []byte{1, 2, 0xFF, 0x80}; string(got) != string(want) {
		t.Fatalf("EncodeUlaw appended %x, want %x", got, want)
	}
	pcm := DecodeAlaw([]int16{7}, []byte{0xD5})
	if len(pcm) != 2 || pcm[0] != 7 || pcm[1] != 8 {
		t.Fatalf("DecodeAlaw appended %v, want [7 8]", pcm)
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, tc := range sampleCases {
		b := make([]byte, 2)
		binary.LittleEndian.PutUint16(b, uint16(tc.in))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		checkRoundTrip(t, pcm)
		// Any byte string decodes, and re-encoding the decoded samples
		// yields codes that decode to the same samples.
		u := DecodeUlaw(nil, data)
		if again := DecodeUlaw(nil, EncodeUlaw(nil, u)); string(EncodeUlaw(nil, again)) != string(EncodeUlaw(nil, u)) {
			t.Fatalf("ulaw decode/encode not stable for %x", data)
		}
		a := DecodeAlaw(nil, data)
		if got := EncodeAlaw(nil, a); string(got) != string(data) {
			t.Fatalf("alaw encode(decode(%x)) = %x", data, got)
		}
	})
}
