package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
)

// TRTC application of the demo site's room; the SDKSecretKey is random for
// every run.
const (
	demoSDKAppID = 1400188366
	demoTRTCUser = "lookout-desk"
)

// startWHEP runs the site's WHEP/WHIP server with its TRTC-style room, its
// streams from the site's shared video.
func (s *Site) startWHEP(period, skew time.Duration) error {
	s.trtcKey = randomHex(32)
	srv, err := demowhep.Start(demowhep.Config{
		Host: s.host, TLS: s.auth.serverTLS(),
		Video: s.video,
		NewOpusDecoder: func() (demowhep.PCMDecoder, error) {
			return ffmpeg.NewAudioDecoder("audio/opus", 48000, 2, audio.Format{SampleRate: 48000, Channels: 1})
		},
		ICEServers:   []string{"stun:" + s.turnAddr},
		SDKAppID:     demoSDKAppID,
		SecretKey:    s.trtcKey,
		MemberPeriod: period,
		Impair:       &s.impair,
		Now:          func() time.Time { return time.Now().Add(skew) },
		Logger:       s.log.With("service", "whep"),
	})
	if err != nil {
		return fmt.Errorf("demo: whep: %w", err)
	}
	s.whep = srv
	return nil
}

// WHEP returns the site's WHEP/WHIP server.
func (s *Site) WHEP() *demowhep.Server { return s.whep }

// TRTCSDKAppID returns the SDKAppID of the site's TRTC room.
func (s *Site) TRTCSDKAppID() int64 { return demoSDKAppID }

// TRTCSecretKey returns the SDKSecretKey UserSigs of the room are checked with.
func (s *Site) TRTCSecretKey() string { return s.trtcKey }

// TRTCUser returns the user id the demo config joins the room as.
func (s *Site) TRTCUser() string { return demoTRTCUser }

// whepTOML is the config of the site's whep and trtc accounts.
func (s *Site) whepTOML(caFile string) string {
	var b strings.Builder
	u := s.whep.URL()
	b.WriteString("\n[[account]]\n")
	fmt.Fprintf(&b, "name = %s\nkind = \"whep\"\nca_file = %s\n", tomlString("media"), tomlString(caFile))
	fmt.Fprintf(&b, "[[account.stream]]\nname = \"lobby\"\nurl = %s\npublish_url = %s\ntoken = %s\n",
		tomlString(u+"/whep/lobby"), tomlString(u+"/whip/lobby"), tomlString(s.whep.Token()))
	fmt.Fprintf(&b, "[[account.stream]]\nname = \"garage\"\nurl = %s\n", tomlString(u+"/whep/garage"))
	b.WriteString("\n[[account]]\n")
	members := make([]string, 0, 3)
	for _, m := range s.whep.Members() {
		members = append(members, tomlString(m))
	}
	fmt.Fprintf(&b, "name = \"meet\"\nkind = \"trtc\"\nendpoint = %s\nsdk_app_id = %s\nsecret_key = %s\nuser_id = %s\nrooms = [{name = %s, members = [%s]}]\nca_file = %s\n",
		tomlString(u), strconv.FormatInt(demoSDKAppID, 10), tomlString(s.trtcKey), tomlString(demoTRTCUser),
		tomlString(s.whep.Room()), strings.Join(members, ", "), tomlString(caFile))
	return b.String()
}
