package wall_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session/wall"
)

// TestViewsIntents: views are created, renamed, duplicated and deleted by
// name rules (unique, not empty, never the last), and the shown view
// follows the deletions and insertions around it.
func TestViewsIntents(t *testing.T) {
	v := wall.NewViews(nil, 3)
	if v.Len() != 1 || v.CurrentView().Name != wall.DefaultViewName || v.Current() != 0 {
		t.Fatalf("empty views: %v current %d", v.Names(), v.Current())
	}
	v.Update("2x2", 1, []string{"a/1", "a/2"})
	i, err := v.Create("Parking", "3x3")
	if err != nil || i != 1 {
		t.Fatalf("create: %d %v", i, err)
	}
	if _, err := v.Create(" parking ", ""); !errors.Is(err, wall.ErrViewExists) {
		t.Fatalf("same name again: %v", err)
	}
	if _, err := v.Create("  ", ""); !errors.Is(err, wall.ErrViewName) {
		t.Fatalf("empty name: %v", err)
	}
	if err := v.Rename(0, "Entrances"); err != nil {
		t.Fatal(err)
	}
	if err := v.Rename(1, "entrances"); !errors.Is(err, wall.ErrViewExists) {
		t.Fatalf("rename onto another's name: %v", err)
	}
	d, err := v.Duplicate(0, "")
	if err != nil || d != 1 {
		t.Fatalf("duplicate: %d %v", d, err)
	}
	if got := v.Names(); !slices.Equal(got, []string{"Entrances", "Entrances copy", "Parking"}) {
		t.Fatalf("names %v", got)
	}
	dup := v.List()[1]
	if dup.Layout != "2x2" || dup.Page != 1 || !slices.Equal(dup.Sources, []string{"a/1", "a/2"}) {
		t.Fatalf("duplicate holds %+v", dup)
	}
	// The copy is its own: changing the original leaves it.
	v.Update("1", 0, []string{"a/3"})
	if got := v.List()[1].Sources; !slices.Equal(got, []string{"a/1", "a/2"}) {
		t.Fatalf("the copy changed with the original: %v", got)
	}
	if x, err := v.Switch(2); err != nil || x.Name != "Parking" || x.Layout != "3x3" {
		t.Fatalf("switch: %+v %v", x, err)
	}
	if _, err := v.Switch(5); !errors.Is(err, wall.ErrNoView) {
		t.Fatalf("switch out of range: %v", err)
	}
	// Deleting a view before the shown one keeps it shown.
	if moved, err := v.Delete(0); err != nil || moved || v.CurrentView().Name != "Parking" {
		t.Fatalf("delete before: moved %v err %v shown %q", moved, err, v.CurrentView().Name)
	}
	// Deleting the shown view shows its neighbour.
	if moved, err := v.Delete(1); err != nil || !moved || v.CurrentView().Name != "Entrances copy" {
		t.Fatalf("delete shown: moved %v err %v shown %q", moved, err, v.CurrentView().Name)
	}
	if _, err := v.Delete(0); !errors.Is(err, wall.ErrLastView) {
		t.Fatalf("delete the last: %v", err)
	}
}

// TestNewViewsRepairsNames: a hand-edited state with duplicate or empty
// names loads with unique ones, and a current index out of range shows the
// first view.
func TestNewViewsRepairsNames(t *testing.T) {
	v := wall.NewViews([]wall.View{{Name: "A"}, {Name: "a"}, {Name: ""}}, 9)
	if got := v.Names(); !slices.Equal(got, []string{"A", "a 2", "View 3"}) || v.Current() != 0 {
		t.Fatalf("names %v current %d", got, v.Current())
	}
}

