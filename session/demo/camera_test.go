package demo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/tuya"
)

// testViewer is the client side of the Tuya flow, written from the spec:
// token, access/config, webrtc-configs, then 302 messages over MQTT.
type testViewer struct {
	t        *testing.T
	api      *apiClient
	deviceID string
	cfg      webRTCResult
	mc       accessConfigResult
	mq       paho.Client
	from     string
	inbox    chan *tuya.Message
}

func newTestViewer(t *testing.T, s *Site, deviceID string) *testViewer {
	t.Helper()
	c := newAPIClient(t, s)
	c.login()
	v := &testViewer{t: t, api: c, deviceID: deviceID, inbox: make(chan *tuya.Message, 256)}
	v.mc = issueMQTT(t, c)
	if cam := s.Camera(deviceID); cam != nil && cam.Online() {
		c.result(c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices/"+deviceID+"/webrtc-configs", nil, nil), &v.cfg)
	} else if cam != nil {
		v.cfg = webRTCResult{Auth: cam.Auth(), MotoID: cam.MotoID(), ID: cam.ID()}
	}
	// Spec 4.1: the client's "from" is the source topic after "/av/u/".
	v.from = strings.TrimPrefix(v.mc.SourceTopic["ipc"], "/av/u/")
	mq, err := dialMQTT(t, s, v.mc.URL, v.mc.ClientID, v.mc.Username, v.mc.Password)
	if err != nil {
		t.Fatalf("MQTT: %v", err)
	}
	v.mq = mq
	tok := mq.Subscribe(v.mc.SourceTopic["ipc"], 1, func(_ paho.Client, m paho.Message) {
		msg, err := tuya.Decode(m.Payload())
		if err != nil {
			return
		}
		select {
		case v.inbox <- msg:
		default:
		}
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return v
}

// sinkTopic is the topic of the device, from the sink_topic template.
func (v *testViewer) sinkTopic() string {
	s := strings.Replace(v.mc.SinkTopic["ipc"], "moto_id", v.cfg.MotoID, 1)
	return strings.Replace(s, "{device_id}", v.deviceID, 1)
}

// publish sends raw bytes to the device's topic.
func (v *testViewer) publish(b []byte) error {
	tok := v.mq.Publish(v.sinkTopic(), 1, false, b)
	if !tok.WaitTimeout(5 * time.Second) {
		return errors.New("publish timed out")
	}
	return tok.Error()
}

// send encodes and publishes a 302 message.
func (v *testViewer) send(sid, typ string, msg any) error {
	b, err := tuya.Encode(tuya.Header{Type: typ, From: v.from, To: v.deviceID, SessionID: sid, MotoID: v.cfg.MotoID}, msg, time.Now())
	if err != nil {
		return err
	}
	if len(b) > tuya.MaxPayload {
		return errors.New("message over MaxPayload")
	}
	return v.publish(b)
}

// next waits for a message of session sid.
func (v *testViewer) next(ctx context.Context, sid string) (*tuya.Message, error) {
	for {
		select {
		case m := <-v.inbox:
			if m.Data.Header.SessionID == sid {
				return m, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// newTestPeer returns a pion peer that offers PCMU/PCMA sendrecv and H.264
// recvonly, as Lookout does.
func newTestPeer(t *testing.T) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	for _, c := range []struct {
		p webrtc.RTPCodecParameters
		k webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
	} {
		if err := m.RegisterCodec(c.p, c.k); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)).
		NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.GracefulClose() })
	return pc
}

// firstNALType returns the type of the first NAL unit an H.264 RTP payload
// carries (looking inside STAP-A and FU-A).
func firstNALType(p []byte) byte {
	if len(p) < 2 {
		return 0
	}
	switch t := p[0] & 0x1F; t {
	case 24: // STAP-A: 2-byte size, then the NAL
		if len(p) < 4 {
			return 0
		}
		return p[3] & 0x1F
	case 28: // FU-A
		return p[1] & 0x1F
	default:
		return t
	}
}

func rms(pcm []int16) float64 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(max(len(pcm), 1)))
}

// testCall is one call from a test peer to a camera.
type testCall struct {
	pc        *webrtc.PeerConnection
	talk      *webrtc.TrackLocalStaticSample
	videoPkts chan *rtp.Packet
	audioPkts chan *rtp.Packet
	sendErrs  chan error
	sid       string
	offerSize int
}

// callCamera runs the whole Tuya exchange with a real pion peer: offer with
// trickled candidates, answer, the camera's candidates ending with an empty
// one. It returns once the exchange is done; media may not flow yet.
func callCamera(t *testing.T, ctx context.Context, v *testViewer, stream int) *testCall {
	t.Helper()
	pc := newTestPeer(t)
	c := &testCall{
		pc:        pc,
		videoPkts: make(chan *rtp.Packet, 512),
		audioPkts: make(chan *rtp.Packet, 512),
		sendErrs:  make(chan error, 64),
		sid:       "s" + randomHex(15),
	}
	var err error
	c.talk, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "talk", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(c.talk, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		out := c.audioPkts
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			out = c.videoPkts
			if !strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeH264) {
				return
			}
		}
		go func() {
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				select {
				case out <- p:
				default:
				}
			}
		}()
	})
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		s := ""
		if cand != nil {
			s = "a=" + cand.ToJSON().Candidate
		}
		if err := v.send(c.sid, tuya.TypeCandidate, tuya.CandidateMsg{Mode: "webrtc", Candidate: s}); err != nil {
			select {
			case c.sendErrs <- err:
			default:
			}
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	c.offerSize = len(offer.SDP)
	if err := v.send(c.sid, tuya.TypeOffer, tuya.OfferMsg{Mode: "webrtc", SDP: offer.SDP, StreamType: stream, Auth: v.cfg.Auth}); err != nil {
		t.Fatal(err)
	}

	// The answer comes first, then candidates ending with an empty one.
	m, err := v.next(ctx, c.sid)
	if err != nil {
		fatalWithStacks(t, "no answer: %v", err)
	}
	h := m.Data.Header
	if h.Type != tuya.TypeAnswer || h.From != v.deviceID || h.To != v.from || h.MotoID != v.cfg.MotoID {
		t.Fatalf("first reply header %+v, want an answer from %s", h, v.deviceID)
	}
	var am tuya.AnswerMsg
	if err := json.Unmarshal(m.Data.Msg, &am); err != nil || am.Mode != "webrtc" {
		t.Fatalf("answer msg %s: %v", m.Data.Msg, err)
	}
	if !strings.Contains(am.SDP, "PCMU/8000") || !strings.Contains(am.SDP, "H264/90000") {
		t.Fatalf("answer lacks PCMU or H264:\n%s", am.SDP)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: am.SDP}); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := v.next(ctx, c.sid)
		if err != nil {
			fatalWithStacks(t, "candidates: %v", err)
		}
		if m.Data.Header.Type != tuya.TypeCandidate {
			t.Fatalf("got %s, want candidate", m.Data.Header.Type)
		}
		var cm tuya.CandidateMsg
		if err := json.Unmarshal(m.Data.Msg, &cm); err != nil {
			t.Fatal(err)
		}
		if cm.Candidate != "" && !strings.HasPrefix(cm.Candidate, "a=candidate:") {
			t.Fatalf("candidate %q lacks the a= prefix", cm.Candidate)
		}
		if err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: strings.TrimPrefix(cm.Candidate, "a=")}); err != nil {
			t.Fatalf("AddICECandidate(%q): %v", cm.Candidate, err)
		}
		if cm.Candidate == "" {
			return c
		}
	}
}

