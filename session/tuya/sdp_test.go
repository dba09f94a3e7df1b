package tuya

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// newTestCall returns a call of a Client that makes no network request.
func newTestCall(t *testing.T, twoWay, h265 bool) *Call {
	t.Helper()
	c, err := New(Config{ClientID: "c", Secret: "s", UID: "u", Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg := &WebRTCConfig{Auth: strings.Repeat("A", 44), MotoID: "moto_cnpref002"}
	if twoWay {
		cfg.AudioAttributes.CallMode = []int{1, 2}
	}
	if h265 {
		cfg.Skill.Videos = []SkillVideo{{CodecType: CodecH265}}
	}
	call := &Call{c: c, deviceID: "6cf2b6d2b09a2f8597xxxx", cfg: cfg,
		hdr: Header{From: "d09735be24f4b7eb3583b30bcaa2xxxx", To: "6cf2b6d2b09a2f8597xxxx", SessionID: randomHex(16), MotoID: cfg.MotoID}}
	call.plan = call.makePlan()
	return call
}

// pionOffer returns an offer of a pion peer with default codecs and
// interceptors, and the peer (closed at cleanup).
func pionOffer(t *testing.T, videoFirst bool) (*webrtc.PeerConnection, webrtc.SessionDescription) {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	kinds := []struct {
		k webrtc.RTPCodecType
		d webrtc.RTPTransceiverDirection
	}{{webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverDirectionSendrecv}, {webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverDirectionRecvonly}}
	if videoFirst {
		kinds[0], kinds[1] = kinds[1], kinds[0]
	}
	for _, k := range kinds {
		if k.k == webrtc.RTPCodecTypeAudio {
			// Talk audio is G.711, as the session's peer sends it.
			track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, "audio", "lookout")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: k.d}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := pc.AddTransceiverFromKind(k.k, webrtc.RTPTransceiverInit{Direction: k.d}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pc, offer
}

// bloat adds n host candidates to every media section, as a gathered
// offer on a machine with many interfaces has.
func bloat(sdp string, n int) string {
	var cands strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&cands, "a=candidate:%d 1 udp 2130706431 10.0.%d.%d 5%04d typ host\r\n", 1000+i, i/250, i%250+1, i)
	}
	return strings.ReplaceAll(sdp, "a=rtcp-mux\r\n", "a=rtcp-mux\r\n"+cands.String())
}

func mLines(sdp string) []string {
	return regexp.MustCompile(`(?m)^m=\S+`).FindAllString(sdp, -1)
}

func encodedSize(t *testing.T, call *Call, sdp string) int {
	t.Helper()
	b, err := call.encode(TypeOffer, call.offerMsg(sdp))
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

func TestShapeOfferPion(t *testing.T) {
	tests := []struct {
		name       string
		videoFirst bool
		h265       bool
		candidates int
	}{
		{name: "default pion offer"},
		{name: "video first", videoFirst: true},
		{name: "h265 camera", h265: true},
		{name: "with candidates", candidates: 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			call := newTestCall(t, true, tc.h265)
			_, offer := pionOffer(t, tc.videoFirst)
			in := bloat(offer.SDP, tc.candidates)
			out, err := call.ShapeOffer(in)
			if err != nil {
				t.Fatal(err)
			}
			if n := encodedSize(t, call, out); n > MaxPayload {
				t.Fatalf("shaped offer message is %d bytes", n)
			}
			t.Logf("message %d -> %d bytes", encodedSize(t, call, in), encodedSize(t, call, out))
			if m := mLines(out); len(m) != 2 || m[0] != "m=audio" || m[1] != "m=video" {
				t.Fatalf("m-lines %v", m)
			}
			if strings.Contains(out, "a=extmap") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") || !strings.HasSuffix(out, "\r\n") {
				t.Fatal("extmap left or line endings not CRLF")
			}
			for _, gone := range []string{"opus/", "VP8/", "VP9/", "AV1/", "rtx/", "red/", "ulpfec/", "transport-cc", "ssrc-group"} {
				if strings.Contains(out, gone) {
					t.Fatalf("%s left in\n%s", gone, out)
				}
			}
			for _, kept := range []string{"PCMU/8000", "PCMA/8000", "H264/90000", "a=fingerprint:", "a=ice-ufrag:", "a=sendrecv", "a=recvonly"} {
				if !strings.Contains(out, kept) {
					t.Fatalf("%s missing from\n%s", kept, out)
				}
			}
			if strings.Contains(out, "H265/90000") != tc.h265 {
				t.Fatalf("H265 present = %v, want %v", !tc.h265, tc.h265)
			}
			if tc.candidates > 0 && strings.Count(out, "a=candidate:") != 2*tc.candidates {
				t.Fatalf("candidates dropped: %d", strings.Count(out, "a=candidate:"))
			}
		})
	}
}

