package peer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

// TestMain runs the tests, or BenchmarkSocketReads's sender when asked
// (batch_send_test.go).
func TestMain(m *testing.M) {
	if v := os.Getenv(benchSendEnv); v != "" {
		benchSend(v)
		return
	}
	goleak.VerifyTestMain(m)
}

// answerer is a plain pion peer that answers with only the given audio codec.
func answerer(t *testing.T, audioMime string, clockRate uint32, pt webrtc.PayloadType) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: audioMime, ClockRate: clockRate, Channels: 1}, PayloadType: pt}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// answerOffer has dev answer p's offer, with its candidates gathered, and
// gives p the answer.
func answerOffer(t *testing.T, p *Peer, dev *webrtc.PeerConnection, offer string) {
	t.Helper()
	if err := dev.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer, err := dev.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(dev)
	if err := dev.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := p.SetAnswer(dev.LocalDescription().SDP); err != nil {
		t.Fatal(err)
	}
}

// gatheredOffer makes a peer of cfg, closed when the test ends, and its
// offer with every candidate gathered.
func gatheredOffer(t *testing.T, cfg Config) (*Peer, string) {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offer, err := p.GatheredOffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p, offer
}

// TestTalkTrackFollowsTheAnswer: we offer PCMA first and PCMU second; a
// device that only takes PCMU answers with it, and the talk track must be
// PCMU, or nothing it sends would be decodable there.
func TestTalkTrackFollowsTheAnswer(t *testing.T) {
	p, offer := gatheredOffer(t, Config{Audio: webrtc.RTPTransceiverDirectionSendrecv, AudioCodecs: []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}})
	dev := answerer(t, webrtc.MimeTypePCMU, 8000, 0)
	if _, err := dev.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	answerOffer(t, p, dev, offer)
	track, codec, err := p.TalkTrack()
	if err != nil {
		t.Fatal(err)
	}
	inner, _ := p.talk.bound()
	if codec.MimeType != webrtc.MimeTypePCMU || inner.Codec().MimeType != webrtc.MimeTypePCMU || track == nil {
		t.Fatalf("talk track %s (codec %s), want PCMU as answered", inner.Codec().MimeType, codec.MimeType)
	}
	// And media flows: ICE and DTLS connect on loopback.
	deadline := time.After(10 * time.Second)
	for {
		if st, _ := p.State(); st == webrtc.PeerConnectionStateConnected {
			break
		}
		select {
		case <-p.States():
		case <-deadline:
			t.Fatal("not connected within 10 s")
		}
	}
}

func TestNoTalkWithoutSendingAudio(t *testing.T) {
	p, err := New(Config{Audio: webrtc.RTPTransceiverDirectionRecvonly, Video: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.TalkTrack(); !errors.Is(err, ErrNoTalk) {
		t.Fatalf("TalkTrack on a receive-only peer = %v, want ErrNoTalk", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
}

func TestCandidatesEndWithAnEmptyOne(t *testing.T) {
	p, err := New(Config{Video: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Offer(); err != nil {
		t.Fatal(err)
	}
	n := 0
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-p.Candidates():
			if c.Candidate == "" {
				if n == 0 {
					t.Fatal("gathering ended without a candidate")
				}
				return
			}
			n++
		case <-timeout:
			t.Fatal("gathering did not end within 10 s")
		}
	}
}

func TestPlanWithoutKnownCodecs(t *testing.T) {
	if _, err := New(Config{Audio: webrtc.RTPTransceiverDirectionRecvonly, AudioCodecs: []string{"audio/x-nothing"}}); !errors.Is(err, ErrNoCodecs) {
		t.Fatalf("New = %v, want ErrNoCodecs", err)
	}
}

func TestRedact(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"pion ICE agent", `Started agent: isControlling? true, remoteUfrag: "abcd", remotePwd: "s3cretPwdValue0123456789"`,
			`Started agent: isControlling? true, remoteUfrag: "abcd", remotePwd: (hidden)`},
		{"SDP line", "a=ice-pwd:P58s/ZyBRNVnuIxcrccmEmRG5\r\na=setup:actpass", "a=ice-pwd:(hidden)\r\na=setup:actpass"},
		{"turn credential", "allocate: username=1700000000:cam1 credential=abc+/=", "allocate: username=(hidden) credential=(hidden)"},
		{"nothing secret", "Setting new connection state: Checking", "Setting new connection state: Checking"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.in); got != tc.want {
				t.Fatalf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestSetAnswerWithoutACommonCodec: a device that answers with a codec we
// never offered is told apart from a malformed answer by ErrNoCommonCodec,
// not by the words of pion's error.
func TestSetAnswerWithoutACommonCodec(t *testing.T) {
	p, offer := gatheredOffer(t, Config{Audio: webrtc.RTPTransceiverDirectionSendrecv, AudioCodecs: []string{webrtc.MimeTypePCMA}})
	// The answer names PCMA's payload type 8 but maps it to another codec.
	dev := answerer(t, webrtc.MimeTypePCMA, 8000, 8)
	if _, err := dev.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	if err := dev.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer, err := dev.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.ReplaceAll(answer.SDP, "a=rtpmap:8 PCMA/8000", "a=rtpmap:18 G729/8000")
	bad = strings.Replace(bad, "UDP/TLS/RTP/SAVPF 8", "UDP/TLS/RTP/SAVPF 18", 1)
	if bad == answer.SDP {
		t.Fatalf("answer has no PCMA line to replace:\n%s", answer.SDP)
	}
	err = p.SetAnswer(bad)
	if !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("SetAnswer = %v, want ErrNoCommonCodec", err)
	}
	if err := p.SetAnswer("v=0\r\nnot an sdp"); err == nil || errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("SetAnswer(garbage) = %v, want an error that is not ErrNoCommonCodec", err)
	}
}