// firstVideo waits for the first video packet.
func (c *testCall) firstVideo(t *testing.T, ctx context.Context) *rtp.Packet {
	t.Helper()
	select {
	case p := <-c.videoPkts:
		return p
	case err := <-c.sendErrs:
		t.Fatalf("sending candidates: %v", err)
	case <-ctx.Done():
		fatalWithStacks(t, "no video RTP")
	}
	return nil
}

func TestCameraAnswersOffer(t *testing.T) {
	ctx := boundedContext(t, testTimeout)
	s := startSite(t, Config{Cameras: 1})
	cam := s.Camera("cam1")
	v := newTestViewer(t, s, "cam1")
	if v.cfg.Auth == "" {
		t.Fatal("webrtc-configs gave no auth")
	}
	call := callCamera(t, ctx, v, streamSub)
	pc, talk, videoPkts, audioPkts, sid := call.pc, call.talk, call.videoPkts, call.audioPkts, call.sid

	// Video: H.264 RTP, starting with an IDR (SPS/PPS first), then more.
	if nt := firstNALType(call.firstVideo(t, ctx).Payload); nt != 7 && nt != 8 && nt != 5 {
		t.Fatalf("first video packet carries NAL type %d, want SPS, PPS or IDR", nt)
	}
	eventually(t, ctx, "40 video packets", func() bool { return len(videoPkts) >= 40 })

	// Audio from the camera is G.711 with the tone in it.
	var heard []int16
	eventually(t, ctx, "a second of camera audio", func() bool {
		for len(audioPkts) > 0 {
			p := <-audioPkts
			heard = g711.DecodeUlaw(heard, p.Payload)
		}
		return len(heard) >= 8000
	})
	if r := rms(heard); r < 500 {
		t.Errorf("camera audio RMS %.0f, want a tone", r)
	}

	// Talk: the camera keeps what we send.
	stopTalk := make(chan struct{})
	talkDone := make(chan struct{})
	go func() {
		defer close(talkDone)
		pcm := make([]int16, 160)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stopTalk:
				return
			case <-tick.C:
			}
			for i := range pcm {
				pcm[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(n*160+i)/8000))
			}
			_ = talk.WriteSample(media.Sample{Data: g711.EncodeUlaw(nil, pcm), Duration: 20 * time.Millisecond})
		}
	}()
	eventually(t, ctx, "talk audio at the camera", func() bool { return len(cam.ReceivedAudio()) >= 1600 })
	close(stopTalk)
	<-talkDone
	if r := rms(cam.ReceivedAudio()); r < 3000 || r > 8000 {
		t.Errorf("received talk RMS %.0f, want about %.0f", r, 8000/math.Sqrt2)
	}

	if cam.Offers() != 1 || cam.Viewers() != 1 || cam.AuthRejected() != 0 {
		t.Errorf("offers %d viewers %d rejected %d", cam.Offers(), cam.Viewers(), cam.AuthRejected())
	}
	if cam.MaxPayloadSeen() < call.offerSize || cam.MaxPayloadSeen() > tuya.MaxPayload {
		t.Errorf("MaxPayloadSeen %d, offer SDP %d bytes", cam.MaxPayloadSeen(), call.offerSize)
	}

	// Hang up.
	if err := v.send(sid, tuya.TypeDisconnect, tuya.DisconnectMsg{Mode: "webrtc"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, ctx, "the camera to drop the viewer", func() bool { return cam.Viewers() == 0 })
	if err := pc.GracefulClose(); err != nil {
		t.Fatal(err)
	}
	v.mq.Disconnect(50)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	// Close left nothing running: every goroutine of the site is gone once
	// the test's own HTTP connections are.
	v.api.hc.CloseIdleConnections()
	goleak.VerifyNone(t)
}

