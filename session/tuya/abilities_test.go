package tuya_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// TestAudioAttributes reads webrtc-configs' audio_attributes as the spec's
// table (Integer) and sample ([1, 2]) give them: talk needs a speaker
// (hardware_capability 2), two-way chat is full duplex and one-way chat
// half; a device that names no hardware is taken at its call modes.
func TestAudioAttributes(t *testing.T) {
	for _, tc := range []struct {
		json      string
		talk      session.Talk
		mic       bool
		wantError bool
	}{
		{`{"call_mode":[1,2],"hardware_capability":[1,2]}`, session.TalkFull, true, false},
		{`{"call_mode":[1,2],"hardware_capability":[1]}`, session.TalkNone, true, false},
		{`{"call_mode":[1],"hardware_capability":[2]}`, session.TalkHalf, false, false},
		{`{"call_mode":2,"hardware_capability":2}`, session.TalkFull, false, false},
		{`{"call_mode":1,"hardware_capability":1}`, session.TalkNone, true, false},
		{`{"call_mode":[1,2]}`, session.TalkFull, true, false},
		{`{"call_mode":[],"hardware_capability":[1,2]}`, session.TalkNone, true, false},
		{`{"call_mode":null,"hardware_capability":null}`, session.TalkNone, true, false},
		{`{"call_mode":"two"}`, "", false, true},
	} {
		var a tuya.AudioAttributes
		err := json.Unmarshal([]byte(tc.json), &a)
		if tc.wantError {
			if err == nil {
				t.Errorf("%s: read as %+v, want an error", tc.json, a)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if a.Talk() != tc.talk || a.Microphone() != tc.mic {
			t.Errorf("%s: talk %q, microphone %v; want %q, %v", tc.json, a.Talk(), a.Microphone(), tc.talk, tc.mic)
		}
	}
}

// TestSkillAudioCodecs: the G.711 law offered follows the skill's audio
// codecType; raw PCM (the spec's sample, 101) or none offers both.
func TestSkillAudioCodecs(t *testing.T) {
	both := []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}
	for _, tc := range []struct {
		codecs []int
		want   []string
	}{
		{nil, both},
		{[]int{tuya.CodecPCM}, both},
		{[]int{tuya.CodecG711U}, []string{webrtc.MimeTypePCMU}},
		{[]int{tuya.CodecG711A}, []string{webrtc.MimeTypePCMA}},
		{[]int{tuya.CodecG711A, tuya.CodecG711U}, both},
	} {
		var s tuya.Skill
		for _, c := range tc.codecs {
			s.Audios = append(s.Audios, tuya.SkillAudio{CodecType: c, SampleRate: 8000, Channels: 1})
		}
		if got := s.AudioCodecs(); !slices.Equal(got, tc.want) {
			t.Errorf("skill codecs %v: offered %v, want %v", tc.codecs, got, tc.want)
		}
	}
}

// demoClient is a client of a demo site of five cameras: cam4 has no
// speaker, cam5 no microphone (and a u-law skill, one-way chat).
func demoClient(t *testing.T) (*tuya.Client, *demo.Site) {
	t.Helper()
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c, err := tuya.New(tuya.Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, site
}

// TestCameraAbilitiesFromWebRTCConfigs: against the demo site, the
// directory and each call's plan follow what webrtc-configs says the camera
// has. cam4 (microphone, no speaker, though its call modes name two-way
// chat) cannot talk and only receives audio; cam5 (speaker, no
// microphone, one-way chat, u-law skill) talks half duplex, only sends
// audio, offers PCMU alone, and its speaker hears the talk.
func TestCameraAbilitiesFromWebRTCConfigs(t *testing.T) {
	c, site := demoClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	devs, err := c.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	talk := map[string]session.Talk{}
	for _, d := range devs {
		talk[d.ID] = d.Talk
		if d.Online && d.Silent != (d.ID == "cam5") {
			t.Errorf("%s: silent %v; only cam5 has no microphone", d.ID, d.Silent)
		}
	}
	if talk["cam1"] != session.TalkFull || talk["cam4"] != session.TalkNone || talk["cam5"] != session.TalkHalf {
		t.Fatalf("directory talk %v; want cam1 full, cam4 none, cam5 half", talk)
	}
	for _, tc := range []struct {
		id     string
		talk   session.Talk
		audio  webrtc.RTPTransceiverDirection
		codecs []string
	}{
		{"cam1", session.TalkFull, webrtc.RTPTransceiverDirectionSendrecv, []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}},
		{"cam4", session.TalkNone, webrtc.RTPTransceiverDirectionRecvonly, []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}},
		{"cam5", session.TalkHalf, webrtc.RTPTransceiverDirectionSendonly, []string{webrtc.MimeTypePCMU}},
	} {
		call, err := c.Open(ctx, tc.id, session.QualitySub)
		if err != nil {
			t.Fatalf("open %s: %v", tc.id, err)
		}
		p := call.Plan()
		_ = call.Close()
		if p.Talk != tc.talk || p.Audio != tc.audio || !slices.Equal(p.AudioCodecs, tc.codecs) {
			t.Errorf("%s: plan talk %q, audio %s, codecs %v; want %q, %s, %v", tc.id, p.Talk, p.Audio, p.AudioCodecs, tc.talk, tc.audio, tc.codecs)
		}
	}

	// Talk to cam5 over a real session: its speaker hears it.
	live := make(chan struct{}, 1)
	s, err := session.New(session.Config{
		Source: "demo/cam5", ID: "cam5", Opener: c, Quality: session.QualitySub, Sink: player.NewLatest(),
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		MaxAttempts: 1,
		OnStatus: func(st session.Status) {
			if st.State == session.StateLive {
				select {
				case live <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	defer func() { stop(); <-done }()
	select {
	case <-live:
	case err := <-done:
		t.Fatalf("cam5 ended before live: %v", err)
	case <-ctx.Done():
		t.Fatal("cam5 not live")
	}
	if ok, why := s.CanTalk(); !ok {
		t.Fatalf("cam5 cannot talk: %s", why)
	}
	f := audio.Format{SampleRate: 48000, Channels: 1}
	tctx, release := context.WithTimeout(ctx, time.Second)
	defer release()
	if err := s.Talk(tctx, audio.NewWAVCapturer(audio.Tone(1000, -6, f, 5*time.Second), f, false)); err != nil {
		t.Fatalf("talk to cam5: %v", err)
	}
	if n := len(site.Camera("cam5").ReceivedAudio()); n < 4000 {
		t.Fatalf("cam5 heard %d samples of a 1 s talk, want at least half a second at 8 kHz", n)
	}
}
