package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	model "github.com/lookout-app/lookout/session/wall"
)

// TestOwnWindowsReopenAtTheNextStart: a view opened in a window of its own
// (full screen) and a tile of the shown view in a window of its own are
// kept in wall.json, across the window's end; the next start opens them
// again, the same view and the same tile; once the user closes them, the
// start after opens none.
func TestOwnWindowsReopenAtTheNextStart(t *testing.T) {
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "wall.json")
	if err := SaveState(path, WallState{Views: []model.View{
		{Name: "Entrances", Layout: Layout2x2, Sources: []string{"acc/door", "acc/gate"}},
		{Name: "Parking", Layout: Layout2x2, Sources: []string{"acc/lot1"}},
		{Name: "Back", Layout: Layout2x2, Sources: []string{"acc/lot2"}},
	}}); err != nil {
		t.Fatal(err)
	}
	win, stop := buildStateWindow(t, a, path, newLiveOpener())
	if _, err := win.openViewWindow(context.Background(), 1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := win.openTileWindow("acc/gate", false); err != nil {
		t.Fatal(err)
	}
	stop() // the main window closes with both open
	st, _, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := st.Views[1].Window; w == nil || !w.FullScreen {
		t.Fatalf("saved Parking's window as %+v", w)
	}
	if tw := st.Views[0].TileWindows; len(tw) != 1 || tw[0].Source != "acc/gate" || tw[0].FullScreen {
		t.Fatalf("saved the tile windows as %+v", tw)
	}
	if st.Views[2].Window != nil {
		t.Fatalf("Back was never in a window: %+v", st.Views[2].Window)
	}

	// The next start opens them again.
	win, stop = buildStateWindow(t, a, path, newLiveOpener())
	if len(win.others) != 2 {
		t.Fatalf("the next start opened %d windows, want 2", len(win.others))
	}
	var view, tile *viewWindow
	for _, o := range win.others {
		if o.entry != nil {
			tile = o
		} else {
			view = o
		}
	}
	if view == nil || view.view != 1 || !view.w.FullScreen() || !strings.Contains(view.w.Title(), "Parking") ||
		!slices.Equal(view.wall.Sources(), []string{"acc/lot1"}) {
		t.Fatalf("the view's window: %+v", view)
	}
	if tile == nil || tile.entry.source != "acc/gate" || tile.w.FullScreen() || tile.entry.away == nil {
		t.Fatalf("the tile's window: %+v", tile)
	}
	if win.wall.CurrentView() != 0 {
		t.Fatalf("the main window shows view %d", win.wall.CurrentView())
	}
	// The user closes both: the start after opens none.
	tile.w.Close()
	view.w.Close()
	drainUI()
	if st, _, _ := LoadState(path); st.Views[1].Window != nil || len(st.Views[0].TileWindows) != 0 {
		t.Fatalf("closed windows still saved: %+v %+v", st.Views[1].Window, st.Views[0].TileWindows)
	}
	stop()
	win, _ = buildStateWindow(t, a, path, newLiveOpener())
	if len(win.others) != 0 {
		t.Fatalf("the start after opened %d windows", len(win.others))
	}
}

// TestTileWindowOfAViewNotShownReopens: a tile's window left open while the
// main window shows another view is kept on the view it came from; the
// next start shows that other view in the main window and opens the tile's
// window again, its tile running off the main wall; closing it then ends
// the tile (its view is not shown) and the start after opens none.
func TestTileWindowOfAViewNotShownReopens(t *testing.T) {
	a := test.NewTempApp(t)
	path := entrancesAndParking(t)
	op := newLiveOpener()
	win, stop := buildStateWindow(t, a, path, op)
	if _, err := win.openTileWindow("acc/gate", true); err != nil {
		t.Fatal(err)
	}
	win.showView(1)
	waitFor(t, "the gate and the lot running", func() bool { return slices.Equal(op.running(), []string{"gate", "lot1"}) })
	stop() // the main window closes on Parking, the gate in its window
	st, _, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if tw := st.Views[0].TileWindows; st.View != 1 || len(tw) != 1 || tw[0].Source != "acc/gate" || !tw[0].FullScreen {
		t.Fatalf("saved view %d, Entrances' tile windows %+v", st.View, tw)
	}

	op = newLiveOpener()
	win, stop = buildStateWindow(t, a, path, op)
	if win.wall.CurrentView() != 1 || len(win.others) != 1 || win.others[0].entry == nil {
		t.Fatalf("the next start: view %d, %d windows", win.wall.CurrentView(), len(win.others))
	}
	vw := win.others[0]
	if vw.entry.source != "acc/gate" || !vw.w.FullScreen() || win.wall.index("acc/gate") >= 0 || vw.w.Content() != vw.entry.tile {
		t.Fatalf("the gate's window: %+v", vw)
	}
	waitFor(t, "the gate running in its window", func() bool { return slices.Equal(op.running(), []string{"gate", "lot1"}) })
	if _, tiles, _ := win.allTiles(); tiles != 2 {
		t.Fatalf("the status bar counts %d tiles", tiles)
	}
	vw.w.Close()
	drainUI()
	waitFor(t, "the gate ended", func() bool { return slices.Equal(op.running(), []string{"lot1"}) })
	stop()
	st, _, _ = LoadState(path)
	if len(st.Views[0].TileWindows) != 0 || !slices.Contains(st.Views[0].Sources, "acc/gate") {
		t.Fatalf("after closing: Entrances %+v", st.Views[0])
	}
	win, _ = buildStateWindow(t, a, path, newLiveOpener())
	if len(win.others) != 0 {
		t.Fatalf("the start after opened %d windows", len(win.others))
	}
}

// TestTileWindowGoesWithItsView: a view opened in a window of its own
// takes its tiles from their windows of their own (one session per
// camera), and deleting a view closes its tiles' windows with it.
func TestTileWindowGoesWithItsView(t *testing.T) {
	a := test.NewTempApp(t)
	path := entrancesAndParking(t)
	op := newLiveOpener()
	win, _ := buildStateWindow(t, a, path, op)
	if _, err := win.openTileWindow("acc/gate", false); err != nil {
		t.Fatal(err)
	}
	win.showView(1)
	if _, err := win.openViewWindow(context.Background(), 0, false); err != nil {
		t.Fatal(err)
	}
	drainUI()
	if len(win.others) != 1 || win.others[0].entry != nil || win.others[0].view != 0 {
		t.Fatalf("%d windows, the gate's still open", len(win.others))
	}
	waitFor(t, "one session of the gate, in the view's window", func() bool {
		op.mu.Lock()
		defer op.mu.Unlock()
		return op.live["gate"] == 1 && op.live["door"] == 1
	})
	if tw := win.wall.viewsModel().List()[0].TileWindows; len(tw) != 0 {
		t.Fatalf("Entrances' tile windows %+v", tw)
	}
	win.others[0].w.Close()
	drainUI()

	// Entrances shown, the gate in its window: deleting the view closes it.
	win.showView(0)
	if _, err := win.openTileWindow("acc/gate", false); err != nil {
		t.Fatal(err)
	}
	if err := win.deleteView(); err != nil {
		t.Fatal(err)
	}
	drainUI()
	if len(win.others) != 0 || win.wall.viewsModel().Len() != 1 {
		t.Fatalf("%d windows after deleting Entrances", len(win.others))
	}
	waitFor(t, "only the lot running", func() bool { return slices.Equal(op.running(), []string{"lot1"}) })
}