func TestCameraStreamSizes(t *testing.T) {
	cases := []struct {
		name   string
		stream int
		w, h   int
	}{
		{"main", streamMain, MainWidth, MainHeight},
		{"sub", streamSub, SubWidth, SubHeight},
	}
	ctx := boundedContext(t, testTimeout)
	s := startSite(t, Config{Cameras: 1})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestViewer(t, s, "cam1")
			call := callCamera(t, ctx, v, tc.stream)
			p := call.firstVideo(t, ctx)
			if p.Payload[0]&0x1F != 24 || p.Payload[3]&0x1F != 7 {
				t.Fatalf("first packet is not a STAP-A starting with the SPS: % x", p.Payload[:min(8, len(p.Payload))])
			}
			size := int(p.Payload[1])<<8 | int(p.Payload[2])
			w, h, err := spsSize(p.Payload[3 : 3+size])
			if err != nil {
				t.Fatal(err)
			}
			if w != tc.w || h != tc.h {
				t.Fatalf("stream %d is %dx%d, want %dx%d", tc.stream, w, h, tc.w, tc.h)
			}
			if err := v.send(call.sid, tuya.TypeDisconnect, tuya.DisconnectMsg{Mode: "webrtc"}); err != nil {
				t.Fatal(err)
			}
			eventually(t, ctx, "hang-up", func() bool { return s.Camera("cam1").Viewers() == 0 })
		})
	}
}

