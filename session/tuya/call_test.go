package tuya

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// setup returns a fake Tuya whose MQTT config points at a fresh broker:
// ssl:// with useTLS, else tcp:// (which the client refuses).
func setup(t *testing.T, useTLS bool) (*fakeTuya, *broker) {
	f := newFakeTuya(t)
	var tc *tls.Config
	scheme := "tcp"
	if useTLS {
		tc = f.brokerTLS()
		scheme = "ssl"
	}
	b := newBroker(t, tc)
	f.mqttURL = scheme + "://" + b.addr
	for _, id := range []string{camAnswer, camHangup, camSilent} {
		f.configs[id] = webrtcConfig(id, true)
	}
	return f, b
}

// nextGot returns the next message a camera received of type typ.
func nextGot(t *testing.T, b *broker, typ string) *Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-b.got:
			if m.Data.Header.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("the camera received no %s", typ)
			return nil
		}
	}
}

func TestCallExchange(t *testing.T) {
	f, b := setup(t, true)
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	sc, err := c.Open(ctx, camAnswer, session.QualitySub)
	if err != nil {
		t.Fatal(err)
	}
	call := sc.(*Call)
	plan := call.Plan()
	if plan.Audio != webrtc.RTPTransceiverDirectionSendrecv || plan.Video != webrtc.RTPTransceiverDirectionRecvonly ||
		plan.Talk != session.TalkFull || plan.TalkFrame != 30*time.Millisecond || len(plan.ICEServers) != 2 || len(plan.VideoCodecs) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	answer, err := call.Exchange(ctx, "v=0\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if answer != cannedSDP {
		t.Fatalf("answer %q", answer)
	}
	offer := nextGot(t, b, TypeOffer)
	h := offer.Data.Header
	if h.From != "msid1" || h.To != camAnswer || h.MotoID != "moto_test" || len(h.SessionID) != 32 {
		t.Fatalf("offer header %+v", h)
	}
	var om OfferMsg
	if err := jsonUnmarshal(offer.Data.Msg, &om); err != nil {
		t.Fatal(err)
	}
	if om.Mode != "webrtc" || om.StreamType != 1 || om.Auth != "auth-"+camAnswer || om.SDP != "v=0\r\n" {
		t.Fatalf("offer msg %+v", om)
	}

	// Remote candidates: "a=" stripped, the end not delivered.
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < 2 {
		select {
		case cand := <-call.RemoteCandidates():
			got = append(got, cand.Candidate)
		case <-timeout:
			t.Fatalf("candidates %q", got)
		}
	}
	if got[0] != strings.TrimPrefix(candidate1, "a=") || got[1] != "candidate:2 1 udp 1 10.0.0.2 4000 typ host" {
		t.Fatalf("candidates %q", got)
	}

	// Local candidates get "a=".
	if err := call.SendCandidate(ctx, webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 5 127.0.0.1 9 typ host"}); err != nil {
		t.Fatal(err)
	}
	if err := call.SendCandidate(ctx, webrtc.ICECandidateInit{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a=candidate:1 1 udp 5 127.0.0.1 9 typ host", ""} {
		var cm CandidateMsg
		if err := jsonUnmarshal(nextGot(t, b, TypeCandidate).Data.Msg, &cm); err != nil {
			t.Fatal(err)
		}
		if cm.Candidate != want || cm.Mode != "webrtc" {
			t.Fatalf("candidate %+v, want %q", cm, want)
		}
	}

	select {
	case <-call.Done():
		t.Fatalf("Done closed: %v (the disconnect of another session was routed here)", call.Err())
	default:
	}
	if err := call.Close(); err != nil {
		t.Fatal(err)
	}
	if dm := nextGot(t, b, TypeDisconnect); dm.Data.Header.SessionID != h.SessionID {
		t.Fatalf("disconnect for %s", dm.Data.Header.SessionID)
	}
	if err := call.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if _, ok := <-call.RemoteCandidates(); ok {
		t.Fatal("RemoteCandidates not closed")
	}
	if _, err := call.Exchange(ctx, "v=0\r\n"); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Exchange after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Open(ctx, camAnswer, session.QualityMain); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Open after Close: %v", err)
	}
}