func TestShapeOfferShrinksLargeOffer(t *testing.T) {
	call := newTestCall(t, true, false)
	_, offer := pionOffer(t, false)
	in := bloat(offer.SDP, 40)
	if n := encodedSize(t, call, in); n <= MaxPayload {
		t.Fatalf("test offer is only %d bytes", n)
	}
	out, err := call.ShapeOffer(in)
	if err != nil {
		t.Fatal(err)
	}
	if n := encodedSize(t, call, out); n > MaxPayload {
		t.Fatalf("shaped offer message is %d bytes", n)
	}
	if m := mLines(out); m[0] != "m=audio" {
		t.Fatalf("m-lines %v", m)
	}
}

func TestShapeOfferRefuses(t *testing.T) {
	call := newTestCall(t, true, false)
	_, offer := pionOffer(t, false)
	opusOnly := regexp.MustCompile(`(?m)^(m=audio \S+ \S+) .*$`).ReplaceAllString(offer.SDP, "$1 111\r")
	tests := []struct {
		name string
		sdp  string
		want error
	}{
		{"too many candidates", bloat(offer.SDP, 120), ErrOfferTooLarge},
		{"no G.711", opusOnly, session.ErrUnsupportedCodec},
		{"no media", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", session.ErrProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := call.ShapeOffer(tc.sdp); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// mangle makes an answer look like what some cameras send.
func mangle(answer string, fromPT, toPT string) string {
	s := strings.ReplaceAll(answer, "\r\n", "\n")
	s = regexp.MustCompile(`(?m)^a=setup:.*\n`).ReplaceAllString(s, "")
	s = regexp.MustCompile(`(?m)^a=fingerprint:sha-256 (.*)$`).ReplaceAllStringFunc(s, func(l string) string {
		v := strings.TrimPrefix(l, "a=fingerprint:sha-256 ")
		return "a=fingerprint:SHA-256  " + strings.ToLower(v) + " "
	})
	re := regexp.MustCompile(`(?m)^(a=(?:rtpmap|fmtp|rtcp-fb):)` + fromPT + ` `)
	s = re.ReplaceAllString(s, "${1}"+toPT+" ")
	s = regexp.MustCompile(`(?m)^(m=video \S+ \S+)(.*)$`).ReplaceAllStringFunc(s, func(l string) string {
		f := strings.Fields(l)
		for i := 3; i < len(f); i++ {
			if f[i] == fromPT {
				f[i] = toPT
			}
		}
		return strings.Join(f, " ")
	})
	return s
}

func TestRepairAnswerPion(t *testing.T) {
	for _, videoFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("videoFirst=%v", videoFirst), func(t *testing.T) {
			call := newTestCall(t, true, false)
			offerer, offer := pionOffer(t, videoFirst)
			if err := offerer.SetLocalDescription(offer); err != nil {
				t.Fatal(err)
			}
			shaped, err := call.ShapeOffer(offer.SDP)
			if err != nil {
				t.Fatal(err)
			}
			// The "camera": a pion peer answering the shaped offer.
			cam, err := webrtc.NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer cam.Close()
			if err := cam.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: shaped}); err != nil {
				t.Fatal(err)
			}
			answer, err := cam.CreateAnswer(nil)
			if err != nil {
				t.Fatal(err)
			}
			h264 := regexp.MustCompile(`a=rtpmap:(\d+) H264/90000`).FindStringSubmatch(answer.SDP)
			if h264 == nil {
				t.Fatalf("camera answered no H264:\n%s", answer.SDP)
			}
			bad := mangle(answer.SDP, h264[1], "96")
			if strings.Contains(bad, "a=setup") || !strings.Contains(bad, "a=rtpmap:96 H264") {
				t.Fatalf("mangling failed:\n%s", bad)
			}
			// pion refuses the mangled answer as it is.
			check, _ := pionOffer(t, videoFirst)
			checkOffer, _ := check.CreateOffer(nil)
			_ = check.SetLocalDescription(checkOffer)
			if err := check.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: bad}); err == nil {
				t.Fatal("pion accepted the mangled answer; the test proves nothing")
			}

			fixed, err := call.RepairAnswer(shaped, bad)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(fixed, "a=rtpmap:"+h264[1]+" H264/90000") || strings.Contains(fixed, "a=rtpmap:96 H264") {
				t.Fatalf("payload type not mapped back:\n%s", fixed)
			}
			if err := offerer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: fixed}); err != nil {
				t.Fatalf("pion refused the repaired answer: %v\n%s", err, fixed)
			}
		})
	}
}

// repairOffer is the offer of the repairAnswer cases.
var repairOffer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 102 103 104\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n" +
	"a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" +
	"a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n" +
	"a=rtpmap:104 H264/90000\r\na=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\na=recvonly\r\n"

