package trtc_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

// TestOneSeatPerSession: the room tile, two member tiles and talk on the
// room, all at once, as a wall shows them. The demo room seats one client
// per user id and ends the older session when the same id joins again
// (spec 001's onKickout); every session joining as its own user id, none
// is ever kicked out, all three pictures keep moving through the talk and
// after it, and the room hears the talk.
func TestOneSeatPerSession(t *testing.T) {
	srv := startRoom(t, time.Hour)
	c := client(t, srv, "the-sdk-secret-key", nil)
	defer c.Close()
	// In the room's first period its first member is away.
	ids := []string{srv.Room()}
	for _, m := range srv.Members()[1:] {
		if !srv.MemberLive(m) {
			t.Fatalf("%s is not publishing", m)
		}
		ids = append(ids, srv.Room()+"/"+m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type tile struct {
		id   string
		s    *session.Session
		pics *pictureClock
	}
	var tiles []*tile
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		tl := &tile{id: id, pics: &pictureClock{}}
		s, err := session.New(session.Config{
			Source: "meet/" + id, ID: id, Opener: c, Sink: tl.pics,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
			NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
				return ffmpeg.NewAudioEncoder(m, in, n)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		tl.s = s
		tiles = append(tiles, tl)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
				errs <- err
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Run = %v, want it to go on until cancelled", err)
		}
	}()
	moving := func(what string, since time.Time) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, tl := range tiles {
			for !tl.pics.since(since) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s shows no new picture (state %s: %v); kick-outs %+v",
						what, tl.id, tl.s.Status().State, tl.s.Status().Err, srv.Kickouts())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	moving("all three tiles", time.Now())
	room := tiles[0].s
	if ok, why := room.CanTalk(); !ok {
		t.Fatalf("the room cannot talk: %s", why)
	}
	f := audio.Format{SampleRate: 48000, Channels: 1}
	talkCtx, release := context.WithTimeout(ctx, 3*time.Second)
	defer release()
	talked := make(chan error, 1)
	go func() {
		talked <- room.Talk(talkCtx, audio.NewWAVCapturer(audio.Tone(440, -12, f, 10*time.Second), f, false))
	}()
	time.Sleep(time.Second)
	moving("while talking", time.Now())
	if err := <-talked; err != nil {
		t.Fatalf("talk = %v", err)
	}
	if n := len(srv.Received(srv.Room())); n < 48000 {
		t.Fatalf("the room heard %d samples of talk, want at least a second", n)
	}
	time.Sleep(time.Second)
	moving("after talking", time.Now())
	if k := srv.Kickouts(); len(k) != 0 {
		t.Fatalf("kicked out of the room: %+v", k)
	}
	for _, tl := range tiles {
		if st := tl.s.Status(); st.State != session.StateLive {
			t.Fatalf("%s is %s (%v), want live", tl.id, st.State, st.Err)
		}
	}
}

// TestSessionUserIDs: each session's user id starts with the account's
// user_id and is its own, within the specs' character rule for ids.
func TestSessionUserIDs(t *testing.T) {
	srv := startRoom(t, time.Hour)
	c := client(t, srv, "the-sdk-secret-key", nil)
	seen := map[string]bool{}
	for range 100 {
		id := c.SessionUserID()
		suffix, ok := strings.CutPrefix(id, "desk-1_")
		if !ok || len(suffix) != 8 || strings.Trim(suffix, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("session user id %q is not desk-1_ and 8 letters or digits", id)
		}
		if seen[id] {
			t.Fatalf("user id %q given twice", id)
		}
		seen[id] = true
	}
}