func TestCallSharesOneConnection(t *testing.T) {
	f, _ := setup(t, true)
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	for i := 0; i < 3; i++ {
		call, err := c.Open(ctx, camAnswer, session.QualityMain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.Exchange(ctx, "v=0\r\n"); err != nil {
			t.Fatal(err)
		}
		call.Close()
	}
	if n := f.mqttConfigs.Load(); n != 1 {
		t.Fatalf("%d MQTT configs fetched, want 1", n)
	}
}

func TestCallHangupBeforeAnswer(t *testing.T) {
	f, _ := setup(t, true)
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	call, err := c.Open(ctx, camHangup, session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()
	_, err = call.Exchange(ctx, "v=0\r\n")
	if !errors.Is(err, session.ErrHangup) || !strings.Contains(err.Error(), "auth was refused") {
		t.Fatalf("err = %v", err)
	}
	h := call.Plan().Hangup
	if h == nil {
		t.Fatal("the plan cannot tell of a hang-up")
	}
	select {
	case <-h.Done():
	default:
		t.Fatal("Done not closed")
	}
	if !errors.Is(h.Err(), session.ErrHangup) {
		t.Fatalf("Err = %v", h.Err())
	}
}

func TestCallContextExpires(t *testing.T) {
	f, _ := setup(t, true)
	c := newTestClient(t, f, nil)
	call, err := c.Open(testCtx(t), camSilent, session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := call.Exchange(ctx, "v=0\r\n"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestCallRefusesOversizeOffer(t *testing.T) {
	f, b := setup(t, true)
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	call, err := c.Open(ctx, camAnswer, session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()
	if _, err := call.Exchange(ctx, strings.Repeat("a=x\r\n", 2000)); !errors.Is(err, ErrOfferTooLarge) {
		t.Fatalf("err = %v, want ErrOfferTooLarge", err)
	}
	select {
	case m := <-b.got:
		t.Fatalf("the camera received a %s", m.Data.Header.Type)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestClientCloseHangsUpCalls(t *testing.T) {
	f, _ := setup(t, true)
	c := newTestClient(t, f, nil)
	call, err := c.Open(testCtx(t), camSilent, session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	h := call.Plan().Hangup
	select {
	case <-h.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed by Client.Close")
	}
	if !errors.Is(h.Err(), session.ErrClosed) {
		t.Fatalf("Err = %v", h.Err())
	}
	if err := call.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBrokerDown(t *testing.T) {
	tests := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"tls, nothing listening", func(t *testing.T) string { return "ssl://" + closedPort(t) }},
		{"unsupported scheme", func(t *testing.T) string { return "wss://" + closedPort(t) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeTuya(t)
			f.configs[camAnswer] = webrtcConfig(camAnswer, false)
			f.mqttURL = tc.url(t)
			c := newTestClient(t, f, nil)
			start := time.Now()
			_, err := c.Open(testCtx(t), camAnswer, session.QualityMain)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Open took %s", d)
			}
			if !strings.Contains(err.Error(), "mqtt") {
				t.Fatalf("err = %v does not say it is MQTT", err)
			}
		})
	}
}

func TestTLSBrokerNotTrusted(t *testing.T) {
	f, _ := setup(t, true)
	c := newTestClient(t, f, nil)
	c.cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true} // ignored: verification stays on
	_, err := c.Open(testCtx(t), camAnswer, session.QualityMain)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
}

func TestCredentialRenewal(t *testing.T) {
	f, b := setup(t, true)
	f.mqttExpire = 100
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	c := newTestClient(t, f, clock.Now)
	c.renewPoll = 10 * time.Millisecond
	ctx := testCtx(t)
	call, err := c.Open(ctx, camAnswer, session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()
	if !b.connected("cloud_1") {
		t.Fatal("cloud_1 not connected")
	}
	clock.Add(70 * time.Second) // before 80% of expire_time: nothing happens
	time.Sleep(100 * time.Millisecond)
	if n := f.mqttConfigs.Load(); n != 1 {
		t.Fatalf("renewed early: %d configs", n)
	}
	clock.Add(15 * time.Second) // 85 s
	deadline := time.Now().Add(5 * time.Second)
	for !(b.connected("cloud_2") && !b.connected("cloud_1")) {
		if time.Now().After(deadline) {
			t.Fatalf("not renewed: %d configs, cloud_1 %v, cloud_2 %v", f.mqttConfigs.Load(), b.connected("cloud_1"), b.connected("cloud_2"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The call opened before the renewal still works on the new connection.
	if _, err := call.Exchange(ctx, "v=0\r\n"); err != nil {
		t.Fatalf("exchange after renewal: %v", err)
	}
}

func TestOpenNoWebRTC(t *testing.T) {
	f, b := setup(t, true)
	f.configs["old-cam"] = strings.Replace(webrtcConfig("old-cam", false), `"supports_webrtc":true`, `"supports_webrtc":false`, 1)
	c := newTestClient(t, f, nil)
	_, err := c.Open(testCtx(t), "old-cam", session.QualityMain)
	if !errors.Is(err, ErrNoWebRTC) || !errors.Is(err, session.ErrUnsupportedCodec) {
		t.Fatalf("err = %v, want ErrNoWebRTC", err)
	}
	if f.mqttConfigs.Load() != 0 || b.connected("cloud_1") {
		t.Fatal("connected to MQTT for a device that cannot do WebRTC")
	}
}
