package ui

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	model "github.com/lookout-app/lookout/session/wall"
)

// TestTourMovesOnAndPausesOnHover: a tour of views every 10 s (on a fake
// clock) holds while the pointer is over a tile and while a tile is
// maximised, shows its countdown, starts the next view's sessions 3 s
// before the change, and shows that view with those same sessions (no new
// connection, so no spinner); a tour of pages moves the page on.
func TestTourMovesOnAndPausesOnHover(t *testing.T) {
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "wall.json")
	if err := SaveState(path, WallState{Views: []model.View{
		{Name: "Entrances", Layout: Layout2x2, Sources: []string{"acc/door", "acc/gate"}, TourSeconds: 10, TourViews: true},
		{Name: "Parking", Layout: Layout2x2, Sources: []string{"acc/lot1", "acc/gate"}, TourSeconds: 10, TourViews: true},
	}}); err != nil {
		t.Fatal(err)
	}
	op := newLiveOpener()
	win, _ := buildStateWindow(t, a, path, op)
	now := time.Unix(5000, 0)
	win.tour.now = func() time.Time { return now }
	win.tour.reset()
	at := func(d time.Duration) {
		now = now.Add(d)
		win.tour.step()
	}
	waitFor(t, "Entrances running", func() bool { return slices.Equal(op.running(), []string{"door", "gate"}) })
	at(5 * time.Second)
	if win.wall.CurrentView() != 0 || win.tour.lbl.Text != "Tour: next in 5 s" || !win.tour.lbl.Visible() {
		t.Fatalf("at 5 s: view %d, %q", win.wall.CurrentView(), win.tour.lbl.Text)
	}
	// The pointer over a tile holds the tour.
	tile := win.wall.Tiles()[0]
	tile.MouseIn(&desktop.MouseEvent{})
	at(time.Second)
	at(time.Minute)
	if win.wall.CurrentView() != 0 || win.tour.lbl.Text != "Tour paused (4 s)" {
		t.Fatalf("hovered: view %d, %q", win.wall.CurrentView(), win.tour.lbl.Text)
	}
	tile.MouseOut()
	at(0)
	// A maximised tile holds it too.
	win.wall.ToggleMaximise("acc/door")
	at(0)
	at(time.Minute)
	if win.wall.CurrentView() != 0 || !strings.HasPrefix(win.tour.lbl.Text, "Tour paused") {
		t.Fatalf("maximised: view %d, %q", win.wall.CurrentView(), win.tour.lbl.Text)
	}
	win.wall.ToggleMaximise("acc/door")
	at(0)
	if len(win.wall.Warm()) != 0 {
		t.Fatal("the next view started early")
	}
	// 3 s before the change the next view's new camera starts, off the
	// wall; the shown view goes on.
	at(1500 * time.Millisecond)
	if got := win.wall.Warm(); !slices.Equal(got, []string{"acc/lot1"}) || win.wall.CurrentView() != 0 {
		t.Fatalf("3 s before: warm %v, view %d", got, win.wall.CurrentView())
	}
	waitFor(t, "lot1 started before it shows", func() bool { return op.opened("lot1") == 1 })
	at(2 * time.Second)
	if win.wall.CurrentView() != 0 {
		t.Fatal("moved on early")
	}
	// (Maximising door above hid gate and ended its session for a while:
	// count its sessions from here.)
	waitFor(t, "gate running", func() bool { return slices.Contains(op.running(), "gate") })
	gateOpens := op.opened("gate")
	at(600 * time.Millisecond)
	if win.wall.CurrentView() != 1 || win.viewSel.Selected != "Parking" {
		t.Fatalf("at the interval: view %d", win.wall.CurrentView())
	}
	if win.tour.lbl.Text != "Tour: next in 10 s" {
		t.Fatalf("the next view's countdown: %q", win.tour.lbl.Text)
	}
	waitFor(t, "Parking running", func() bool { return slices.Equal(op.running(), []string{"gate", "lot1"}) })
	// Shown with the sessions started before: no new one for lot1, and
	// gate, on both views, went on.
	if op.opened("lot1") != 1 || op.opened("gate") != gateOpens {
		t.Fatalf("sessions opened: lot1 %d, gate %d more; want 1 and none", op.opened("lot1"), op.opened("gate")-gateOpens)
	}
	at(10 * time.Second)
	if win.wall.CurrentView() != 0 {
		t.Fatalf("the tour did not come back: view %d", win.wall.CurrentView())
	}

	// A tour of pages: every 4 s the next page, round.
	if err := win.setTour(4, false); err != nil {
		t.Fatal(err)
	}
	win.wall.SetLayout(Layout1)
	win.wall.setPage(0)
	at(4 * time.Second)
	if win.wall.Page() != 1 {
		t.Fatalf("page tour: page %d", win.wall.Page())
	}
	at(4 * time.Second)
	if win.wall.Page() != 0 {
		t.Fatalf("page tour round: page %d", win.wall.Page())
	}
	if st, _, err := LoadState(path); err != nil || st.Views[0].TourSeconds != 4 || st.Views[0].TourViews {
		t.Fatalf("the tour setting saved: %+v %v", st.Views, err)
	}
	if err := win.setTour(0, false); err != nil || win.tour.lbl.Visible() {
		t.Fatalf("tour off: %v, countdown shown %v", err, win.tour.lbl.Visible())
	}
}