// spsSize returns the picture size an H.264 SPS NAL unit (of a profile
// without chroma_format_idc, such as baseline) declares.
func spsSize(nal []byte) (w, h int, err error) {
	var rbsp []byte
	zeros := 0
	for _, b := range nal[1:] {
		if zeros >= 2 && b == 3 {
			zeros = 0
			continue
		}
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
		rbsp = append(rbsp, b)
	}
	pos := 0
	bit := func() int {
		if pos/8 >= len(rbsp) {
			err = errors.New("sps truncated")
			return 0
		}
		v := int(rbsp[pos/8]>>(7-pos%8)) & 1
		pos++
		return v
	}
	bits := func(n int) int {
		v := 0
		for i := 0; i < n; i++ {
			v = v<<1 | bit()
		}
		return v
	}
	ue := func() int {
		n := 0
		for bit() == 0 && err == nil && n < 32 {
			n++
		}
		return 1<<n - 1 + bits(n)
	}
	profile := bits(8)
	bits(16) // constraint flags, level
	ue()     // seq_parameter_set_id
	if profile != 66 && profile != 77 && profile != 88 {
		return 0, 0, errors.New("sps: profile with chroma_format_idc not handled")
	}
	ue() // log2_max_frame_num_minus4
	switch ue() {
	case 0:
		ue()
	case 1:
		bit()
		ue()
		ue()
		for n := ue(); n > 0; n-- {
			ue()
		}
	}
	ue()  // max_num_ref_frames
	bit() // gaps_in_frame_num_value_allowed_flag
	wMBs := ue() + 1
	hMaps := ue() + 1
	frameMBsOnly := bit()
	if frameMBsOnly == 0 {
		bit()
	}
	bit() // direct_8x8_inference_flag
	var l, r, top, bot int
	if bit() == 1 {
		l, r, top, bot = ue(), ue(), ue(), ue()
	}
	w = wMBs*16 - 2*(l+r)
	h = (2-frameMBsOnly)*hMaps*16 - 2*(2-frameMBsOnly)*(top+bot)
	return w, h, err
}

