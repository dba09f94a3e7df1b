package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"
)

// TestViewSwitchCarriesSharedTiles: a camera on both views keeps its
// session and its pictures through a switch (no new connection, no
// spinner), on the demo site.
func TestViewSwitchCarriesSharedTiles(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	d.live(t, "demo/cam1")
	d.live(t, "demo/cam2")
	if err := d.win.newView("Other"); err != nil {
		t.Fatal(err)
	}
	tile := d.live(t, "demo/cam2")
	d.live(t, "demo/cam3")
	run := tile.ctrl.(*runner)
	d.win.showView(0)
	if got := d.win.wall.Tiles()[1]; got != tile || tile.ctrl.(*runner) != run {
		t.Fatal("the shared camera's tile or session was replaced")
	}
	shown, start, pts := tile.shown, time.Now(), tile.frame.PTS
	waitFor(t, "2 s after the switch", func() bool { return time.Since(start) > 2*time.Second })
	t.Logf("%d pictures in %v after the switch, pts %v -> %v", tile.shown-shown, time.Since(start), pts, tile.frame.PTS)
	if n := tile.shown - shown; n < 30 {
		t.Fatalf("the carried tile showed %d pictures in 2 s", n)
	}
}
