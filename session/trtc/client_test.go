package trtc

import (
	"testing"
)

func TestEndpointURLs(t *testing.T) {
	c, err := New(Config{Endpoint: "https://signaling.rtc-web.com/", SDKAppID: 1400000000, SecretKey: "k", UserID: "desk 1",
		Rooms: []Room{{Name: "8080", Members: []string{"alice"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, play, pub string
	}{
		{"room", "8080", "https://signaling.rtc-web.com/v2/sub/1400000000/8080?SessionID=desk+1", "https://signaling.rtc-web.com/v2/pub/1400000000/8080?SessionID=desk+1"},
		{"member", "8080/alice", "https://signaling.rtc-web.com/v2/sub/1400000000/1400000000_8080_alice_main?SessionID=desk+1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			play, pub, err := c.Endpoints(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if play.URL != tc.play {
				t.Errorf("play %s, want %s", play.URL, tc.play)
			}
			got := ""
			if pub != nil {
				got = pub.URL
			}
			if got != tc.pub {
				t.Errorf("publish %q, want %q", got, tc.pub)
			}
			if play.Credential != "UserSig" {
				t.Errorf("credential named %q", play.Credential)
			}
		})
	}
	if _, _, err := c.Endpoints("9999"); err == nil {
		t.Fatal("unknown room opened")
	}
}

func TestStreamIDSplicing(t *testing.T) {
	// The spec's own example: sdkAppId 12345678, roomId 12345, userA.
	if got := StreamID(12345678, "12345", "userA"); got != "12345678_12345_userA_main" {
		t.Fatalf("StreamID = %s", got)
	}
}
