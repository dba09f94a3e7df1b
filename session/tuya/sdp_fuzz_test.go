package tuya

import (
	"errors"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session"
)

// fuzzAllowed are the codecs a two-way Tuya call offers.
var fuzzAllowed = []string{webrtcPCMU, webrtcPCMA, webrtcH264}

const (
	webrtcPCMU = "audio/PCMU"
	webrtcPCMA = "audio/PCMA"
	webrtcH264 = "video/H264"
)

// checkCRLF fails unless s is CRLF-terminated lines only.
func checkCRLF(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("%s: line endings not CRLF: %q", what, s)
	}
}

// FuzzShapeOffer shapes arbitrary offers (what a peer could produce, plus
// anything): no panic, and either an error classified as a protocol or codec
// problem, or CRLF lines with at least one media section that fit.
func FuzzShapeOffer(f *testing.F) {
	f.Add(repairOffer)
	for _, tc := range repairCases {
		f.Add(tc.answer)
	}
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n")
	f.Fuzz(func(t *testing.T, sdp string) {
		const limit = 4096
		out, _, err := shapeOffer(sdp, fuzzAllowed, func(s string) bool { return len(s) <= limit })
		if err != nil {
			if !errors.Is(err, session.ErrProtocol) && !errors.Is(err, session.ErrUnsupportedCodec) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		checkCRLF(t, "shaped offer", out)
		if len(out) > limit {
			t.Fatalf("shaped offer of %d bytes passed a %d-byte limit", len(out), limit)
		}
		if !strings.Contains(out, "m=") {
			t.Fatalf("shaped offer without media: %q", out)
		}
	})
}

// FuzzRepairAnswer repairs arbitrary answers to arbitrary offers, as a
// camera could send them: no panic, and either a protocol error or CRLF
// lines with as many media sections as the answer had.
func FuzzRepairAnswer(f *testing.F) {
	for _, tc := range repairCases {
		f.Add(repairOffer, tc.answer, strings.Join(tc.mids, " "))
	}
	f.Add(repairOffer, "v=0\r\n", "")
	f.Add("", "m=video 9 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fingerprint:sha-256 zz\n", "1 0")
	f.Fuzz(func(t *testing.T, offer, answer, mids string) {
		out, err := repairAnswer(offer, answer, strings.Fields(mids))
		if err != nil {
			if !errors.Is(err, session.ErrProtocol) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		checkCRLF(t, "repaired answer", out)
		if got, want := len(parseSDP(out).media), len(parseSDP(answer).media); got != want {
			t.Fatalf("repaired answer has %d media sections, the answer %d", got, want)
		}
	})
}