// repairCases are answers as cameras send them; FuzzRepairAnswer starts
// from them too.
var repairCases = []struct {
	name    string
	answer  string
	mids    []string
	want    []string // lines that must be in the result
	notWant []string
	order   []string // m-lines in order
}{
	{
		name: "fingerprint, setup, payload types, LF endings",
		answer: "v=0\no=- 5 5 IN IP4 1.2.3.4\ns=-\nt=0 0\n" +
			"m=audio 9 UDP/TLS/RTP/SAVPF 8\nc=IN IP4 0.0.0.0\na=fingerprint:SHA-256  ab:cd:ef \na=rtpmap:8 PCMA/8000\na=sendrecv\n" +
			"m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\nc=IN IP4 0.0.0.0\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1;profile-level-id=4d001f\n" +
			"a=rtcp-fb:96 nack pli\na=rtpmap:97 rtx/90000\na=fmtp:97 apt=96\na=rtpmap:98 VP8/90000\na=sendonly\n",
		want: []string{"a=fingerprint:sha-256 AB:CD:EF", "a=setup:active", "m=audio 9 UDP/TLS/RTP/SAVPF 8", "m=video 9 UDP/TLS/RTP/SAVPF 102 103",
			"a=rtpmap:102 H264/90000", "a=fmtp:102 packetization-mode=1;profile-level-id=4d001f", "a=rtcp-fb:102 nack pli",
			"a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102", "a=mid:0", "a=mid:1", "a=group:BUNDLE 0 1"},
		notWant: []string{"VP8", "a=rtpmap:96", "a=setup:actpass"},
		order:   []string{"m=audio", "m=video"},
	},
	{
		name: "fingerprint without colons, actpass, static PT without rtpmap",
		answer: "v=0\r\no=- 5 5 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 abcdef01\r\na=setup:actpass\r\n" +
			"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n" +
			"m=video 9 UDP/TLS/RTP/SAVPF 104\r\na=mid:1\r\na=rtpmap:104 H264/90000\r\na=fmtp:104 packetization-mode=0\r\n",
		want:    []string{"a=fingerprint:sha-256 AB:CD:EF:01", "a=setup:active", "m=audio 9 UDP/TLS/RTP/SAVPF 0", "m=video 9 UDP/TLS/RTP/SAVPF 104"},
		notWant: []string{"a=setup:actpass"},
	},
	{
		name: "sections back in the offer's order",
		answer: "v=0\r\no=- 5 5 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=setup:active\r\n" +
			"m=audio 9 UDP/TLS/RTP/SAVPF 8\r\na=mid:1\r\na=rtpmap:8 PCMA/8000\r\n" +
			"m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=rtpmap:102 H264/90000\r\n",
		mids:  []string{"0", "1"},
		order: []string{"m=video", "m=audio"},
	},
}

func TestRepairAnswerCases(t *testing.T) {
	offer := repairOffer
	tests := repairCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := repairAnswer(offer, tc.answer, tc.mids)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") || !strings.HasSuffix(got, "\r\n") {
				t.Fatalf("line endings not CRLF: %q", got)
			}
			lines := strings.Split(got, "\r\n")
			has := func(l string) bool {
				for _, x := range lines {
					if x == l {
						return true
					}
				}
				return false
			}
			for _, w := range tc.want {
				if !has(w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("%q still in\n%s", w, got)
				}
			}
			if tc.order != nil {
				if m := mLines(got); strings.Join(m, ",") != strings.Join(tc.order, ",") {
					t.Errorf("m-lines %v, want %v", m, tc.order)
				}
			}
		})
	}
	if _, err := repairAnswer(offer, "v=0\r\n", nil); !errors.Is(err, session.ErrProtocol) {
		t.Fatalf("answer without media: %v", err)
	}
}

// TestShapeOfferKeepsCaptureTime: of all header extensions, only the video
// section's abs-capture-time survives shaping (the demo cameras' capture
// time, for the tile's latency), and only while the offer has room.
func TestShapeOfferKeepsCaptureTime(t *testing.T) {
	const line = "a=extmap:9 " + player.AbsCaptureTimeURI
	tests := []struct {
		name  string
		level int
		kind  string
		keep  bool
	}{
		{"video, unshaped", 0, "video", true},
		{"video, one codec variant", 1, "video", true},
		{"video, squeezed", 2, "video", false},
		{"audio", 0, "audio", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keepCaptureTime(line, tc.kind, tc.level); got != tc.keep {
				t.Fatalf("keepCaptureTime = %v, want %v", got, tc.keep)
			}
		})
	}
	call := newTestCall(t, true, false)
	_, offer := pionOffer(t, false)
	in := offer.SDP
	i := strings.Index(in, "m=video")
	j := strings.Index(in[i:], "\r\n") + i + 2
	in = in[:j] + line + "\r\n" + in[j:]
	out, err := call.ShapeOffer(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "a=extmap") != 1 || !strings.Contains(out, line+"\r\n") {
		t.Fatalf("want only %q of the extensions, got\n%s", line, out)
	}
	if v := out[strings.Index(out, "m=video"):]; !strings.Contains(v, line) {
		t.Fatalf("%q not in the video section", line)
	}
}
