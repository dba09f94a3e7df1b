package player

import (
	"bytes"
	"testing"
)

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	return b
}

var (
	h264SPS    = []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	h264PPS    = []byte{0x68, 0xce, 0x3c, 0x80}
	h264IDR    = []byte{0x65, 0x88, 0x84, 0x00, 0x33}
	h264P      = []byte{0x41, 0x9a, 0x02, 0x03} // first_mb 0, slice_type 5 (P)
	h264ISlice = []byte{0x41, 0xb8, 0x02, 0x03} // first_mb 0, slice_type 7 (I)
	h264SEI    = []byte{0x06, 0x05, 0x01, 0xff, 0x80}
)

var classifyCases = []struct {
	name string
	mime string
	au   []byte
	want auKind
}{
	{"h264 sps pps idr", MimeTypeH264, annexB(h264SPS, h264PPS, h264IDR), auKey},
	{"h264 idr alone", MimeTypeH264, annexB(h264IDR), auKey},
	{"h264 p slice", MimeTypeH264, annexB(h264P), auDelta},
	{"h264 sei and p slice", MimeTypeH264, annexB(h264SEI, h264P), auDelta},
	{"h264 i slice without sps", MimeTypeH264, annexB(h264ISlice), auDelta},
	{"h264 sps with non-idr i slice", MimeTypeH264, annexB(h264SPS, h264PPS, h264ISlice), auKey},
	{"h264 parameter sets only", MimeTypeH264, annexB(h264SPS, h264PPS), auConfig},
	{"h264 three byte start codes", MimeTypeH264, []byte{0, 0, 1, 0x65, 0x88, 0, 0, 1, 0x41, 0x9a}, auKey},
	{"h264 empty", MimeTypeH264, nil, auConfig},
	{"h265 vps sps pps idr", MimeTypeH265, annexB([]byte{0x40, 0x01, 0x0c}, []byte{0x42, 0x01, 0x01}, []byte{0x44, 0x01, 0xc1}, []byte{0x26, 0x01, 0xaf}), auKey},
	{"h265 cra", MimeTypeH265, annexB([]byte{0x2a, 0x01, 0xaf}), auKey},
	{"h265 trail", MimeTypeH265, annexB([]byte{0x02, 0x01, 0xd0}), auDelta},
	{"h265 sei only", MimeTypeH265, annexB([]byte{0x4e, 0x01, 0x05}), auConfig},
	{"vp8 key", MimeTypeVP8, []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02}, auKey},
	{"vp8 inter", MimeTypeVP8, []byte{0x31, 0x02, 0x00, 0x11, 0x22, 0x33}, auDelta},
	{"vp8 short", MimeTypeVP8, []byte{0x50}, auDelta},
	// frame_marker 2, profile 0, show_existing 0, frame_type 0, show 1, error_res 0, sync code, 8-bit 4:2:0 limited, 352x288.
	{"vp9 key", MimeTypeVP9, []byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x15, 0xf0, 0x11, 0xf0}, auKey},
	{"vp9 inter", MimeTypeVP9, []byte{0x86, 0x00, 0x40, 0x92}, auDelta},
	{"vp9 garbage", MimeTypeVP9, []byte{0x00}, auDelta},
	// temporal delimiter, sequence header, frame
	{"av1 key", MimeTypeAV1, []byte{0x12, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x32, 0x01, 0x10}, auKey},
	{"av1 frame only", MimeTypeAV1, []byte{0x12, 0x00, 0x32, 0x02, 0x30, 0x00}, auDelta},
	{"av1 truncated size", MimeTypeAV1, []byte{0x12, 0x80}, auDelta},
}

func TestClassify(t *testing.T) {
	for _, tc := range classifyCases {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := lookupCodec(tc.mime)
			if !ok {
				t.Fatalf("codec %q not found", tc.mime)
			}
			if got := c.classify(tc.au); got != tc.want {
				t.Fatalf("classify = %d, want %d", got, tc.want)
			}
			if got := IsKeyframe(tc.mime, tc.au); got != (tc.want == auKey) {
				t.Fatalf("IsKeyframe = %v", got)
			}
		})
	}
}

func TestLookupCodec(t *testing.T) {
	for _, tc := range []struct {
		mime, name string
		ok         bool
	}{
		{"video/H264", "H264", true},
		{"video/h264", "H264", true},
		{"video/H265", "H265", true},
		{"video/vp8", "VP8", true},
		{"video/VP9", "VP9", true},
		{"video/AV1", "AV1", true},
		{"video/mpeg4", "", false},
		{"audio/opus", "", false},
	} {
		c, ok := lookupCodec(tc.mime)
		if ok != tc.ok || c.name != tc.name {
			t.Errorf("lookupCodec(%q) = %q, %v; want %q, %v", tc.mime, c.name, ok, tc.name, tc.ok)
		}
	}
}

func TestForEachNAL(t *testing.T) {
	in := []byte{0, 0, 0, 1, 0x67, 0x01, 0, 0, 1, 0x68, 0x02, 0, 0, 0, 1, 0x65, 0x03, 0x00, 0x00}
	var got [][]byte
	forEachNAL(in, func(n []byte) { got = append(got, n) })
	want := [][]byte{{0x67, 0x01}, {0x68, 0x02}, {0x65, 0x03, 0x00, 0x00}}
	if len(got) != len(want) {
		t.Fatalf("got %d NALs %x, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("NAL %d = %x, want %x", i, got[i], want[i])
		}
	}
}

func TestH264SliceHeader(t *testing.T) {
	for _, tc := range []struct {
		name         string
		nal          []byte
		firstMB, typ uint32
		ok           bool
	}{
		{"idr first", h264IDR, 0, 7, true},
		{"p first", h264P, 0, 5, true},
		{"second slice", []byte{0x41, 0x42, 0x80}, 1, 9, true}, // bits 010 then 0001010: first_mb 1, slice_type 9
		{"sps is not a slice", h264SPS, 0, 0, false},
		{"truncated", []byte{0x41, 0x00}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mb, st, ok := H264SliceHeader(tc.nal)
			if ok != tc.ok || (ok && (mb != tc.firstMB || st != tc.typ)) {
				t.Fatalf("H264SliceHeader = %d, %d, %v; want %d, %d, %v", mb, st, ok, tc.firstMB, tc.typ, tc.ok)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	for _, tc := range classifyCases {
		f.Add(tc.mime, tc.au)
	}
	f.Fuzz(func(t *testing.T, mime string, au []byte) {
		if c, ok := lookupCodec(mime); ok {
			k := c.classify(au)
			if k < auConfig || k > auKey {
				t.Fatalf("classify returned %d", k)
			}
		}
		forEachNAL(au, func(n []byte) {
			if len(n) == 0 {
				t.Fatal("forEachNAL yielded an empty NAL")
			}
			_, _, _ = H264SliceHeader(n)
		})
	})
}
