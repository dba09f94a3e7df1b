package player

import (
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/rtp/codecs/vp9"
)

// MIME types of the video codecs the player handles; they equal pion's
// webrtc.MimeTypeH264 and friends. Matching is case-insensitive.
const (
	MimeTypeH264 = "video/H264"
	MimeTypeH265 = "video/H265"
	MimeTypeVP8  = "video/VP8"
	MimeTypeVP9  = "video/VP9"
	MimeTypeAV1  = "video/AV1"
)

// auKind classifies an access unit for keyframe gating.
type auKind int

const (
	// auConfig carries no picture (parameter sets, SEI): always decoded.
	auConfig auKind = iota
	// auDelta is a picture that needs earlier pictures.
	auDelta
	// auKey is a picture the decoder can start from.
	auKey
)

// codecInfo is what the player knows about one codec.
type codecInfo struct {
	name     string
	mime     string
	newDepay func() rtp.Depacketizer
	classify func(au []byte) auKind
}

var videoCodecs = []codecInfo{
	{"H264", MimeTypeH264, func() rtp.Depacketizer { return &h264Depacketizer{} }, classifyH264},
	{"H265", MimeTypeH265, func() rtp.Depacketizer { return &codecs.H265Depacketizer{} }, classifyH265},
	{"VP8", MimeTypeVP8, func() rtp.Depacketizer { return &codecs.VP8Packet{} }, classifyVP8},
	{"VP9", MimeTypeVP9, func() rtp.Depacketizer { return &codecs.VP9Packet{} }, classifyVP9},
	{"AV1", MimeTypeAV1, func() rtp.Depacketizer { return &codecs.AV1Depacketizer{} }, classifyAV1},
}

// lookupCodec finds the codec for a MIME type such as "video/H264".
func lookupCodec(mime string) (codecInfo, bool) {
	for _, c := range videoCodecs {
		if strings.EqualFold(c.mime, mime) {
			return c, true
		}
	}
	return codecInfo{}, false
}

// IsKeyframe reports whether an access unit of the codec named by mime (as
// produced by the depacketizer: Annex-B for H.264/H.265, one frame for VP8 and
// VP9, low-overhead OBUs for AV1) is a picture a decoder can start from.
func IsKeyframe(mime string, au []byte) bool {
	c, ok := lookupCodec(mime)
	return ok && c.classify(au) == auKey
}

// forEachNAL calls fn with each NAL unit (without start code) of an Annex-B
// byte stream.
func forEachNAL(b []byte, fn func(nal []byte)) {
	start := -1
	i := 0
	for i+2 < len(b) {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				end := i
				// A four-byte start code leaves one zero at the end of the previous NAL.
				for end > start && b[end-1] == 0 {
					end--
				}
				if end > start {
					fn(b[start:end])
				}
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		fn(b[start:])
	}
}

// bitReader reads bits MSB first, for the few Exp-Golomb fields the player
// needs. Emulation prevention bytes are not removed: the fields read sit in the
// first bytes of a slice header, where none can occur.
type bitReader struct {
	b   []byte
	pos int
}

func (r *bitReader) bit() (uint32, bool) {
	if r.pos >= len(r.b)*8 {
		return 0, false
	}
	v := uint32(r.b[r.pos/8]>>(7-uint(r.pos%8))) & 1
	r.pos++
	return v, true
}

// ue reads an unsigned Exp-Golomb code (H.264 section 9.1).
func (r *bitReader) ue() (uint32, bool) {
	zeros := 0
	for {
		b, ok := r.bit()
		if !ok {
			return 0, false
		}
		if b == 1 {
			break
		}
		zeros++
		if zeros > 31 {
			return 0, false
		}
	}
	var v uint32
	for range zeros {
		b, ok := r.bit()
		if !ok {
			return 0, false
		}
		v = v<<1 | b
	}
	return (1<<uint(zeros) - 1) + v, true
}

// H264SliceHeader returns first_mb_in_slice and slice_type of an H.264 slice
// NAL unit (types 1 and 5, header byte included); ok is false for other NAL
// types or truncated data.
func H264SliceHeader(nal []byte) (firstMB, sliceType uint32, ok bool) {
	if len(nal) < 2 {
		return 0, 0, false
	}
	if t := nal[0] & 0x1f; t != 1 && t != 5 {
		return 0, 0, false
	}
	r := bitReader{b: nal[1:]}
	if firstMB, ok = r.ue(); !ok {
		return 0, 0, false
	}
	if sliceType, ok = r.ue(); !ok {
		return 0, 0, false
	}
	return firstMB, sliceType, true
}

// classifyH264 finds IDR slices, and treats an I slice that comes with an SPS
// as a keyframe too: some cameras open each GOP with a non-IDR I picture.
func classifyH264(au []byte) auKind {
	var vcl, idr, sps, intra bool
	forEachNAL(au, func(nal []byte) {
		switch nal[0] & 0x1f {
		case 5:
			vcl, idr = true, true
		case 1:
			vcl = true
			if _, st, ok := H264SliceHeader(nal); ok && st%5 == 2 {
				intra = true
			}
		case 2, 3, 4:
			vcl = true
		case 7:
			sps = true
		}
	})
	switch {
	case idr || (sps && intra):
		return auKey
	case vcl:
		return auDelta
	}
	return auConfig
}

// classifyH265 treats IRAP pictures (BLA, IDR, CRA: NAL types 16 to 21) as
// keyframes.
func classifyH265(au []byte) auKind {
	kind := auConfig
	forEachNAL(au, func(nal []byte) {
		t := (nal[0] >> 1) & 0x3f
		switch {
		case t >= 16 && t <= 21:
			kind = auKey
		case t < 32 && kind == auConfig:
			kind = auDelta
		}
	})
	return kind
}

// classifyVP8 reads the frame tag's key-frame bit (RFC 6386 section 9.1): 0
// means a key frame, which also carries the start code 9d 01 2a.
func classifyVP8(f []byte) auKind {
	if len(f) >= 6 && f[0]&1 == 0 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a {
		return auKey
	}
	return auDelta
}

// classifyVP9 parses the uncompressed header of the first frame.
func classifyVP9(f []byte) auKind {
	var h vp9.Header
	if err := h.Unmarshal(f); err == nil && !h.ShowExistingFrame && !h.NonKeyFrame {
		return auKey
	}
	return auDelta
}

// classifyAV1 treats a temporal unit carrying a sequence header OBU as a
// keyframe: encoders for RTP (libwebrtc, libaom, SVT-AV1) repeat the sequence
// header on every key frame, and the AV1 RTP spec sets N there.
func classifyAV1(tu []byte) auKind {
	for len(tu) > 0 {
		h := tu[0]
		typ := (h >> 3) & 0x0f
		if typ == 1 {
			return auKey
		}
		n := 1
		if h&0x04 != 0 {
			n++
		}
		if h&0x02 == 0 || n > len(tu) {
			break
		}
		size, used, ok := leb128(tu[n:])
		if !ok || size > uint64(len(tu)-n-used) {
			break
		}
		tu = tu[n+used+int(size):]
	}
	return auDelta
}

// leb128 decodes an unsigned LEB128 number (AV1 section 4.10.5).
func leb128(b []byte) (v uint64, n int, ok bool) {
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i]&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}
