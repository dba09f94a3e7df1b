package wall_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

// listedRoom is a room directory whose members the test sets.
type listedRoom struct {
	mu    sync.Mutex
	ids   []string
	polls chan struct{}
}

func (d *listedRoom) Members(context.Context, string) ([]session.Device, error) {
	d.mu.Lock()
	var out []session.Device
	for _, id := range d.ids {
		out = append(out, session.Device{ID: "r/" + id, Name: id})
	}
	d.mu.Unlock()
	select {
	case d.polls <- struct{}{}:
	default:
	}
	return out, nil
}

func (d *listedRoom) set(ids ...string) {
	d.mu.Lock()
	d.ids = ids
	d.mu.Unlock()
}

// TestRoomOrderAndRestore: every update says the member tiles in the
// room's own order; a member tile the user closed and takes back (Undo)
// is the room's again, in its place; one whose member left is not.
func TestRoomOrderAndRestore(t *testing.T) {
	checkLeaks(t)
	m := wall.New(nil, wall.Config{})
	defer m.Close()
	dir := &listedRoom{polls: make(chan struct{}, 1)}
	dir.set("bob", "ann")
	updates := make(chan wall.RoomUpdate, 16)
	r := m.FollowRoom("acc/r", dir.Members, 5*time.Millisecond, func(u wall.RoomUpdate) { updates <- u })
	defer r.Leave()
	next := func(want ...string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case u := <-updates:
				if slices.Equal(u.Order, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no update with the order %v", want)
			}
		}
	}
	next("acc/r/bob", "acc/r/ann")
	dir.set("cy", "bob", "ann")
	next("acc/r/cy", "acc/r/bob", "acc/r/ann")
	r.Dismiss("acc/r/bob")
	next("acc/r/cy", "acc/r/ann")
	if !r.Restore("acc/r/bob") || !slices.Equal(r.Order(), []string{"acc/r/cy", "acc/r/bob", "acc/r/ann"}) {
		t.Fatalf("after Restore the order is %v", r.Order())
	}
	r.Dismiss("acc/r/cy")
	dir.set("bob", "ann")
	next("acc/r/bob", "acc/r/ann")
	if r.Restore("acc/r/cy") {
		t.Fatal("a member who left the room came back")
	}
	if got := wall.MemberTitle("Standup", "Ann"); got != "Standup · Ann" {
		t.Fatalf("member title %q", got)
	}
}

// TestUndoOffer: the last removal is undoable for UndoFor, at least 10 s,
// once, and a newer removal replaces it.
func TestUndoOffer(t *testing.T) {
	if wall.UndoFor < 10*time.Second {
		t.Fatalf("Undo offered for %v only", wall.UndoFor)
	}
	var u wall.Undo
	t0 := time.Now()
	u.Removed(wall.Removal{Source: "a", At: t0})
	u.Removed(wall.Removal{Source: "b", Index: 2, At: t0})
	if r, ok := u.Offered(t0.Add(10 * time.Second)); !ok || r.Source != "b" {
		t.Fatalf("10 s later: %+v %v, want b on offer", r, ok)
	}
	if _, ok := u.Offered(t0.Add(wall.UndoFor)); ok {
		t.Fatal("still offered after UndoFor")
	}
	if r, ok := u.Take(t0.Add(time.Second)); !ok || r.Source != "b" || r.Index != 2 {
		t.Fatalf("Take: %+v %v", r, ok)
	}
	if _, ok := u.Take(t0.Add(time.Second)); ok {
		t.Fatal("a removal undone twice")
	}
}

// TestAlertDue: alerts are delivered in the background; motion also on a
// tile the wall does not show; never a lost camera in view with the window
// in front.
func TestAlertDue(t *testing.T) {
	motion := wall.MotionAlert("demo/a", "Yard")
	lost := wall.Alert{Kind: wall.AlertLost}
	for _, tc := range []struct {
		name              string
		a                 wall.Alert
		background, shown bool
		want              bool
	}{
		{"motion in view, window in front", motion, false, true, false},
		{"motion on a hidden page, window in front", motion, false, false, true},
		{"motion in the background", motion, true, true, true},
		{"lost, hidden page, window in front", lost, false, false, false},
		{"lost in the background", lost, true, false, true},
	} {
		if got := tc.a.Due(tc.background, tc.shown); got != tc.want {
			t.Errorf("%s: due %v, want %v", tc.name, got, tc.want)
		}
	}
}
