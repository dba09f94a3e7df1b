package ui

import (
	"context"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
	"github.com/lookout-app/lookout/session/trtc"
)

// TestRoomTilesFollowMembers opens the demo's TRTC-style room on the wall:
// its members' tiles appear and leave as the demo's members start and stop
// publishing, and closing the room's tile leaves the room.
func TestRoomTilesFollowMembers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	const period = 800 * time.Millisecond
	srv, err := demowhep.Start(demowhep.Config{
		NewEncoder: func(w, h, fps int) (demowhep.Encoder, error) {
			return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 300, KeyInterval: 2 * fps})
		},
		Draw:     func(*image.YCbCr, string, time.Time, int64) {},
		SDKAppID: 1400000003, SecretKey: "room-key", MemberPeriod: period,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := trtc.New(trtc.Config{Endpoint: srv.URL(), SDKAppID: 1400000003, SecretKey: "room-key", UserID: "desk-1",
		Rooms: []trtc.Room{{Name: srv.Room(), Members: srv.Members()}}})
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOpener{opened: map[string]session.Quality{}}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q,
			NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sidebar := NewSidebar([]Account{{Name: "meet", Kind: "trtc", Directory: client, Opener: op, Members: client.Members}})
	sidebar.Load(ctx)
	waitFor(t, "the room list", sidebar.Loaded)
	wall := NewWall(ctx, factory, nil)
	wall.RoomOf = sidebar.roomMembers
	wall.SetRoomPoll(period / 5)
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(800, 600))

	room := "meet/" + srv.Room()
	if wall.RoomOf(room) == nil {
		t.Fatal("the room is not recognised as a room")
	}
	wall.Add(room, srv.Room())
	live := func() []string {
		var out []string
		for _, m := range srv.Members() {
			if srv.MemberLive(m) {
				out = append(out, room+"/"+m)
			}
		}
		return out
	}
	// The tiles follow the room through at least two changes of members.
	var seen [][]string
	deadline := time.Now().Add(6 * period)
	for len(seen) < 3 && time.Now().Before(deadline) {
		want := live()
		waitFor(t, "member tiles "+strings.Join(want, ","), func() bool {
			got := slices.Clone(wall.RoomMembers(room))
			slices.Sort(got)
			return slices.Equal(got, live())
		})
		cur := slices.Clone(wall.RoomMembers(room))
		slices.Sort(cur)
		if len(seen) == 0 || !slices.Equal(seen[len(seen)-1], cur) {
			seen = append(seen, cur)
			if !slices.Contains(wall.Sources(), room) || len(wall.Sources()) != len(cur)+1 {
				t.Fatalf("wall holds %v, want the room and %v", wall.Sources(), cur)
			}
		}
		time.Sleep(period / 10)
	}
	if len(seen) < 3 {
		t.Fatalf("member tiles changed only %d times: %v", len(seen)-1, seen)
	}
	t.Logf("member tiles seen: %v", seen)

	// A member tile the user closes stays closed while that member stays
	// (an absence lasts a whole period, longer than this wait).
	if ms := wall.RoomMembers(room); len(ms) > 0 {
		member := strings.TrimPrefix(ms[0], room+"/")
		before := srv.MemberLive(member)
		wall.Remove(ms[0])
		for end := time.Now().Add(period / 3); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			drainUI()
		}
		if before && srv.MemberLive(member) && slices.Contains(wall.Sources(), ms[0]) {
			t.Fatalf("the closed tile of %s came back while it stayed in the room", member)
		}
	}

	// Leaving the room ends all of it.
	wall.Remove(room)
	drainUI()
	time.Sleep(period / 2)
	drainUI()
	if got := wall.Sources(); len(got) != 0 {
		t.Fatalf("after leaving the room the wall holds %v", got)
	}
	wall.Close()
	cancel()
	sidebar.Wait()
}
