package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/lookout-app/lookout/session"
)

// TestSmallTileKeepsItsName: in a 4x4 cell of a 1024x640 window the
// title bar's icons give way before the name: "Camera 16" reads whole, no
// icon shown overlaps it, close stays, and the icons come back when the
// tile grows.
func TestSmallTileKeepsItsName(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Camera 16", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	tile.SetSoundShown(true)
	tile.SetStatus(session.Status{State: session.StateLive})
	for _, size := range []fyne.Size{{Width: 190, Height: 118}, {Width: 170, Height: 100}} {
		w.Resize(size)
		tile.Resize(size)
		if tile.title.Text != "Camera 16" {
			t.Fatalf("%v: the title reads %q", size, tile.title.Text)
		}
		end := tile.title.Position().X + tile.title.MinSize().Width
		shown := 0
		for _, o := range tile.barIcons() {
			if !tile.IconShown(o) {
				continue
			}
			shown++
			if x := o.Position().X; x < end {
				t.Errorf("%v: an icon at x=%v draws over the name, which ends at %v", size, x, end)
			}
			if o.Position().X+o.Size().Width > size.Width+0.5 {
				t.Errorf("%v: an icon at x=%v leaves the tile", size, o.Position().X)
			}
		}
		if !tile.IconShown(tile.closeBtn) || shown < 2 {
			t.Errorf("%v: %d icons shown (close %v)", size, shown, tile.IconShown(tile.closeBtn))
		}
	}
	w.Resize(fyne.NewSize(600, 340))
	tile.Resize(fyne.NewSize(600, 340))
	for i, o := range tile.barIcons() {
		if !tile.IconShown(o) {
			t.Errorf("icon %d stays hidden in a 600-point tile", i)
		}
	}
}

// TestHoverStatsFitTheTile: the hover statistics wrap to a small tile's
// width instead of running past its edge.
func TestHoverStatsFitTheTile(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &reportingControl{rep: session.ServerReport{Status: "PLAYBACK_PROBLEM", Info: "Packets lost", VideoKbps: 685.3, FPS: 30}}
	tile := NewTile("Lobby", ctrl)
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(190, 118))
	tile.Resize(fyne.NewSize(190, 118))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetTalk(session.TalkHalf, "")
	tile.MouseIn(nil)
	if y := tile.talkBtn.Position().Y; y < barHeight {
		t.Errorf("Talk moved up to y=%v, into the title bar", y)
	}
	lines := strings.Split(tile.stats.Text, "\n")
	if len(lines) < 2 {
		t.Fatalf("stats %q on one line", tile.stats.Text)
	}
	for _, l := range lines {
		if wd := fyne.MeasureText(l, theme.CaptionTextSize(), tile.stats.TextStyle).Width; wd > 190 {
			t.Errorf("stats line %q is %v wide in a 190-point tile", l, wd)
		}
	}
	if !inside(tile, tile.stats) || !inside(tile, tile.statsBG) {
		t.Fatalf("stats at %v size %v leave the tile", tile.stats.Position(), tile.stats.Size())
	}
	if !strings.Contains(strings.Join(strings.Fields(tile.stats.Text), " "), "30 fps") {
		t.Fatalf("stats %q", tile.stats.Text)
	}
}
