package ui

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// TestTileTakesNoHoverFromARestingPointer: in a window shown under a
// resting pointer (resting, as pointerleave.go keeps it), the tile takes
// no hover from the pointer's place reported as the window maps, nor from
// a report of the same place again; the first move elsewhere over the
// tile shows its statistics and ends the rest.
func TestTileTakesNoHoverFromARestingPointer(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Lobby", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(400, 240))
	resting[w] = image.Pt(120, 80)
	t.Cleanup(func() { delete(resting, w) })
	at := func(x, y float32) *desktop.MouseEvent {
		e := &desktop.MouseEvent{}
		e.AbsolutePosition = fyne.NewPos(x, y)
		return e
	}
	tile.MouseIn(at(120, 80))
	if tile.stats.Visible() {
		t.Fatal("the resting pointer's place shows the statistics")
	}
	tile.MouseMoved(at(120, 80))
	if tile.stats.Visible() {
		t.Fatal("the resting pointer's place told again shows the statistics")
	}
	tile.MouseMoved(at(121, 80))
	if !tile.stats.Visible() || tile.StatsText() == "" {
		t.Fatal("the first move shows no statistics")
	}
	if _, ok := resting[w]; ok {
		t.Error("the move did not end the rest")
	}
	tile.MouseOut()
	tile.MouseIn(at(120, 80))
	if !tile.stats.Visible() {
		t.Fatal("after the rest, the pointer's coming back shows no statistics")
	}
}
