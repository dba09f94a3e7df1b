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