// TestTourCountdown: a tour's countdown runs down, holds while paused,
// goes on with what was left, says when the change is near, and a tour of
// views moves on to the next view with a tour.
func TestTourCountdown(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tr := wall.NewTour(10*time.Second, t0)
	if tr.Left(t0.Add(4*time.Second)) != 6*time.Second || tr.Due(t0.Add(9*time.Second)) || tr.Soon(t0.Add(6*time.Second)) {
		t.Fatal("countdown before the change")
	}
	if !tr.Soon(t0.Add(7 * time.Second)) {
		t.Fatal("not soon 3 s before")
	}
	tr.SetPaused(true, t0.Add(8*time.Second))
	if tr.Due(t0.Add(time.Hour)) || tr.Left(t0.Add(time.Hour)) != 2*time.Second || tr.Soon(t0.Add(time.Hour)) {
		t.Fatal("a paused tour ran on")
	}
	tr.SetPaused(false, t0.Add(time.Hour))
	if tr.Due(t0.Add(time.Hour+time.Second)) || !tr.Due(t0.Add(time.Hour+2*time.Second)) {
		t.Fatal("resumed with the wrong remainder")
	}
	tr.Restart(t0.Add(2 * time.Hour))
	if tr.Left(t0.Add(2*time.Hour)) != 10*time.Second {
		t.Fatal("restart")
	}

	v := wall.NewViews([]wall.View{{Name: "A"}, {Name: "B"}, {Name: "C"}}, 0)
	if _, ok := v.NextTouring(); ok {
		t.Fatal("a next touring view without tours")
	}
	if err := v.SetTour(0, 10, true); err != nil {
		t.Fatal(err)
	}
	_ = v.SetTour(2, 5, true)
	if i, ok := v.NextTouring(); !ok || i != 2 {
		t.Fatalf("next touring from A: %d %v", i, ok)
	}
	_, _ = v.Switch(2)
	if i, ok := v.NextTouring(); !ok || i != 0 {
		t.Fatalf("next touring from C: %d %v", i, ok)
	}
}

// TestViewsRememberTheirWindows: a view in a window of its own and the
// shown view's tiles in windows of their own are recorded in the views
// (and their JSON), as the next start reopens them; the shown view cannot
// be in a window of its own, a tile must be the view's; closing them, a
// switch away from the view (its tiles come back) or to it (it shows
// here) forgets them, and a duplicate is in no window.
func TestViewsRememberTheirWindows(t *testing.T) {
	v := wall.NewViews([]wall.View{{Name: "Entrances", Sources: []string{"a/door", "a/gate"}}, {Name: "Parking", Sources: []string{"a/lot"}}}, 0)
	if err := v.SetWindow(0, &wall.OwnWindow{}); !errors.Is(err, wall.ErrViewShown) {
		t.Fatalf("the shown view in its own window: %v", err)
	}
	if err := v.SetWindow(1, &wall.OwnWindow{FullScreen: true, Source: "ignored"}); err != nil {
		t.Fatal(err)
	}
	if err := v.SetTileWindow("a/gate", true, true); err != nil {
		t.Fatal(err)
	}
	if err := v.SetTileWindow("a/lot", false, true); !errors.Is(err, wall.ErrNotInView) {
		t.Fatalf("another view's tile: %v", err)
	}
	b, err := json.Marshal(v.List())
	if err != nil {
		t.Fatal(err)
	}
	var back []wall.View
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	v = wall.NewViews(back, 0)
	list := v.List()
	if w := list[1].Window; w == nil || !w.FullScreen || w.Source != "" {
		t.Fatalf("Parking's window after a round trip: %+v (%s)", w, b)
	}
	if got := list[0].TileWindows; len(got) != 1 || got[0] != (wall.OwnWindow{Source: "a/gate", FullScreen: true}) {
		t.Fatalf("the tile windows after a round trip: %+v (%s)", got, b)
	}
	// The copy the caller holds is its own.
	list[1].Window.FullScreen = false
	if !v.List()[1].Window.FullScreen {
		t.Fatal("List shares the window with the views")
	}
	if d, err := v.Duplicate(1, ""); err != nil || v.List()[d].Window != nil {
		t.Fatalf("the duplicate of a view in a window: %+v %v", v.List()[d].Window, err)
	}
	if err := v.SetTileWindow("a/gate", false, false); err != nil || len(v.CurrentView().TileWindows) != 0 {
		t.Fatalf("closing the tile's window: %+v %v", v.CurrentView().TileWindows, err)
	}
	if err := v.SetTileWindow("a/door", false, true); err != nil || len(v.CurrentView().TileWindows) != 1 {
		t.Fatalf("the door's window: %+v %v", v.CurrentView().TileWindows, err)
	}
	// Showing Parking here: it is in no window, and Entrances' tile stays
	// in its own window (TestTileWindowOutlivesViewSwitches).
	if x, err := v.Switch(1); err != nil || x.Name != "Parking" || x.Window != nil || v.List()[1].Window != nil || len(v.List()[0].TileWindows) != 1 {
		t.Fatalf("switch: %+v, Entrances' tile windows %+v, %v", x.Window, v.List()[0].TileWindows, err)
	}
	if err := v.SetWindow(0, &wall.OwnWindow{}); err != nil {
		t.Fatal(err)
	}
	if err := v.SetWindow(0, nil); err != nil || v.List()[0].Window != nil {
		t.Fatalf("closing the view's window: %+v %v", v.List()[0].Window, err)
	}
	if err := v.SetWindow(7, nil); !errors.Is(err, wall.ErrNoView) {
		t.Fatalf("no such view: %v", err)
	}
}

