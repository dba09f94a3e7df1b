package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestViewInItsOwnWindow: a view opened in a window of its own shows its
// tiles and runs their sessions while the main window shows another view;
// the main status bar counts both windows' tiles; choosing that view in
// the main window leaves it where it is; a tile added there is kept in
// the view; closing the window ends its sessions, and the view shows in
// the main window again when chosen.
func TestViewInItsOwnWindow(t *testing.T) {
	a := test.NewTempApp(t)
	path := entrancesAndParking(t)
	op := newLiveOpener()
	win, _ := buildStateWindow(t, a, path, op)
	if _, err := win.openViewWindow(context.Background(), 0, false); !errors.Is(err, ErrViewOpen) {
		t.Fatalf("the main window's view opened elsewhere: %v", err)
	}
	vw, err := win.openViewWindow(context.Background(), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if !vw.w.FullScreen() || !strings.Contains(vw.w.Title(), "Parking") {
		t.Fatalf("the view's window: full screen %v, title %q", vw.w.FullScreen(), vw.w.Title())
	}
	if got := vw.wall.Sources(); !slices.Equal(got, []string{"acc/lot1"}) || vw.wall.Tiles()[0].Title != "Lot 1" {
		t.Fatalf("the view's window shows %v", got)
	}
	waitFor(t, "both windows' tiles running", func() bool { return slices.Equal(op.running(), []string{"door", "gate", "lot1"}) })
	if live, tiles, _ := win.allTiles(); tiles != 3 || live != 0 {
		t.Fatalf("the status counts %d live of %d tiles, want 0 of 3 (the fake cameras never go live)", live, tiles)
	}
	win.updateStatus()
	// Choosing Parking in the main window leaves it in its window.
	ctrlDigit(win.w.Canvas(), fyne.Key2)
	if win.wall.CurrentView() != 0 || win.viewSel.Selected != "Entrances" {
		t.Fatalf("the main window took the view open elsewhere: %d %q", win.wall.CurrentView(), win.viewSel.Selected)
	}
	vw.wall.Add("acc/lot2", "Lot 2")
	waitFor(t, "lot2 running there", func() bool { return slices.Equal(op.running(), []string{"door", "gate", "lot1", "lot2"}) })
	if got := win.wall.viewsModel().List()[1].Sources; !slices.Equal(got, []string{"acc/lot1", "acc/lot2"}) {
		t.Fatalf("the view kept %v", got)
	}
	if st, _, _ := LoadState(path); len(st.Views) != 2 || len(st.Views[1].Sources) != 2 {
		t.Fatalf("saved %+v", st.Views)
	}
	vw.w.Close()
	drainUI()
	waitFor(t, "the window's sessions ended", func() bool { return slices.Equal(op.running(), []string{"door", "gate"}) })
	if len(win.others) != 0 {
		t.Fatal("the closed window is still counted")
	}
	ctrlDigit(win.w.Canvas(), fyne.Key2)
	if win.wall.CurrentView() != 1 || !slices.Equal(win.wall.Sources(), []string{"acc/lot1", "acc/lot2"}) {
		t.Fatalf("Parking back in the main window: %d %v", win.wall.CurrentView(), win.wall.Sources())
	}
	waitFor(t, "Parking running in the main window", func() bool { return slices.Equal(op.running(), []string{"lot1", "lot2"}) })
}