func TestCameraRefusals(t *testing.T) {
	ctx := boundedContext(t, testTimeout)
	s := startSite(t, Config{Cameras: 1})
	cam := s.Camera("cam1")
	v := newTestViewer(t, s, "cam1")
	offer := newTestOffer(t)

	cases := []struct {
		name    string
		payload func(sid string) []byte
		check   func(t *testing.T, sid string)
	}{
		{
			name: "wrong auth gets disconnect",
			payload: func(sid string) []byte {
				return encode(t, v, sid, tuya.OfferMsg{Mode: "webrtc", SDP: offer, StreamType: streamSub, Auth: "wrong"})
			},
			check: func(t *testing.T, sid string) {
				m, err := v.next(ctx, sid)
				if err != nil {
					fatalWithStacks(t, "no reply: %v", err)
				}
				if h := m.Data.Header; h.Type != tuya.TypeDisconnect || h.From != "cam1" || h.To != v.from {
					t.Fatalf("reply %+v, want disconnect", h)
				}
				if cam.AuthRejected() != 1 || cam.Viewers() != 0 {
					t.Fatalf("rejected %d viewers %d", cam.AuthRejected(), cam.Viewers())
				}
			},
		},
		{
			name: "oversize payload is dropped",
			payload: func(sid string) []byte {
				big := offer + strings.Repeat("a=x-padding:0123456789abcdef\r\n", tuya.MaxPayload/30+1)
				return encode(t, v, sid, tuya.OfferMsg{Mode: "webrtc", SDP: big, StreamType: streamSub, Auth: v.cfg.Auth})
			},
			check: func(t *testing.T, sid string) {
				eventually(t, ctx, "the drop", func() bool { return cam.OversizeDropped() == 1 })
				if cam.MaxPayloadSeen() <= tuya.MaxPayload {
					t.Fatalf("MaxPayloadSeen %d", cam.MaxPayloadSeen())
				}
				quiet(t, v, sid)
				if cam.Offers() != 1 {
					t.Fatalf("offers %d, want only the refused one", cam.Offers())
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sid := "s" + randomHex(15)
			if err := v.publish(tc.payload(sid)); err != nil {
				t.Fatal(err)
			}
			tc.check(t, sid)
		})
	}
}

func TestOfflineCameraNeverAnswers(t *testing.T) {
	s := startSite(t, Config{Cameras: 1})
	v := newTestViewer(t, s, "attic")
	sid := "s" + randomHex(15)
	if err := v.send(sid, tuya.TypeOffer, tuya.OfferMsg{Mode: "webrtc", SDP: newTestOffer(t), StreamType: streamSub, Auth: v.cfg.Auth}); err != nil {
		t.Fatal(err)
	}
	quiet(t, v, sid)
	if n := s.Camera("attic").Offers(); n != 0 {
		t.Fatalf("offline camera saw %d offers", n)
	}
}

// quiet checks that nothing arrives for sid for half a second.
func quiet(t *testing.T, v *testViewer, sid string) {
	t.Helper()
	qctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if m, err := v.next(qctx, sid); err == nil {
		t.Fatalf("unexpected %s", m.Data.Header.Type)
	}
}

// newTestOffer returns an offer SDP from a throwaway peer.
func newTestOffer(t *testing.T) string {
	t.Helper()
	pc := newTestPeer(t)
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return offer.SDP
}

// encode builds an offer message without the size check of send.
func encode(t *testing.T, v *testViewer, sid string, msg tuya.OfferMsg) []byte {
	t.Helper()
	b, err := tuya.Encode(tuya.Header{Type: tuya.TypeOffer, From: v.from, To: v.deviceID, SessionID: sid, MotoID: v.cfg.MotoID}, msg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOfferedMedia(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	cases := []struct {
		name  string
		sdp   string
		audio string
		video bool
	}{
		{"pcmu first", head + "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", webrtc.MimeTypePCMU, true},
		{"pcma first", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 8 0\r\na=rtpmap:111 opus/48000/2\r\n", webrtc.MimeTypePCMA, false},
		{"dynamic pcmu", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 pcmu/8000\r\n", webrtc.MimeTypePCMU, false},
		{"opus only", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "", true},
		{"garbage", "not sdp", "", false},
	}
	// A camera whose skill names one G.711 law takes only that one.
	if a, _ := offeredMedia(cases[1].sdp, skillG711U); a != webrtc.MimeTypePCMU {
		t.Fatalf("a u-law camera took %q from an offer of PCMA first", a)
	}
	if a, _ := offeredMedia(cases[0].sdp, skillG711A); a != webrtc.MimeTypePCMA {
		t.Fatalf("an A-law camera took %q from an offer of PCMU first", a)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, vid := offeredMedia(tc.sdp, skillPCM)
			if a != tc.audio || vid != tc.video {
				t.Fatalf("offeredMedia = %q, %v; want %q, %v", a, vid, tc.audio, tc.video)
			}
		})
	}
}

func FuzzOfferedMedia(f *testing.F) {
	f.Add("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n")
	f.Add("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\na=rtpmap:101 pcmu/8000\r\n")
	f.Add("not sdp")
	f.Fuzz(func(t *testing.T, s string) {
		a, _ := offeredMedia(s, skillPCM)
		if a != "" && a != webrtc.MimeTypePCMU && a != webrtc.MimeTypePCMA {
			t.Fatalf("offeredMedia chose %q", a)
		}
	})
}
