package wall_test

import (
	"image"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player/ffmpeg"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
	"github.com/lookout-app/lookout/session/trtc"
	"github.com/lookout-app/lookout/session/wall"
)

// TestRoomFollowsMembers follows the demo's TRTC-style room, whose members
// come and go each period: the members on the model's side follow the
// room through two changes, a member the user dismissed is not offered
// again while it stays, and leaving hands back the members whose tiles go.
func TestRoomFollowsMembers(t *testing.T) {
	checkLeaks(t)
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
	t.Cleanup(func() { _ = srv.Close() })
	client, err := trtc.New(trtc.Config{Endpoint: srv.URL(), SDKAppID: 1400000003, SecretKey: "room-key", UserID: "desk-1",
		Rooms: []trtc.Room{{Name: srv.Room(), Members: srv.Members()}}})
	if err != nil {
		t.Fatal(err)
	}
	m := wall.New(nil, wall.Config{})
	defer m.Close()
	room := "meet/" + srv.Room()
	var mu sync.Mutex
	shown := map[string]bool{} // the tiles a renderer would show
	var dismissed string
	r := m.FollowRoom(room, client.Members, period/5, func(u wall.RoomUpdate) {
		mu.Lock()
		defer mu.Unlock()
		for _, src := range u.Left {
			delete(shown, src)
		}
		for _, a := range u.Arrived {
			if a.Source == dismissed {
				t.Errorf("dismissed %s offered again", a.Source)
			}
			shown[a.Source] = true
		}
	})
	live := func() []string {
		var out []string
		for _, mb := range srv.Members() {
			if srv.MemberLive(mb) {
				out = append(out, room+"/"+mb)
			}
		}
		return out
	}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for src := range shown {
			out = append(out, src)
		}
		slices.Sort(out)
		return out
	}
	var seen [][]string
	for end := time.Now().Add(6 * period); len(seen) < 3 && time.Now().Before(end); time.Sleep(period / 10) {
		waitFor(t, "the members", func() bool { return slices.Equal(got(), live()) })
		if cur := got(); len(seen) == 0 || !slices.Equal(seen[len(seen)-1], cur) {
			seen = append(seen, cur)
		}
	}
	if len(seen) < 3 {
		t.Fatalf("members changed only %d times: %v", len(seen)-1, seen)
	}
	if cur := got(); len(cur) > 0 {
		mu.Lock()
		dismissed = cur[0]
		delete(shown, cur[0])
		mu.Unlock()
		r.Dismiss(cur[0])
		time.Sleep(period / 3) // an absence lasts a whole period, longer than this
	}
	left := r.Leave()
	want := got()
	if !slices.Equal(left, want) {
		t.Fatalf("Leave returned %v, want the members shown %v", left, want)
	}
}
