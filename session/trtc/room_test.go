package trtc_test

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
	"github.com/lookout-app/lookout/session/trtc"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

const appID = 1400000002

func startRoom(t *testing.T, period time.Duration) *demowhep.Server {
	t.Helper()
	srv, err := demowhep.Start(demowhep.Config{
		NewEncoder: func(w, h, fps int) (demowhep.Encoder, error) {
			return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 600, KeyInterval: 2 * fps})
		},
		Draw: func(*image.YCbCr, string, time.Time, int64) {},
		NewOpusDecoder: func() (demowhep.PCMDecoder, error) {
			return ffmpeg.NewAudioDecoder("audio/opus", 48000, 2, audio.Format{SampleRate: 48000, Channels: 1})
		},
		SDKAppID: appID, SecretKey: "the-sdk-secret-key", MemberPeriod: period,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func client(t *testing.T, srv *demowhep.Server, key string, now func() time.Time) *trtc.Client {
	t.Helper()
	c, err := trtc.New(trtc.Config{Endpoint: srv.URL(), SDKAppID: appID, SecretKey: key, UserID: "desk-1",
		Rooms: []trtc.Room{{Name: srv.Room(), Members: srv.Members()}}, UserSigTTL: time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUserSigRefusals(t *testing.T) {
	srv := startRoom(t, time.Hour)
	for _, tc := range []struct {
		name, key string
		now       func() time.Time
		want      string
	}{
		{"wrong SDKSecretKey", "not-the-key", time.Now, "UserSig refused: UserSig verification failed: signature does not match the SDKSecretKey (70009)"},
		{"expired", "the-sdk-secret-key", func() time.Time { return time.Now().Add(-2 * time.Hour) }, "UserSig refused: UserSig has expired (70001)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, srv, tc.key, tc.now)
			_, err := c.Open(context.Background(), srv.Room(), session.QualityMain)
			if !errors.Is(err, session.ErrUnauthorized) || !session.Permanent(err) {
				t.Fatalf("Open = %v, want a permanent ErrUnauthorized", err)
			}
			if got := session.Reason(err); got != tc.want {
				t.Fatalf("reason %q, want %q", got, tc.want)
			}
			if _, err := c.Members(context.Background(), srv.Room()); !errors.Is(err, session.ErrUnauthorized) {
				t.Fatalf("Members = %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestMembersFollowTheRoom(t *testing.T) {
	const period = 700 * time.Millisecond
	srv := startRoom(t, period)
	c := client(t, srv, "the-sdk-secret-key", nil)
	seen := map[string]bool{}
	deadline := time.Now().Add(4 * period)
	for time.Now().Before(deadline) {
		ms, err := c.Members(context.Background(), srv.Room())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.ID)
			if !strings.HasPrefix(m.ID, srv.Room()+"/") {
				t.Fatalf("member id %q is not ROOM/MEMBER", m.ID)
			}
		}
		if len(ids) != 2 {
			// Every phase has one member away; a poll across a phase
			// boundary may see the next phase already.
			t.Logf("poll saw %v", ids)
		}
		seen[strings.Join(ids, ",")] = true
		time.Sleep(period / 4)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
	if len(seen) < 2 {
		t.Fatalf("the members never changed over %s: %v", 4*period, keys)
	}
	t.Logf("member sets seen: %v", keys)
}