// TestTileWindowOutlivesViewSwitches: a tile in a window of its own stays
// there, recorded on the view it was opened from, and runs while the
// views switch; closing its window puts it back in its cell when the shown
// view holds it (its own or another view with the same camera), and ends
// it otherwise; closing the tile there takes it off its view.
func TestTileWindowOutlivesViewSwitches(t *testing.T) {
	v := wall.NewViews([]wall.View{
		{Name: "Entrances", Sources: []string{"a/door", "a/gate"}},
		{Name: "Parking", Sources: []string{"a/lot"}},
		{Name: "Both", Sources: []string{"a/lot", "a/door"}},
	}, 0)
	if err := v.SetTileWindow("a/door", true, true); err != nil {
		t.Fatal(err)
	}
	runs := func(what string, want map[string]bool) {
		t.Helper()
		for s, w := range want {
			if v.Runs(s) != w {
				t.Fatalf("%s: %s runs %v, want %v", what, s, !w, w)
			}
		}
	}
	if _, err := v.Switch(1); err != nil {
		t.Fatal(err)
	}
	runs("Parking shown", map[string]bool{"a/door": true, "a/gate": false, "a/lot": true})
	if i, ok := v.TileWindowOf("a/door"); !ok || i != 0 || v.List()[0].TileWindows[0] != (wall.OwnWindow{Source: "a/door", FullScreen: true}) {
		t.Fatalf("the door's window while Parking shows: view %d %v, %+v", i, ok, v.List()[0].TileWindows)
	}
	if _, err := v.Switch(0); err != nil {
		t.Fatal(err)
	}
	if len(v.CurrentView().TileWindows) != 1 {
		t.Fatalf("Entrances shown again: its tile windows %+v", v.CurrentView().TileWindows)
	}
	// Closed while its view shows: back in its cell.
	if !v.CloseTileWindow("a/door") || v.Runs("a/gate") != true || len(v.CurrentView().TileWindows) != 0 {
		t.Fatalf("closed on its view: tile windows %+v", v.CurrentView().TileWindows)
	}
	// Closed while another view shows: it ends.
	_ = v.SetTileWindow("a/door", false, true)
	_, _ = v.Switch(1)
	if v.CloseTileWindow("a/door") || v.Runs("a/door") {
		t.Fatal("closed while Parking shows: the door's tile goes back somewhere or runs")
	}
	if _, ok := v.TileWindowOf("a/door"); ok {
		t.Fatal("the closed window is still recorded")
	}
	// Closed while a view holding the same camera shows: its cell there.
	_, _ = v.Switch(0)
	_ = v.SetTileWindow("a/door", false, true)
	_, _ = v.Switch(2)
	if !v.CloseTileWindow("a/door") {
		t.Fatal("closed while Both shows: the door's tile does not go to its cell there")
	}
	// The tile closed in its window while Parking shows: off Entrances.
	_, _ = v.Switch(0)
	_ = v.SetTileWindow("a/gate", false, true)
	_, _ = v.Switch(1)
	if !v.RemoveTile("a/gate") || slices.Contains(v.List()[0].Sources, "a/gate") || v.Runs("a/gate") || v.RemoveTile("a/gate") {
		t.Fatalf("the gate closed in its window: Entrances holds %v", v.List()[0].Sources)
	}
	// A view opened in a window of its own has its tiles there.
	_, _ = v.Switch(0)
	_ = v.SetTileWindow("a/door", false, true)
	_, _ = v.Switch(1)
	if err := v.SetWindow(0, &wall.OwnWindow{}); err != nil || v.Runs("a/door") || len(v.List()[0].TileWindows) != 0 {
		t.Fatalf("Entrances in its own window: its tile windows %+v, %v", v.List()[0].TileWindows, err)
	}
}
