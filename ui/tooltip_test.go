package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session"
)

// centre is the absolute position of o's middle, where a pointer rests on it.
func centre(o fyne.CanvasObject) fyne.Position {
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return at.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
}

// TestTileIconsNameThemselves rests the pointer on each of a live tile's
// icons (and its Talk button): after a moment its name shows, with its key,
// next to it and inside the tile; it goes when the pointer leaves, and when
// the icon is pressed. The name follows the icon's state.
func TestTileIconsNameThemselves(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Front door", &fakeControl{})
	tile.OnOwnWindow = func() {}
	tile.OnMaximise = func() { tile.SetMaximised(!tile.Maximised()) }
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(640, 400))
	tile.SetSoundShown(true)
	tile.SetTalk(session.TalkHalf, "")
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.Refresh()
	c := w.Canvas()
	away := fyne.NewPos(320, 200) // the picture: the tile itself, no icon

	for _, tc := range []struct {
		name string
		icon fyne.CanvasObject
		want string
	}{
		{"close", tile.closeBtn, "Close (Delete)"},
		{"maximise", tile.maxBtn, "Maximise (Enter)"},
		{"sound", tile.speaker, "Mute"},
		{"snapshot", tile.deco.snap, "Snapshot (Ctrl+S)"},
		{"record", tile.deco.rec, "Record (Ctrl+R)"},
		{"motion alerts", tile.deco.watch, "Alert on motion"},
		{"own window", tile.winBtn, "Own window, full screen (W)"},
		{"talk", tile.talkBtn, "Talk (hold Space)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tile.IconShown(tc.icon) {
				t.Fatalf("the %s icon does not show", tc.name)
			}
			rested := time.Now()
			test.MoveMouse(c, centre(tc.icon))
			if got := tile.Tooltip(); got != "" {
				t.Fatalf("a name shows at once: %q", got)
			}
			waitFor(t, "the "+tc.name+" icon's name", func() bool { return tile.Tooltip() != "" })
			if waited := time.Since(rested); waited < tipDelay {
				t.Errorf("the name showed after %v, before the pointer rested %v", waited, tipDelay)
			}
			if got := tile.Tooltip(); got != tc.want {
				t.Fatalf("hovering %s shows %q, want %q", tc.name, got, tc.want)
			}
			// Next to the icon (just under or just over it), inside the tile.
			bg := tile.tips.bg
			at, size := bg.Position(), bg.Size()
			ip, is := tc.icon.Position(), tc.icon.Size()
			if at.X < 0 || at.Y < 0 || at.X+size.Width > tile.Size().Width || at.Y+size.Height > tile.Size().Height {
				t.Errorf("the name's box %v+%v leaves the tile %v", at, size, tile.Size())
			}
			if below, above := at.Y-(ip.Y+is.Height), ip.Y-(at.Y+size.Height); (below < 0 || below > 4) && (above < 0 || above > 4) {
				t.Errorf("the name's box at y %v..%v is not next to the icon at y %v..%v", at.Y, at.Y+size.Height, ip.Y, ip.Y+is.Height)
			}
			if at.X > ip.X+is.Width || at.X+size.Width < ip.X {
				t.Errorf("the name's box at x %v..%v is not by the icon at x %v..%v", at.X, at.X+size.Width, ip.X, ip.X+is.Width)
			}
			test.MoveMouse(c, away)
			if got := tile.Tooltip(); got != "" {
				t.Fatalf("the name %q stays after the pointer left", got)
			}
		})
	}

	// Pressed, the icon acts and its name goes; rested on again, it says
	// what it does now.
	test.MoveMouse(c, centre(tile.maxBtn))
	waitFor(t, "the maximise icon's name", func() bool { return tile.Tooltip() == "Maximise (Enter)" })
	test.TapCanvas(c, centre(tile.maxBtn))
	if !tile.Maximised() || tile.Tooltip() != "" {
		t.Fatalf("after a click: maximised %v, name %q", tile.Maximised(), tile.Tooltip())
	}
	test.MoveMouse(c, away)
	test.MoveMouse(c, centre(tile.maxBtn))
	waitFor(t, "the restore icon's name", func() bool { return tile.Tooltip() == "Restore the grid (Enter, Esc)" })
	// A pointer passing over an icon on its way shows nothing.
	test.MoveMouse(c, away)
	test.MoveMouse(c, centre(tile.closeBtn))
	test.MoveMouse(c, away)
	time.Sleep(tipDelay + 100*time.Millisecond)
	drainUI()
	if got := tile.Tooltip(); got != "" {
		t.Fatalf("a name shows after the pointer only passed: %q", got)
	}
}

// TestTooltipLeavesTheKeysToTheWall: with an icon's name showing, no
// dialog counts as open and the wall's keys act on the focused tile:
// Enter maximises it, Delete takes it off the wall.
func TestTooltipLeavesTheKeysToTheWall(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	c := win.w.Canvas()
	win.wall.SetLayout(Layout2x2)
	for _, id := range []string{"c1", "c2"} {
		win.wall.Add("acc/"+id, "Cam "+id)
	}
	tiles := win.wall.Tiles()
	test.Tap(tiles[0])
	win.w.Content().Refresh()
	test.MoveMouse(c, centre(tiles[0].closeBtn))
	waitFor(t, "the close icon's name", func() bool { return tiles[0].Tooltip() == "Close (Delete)" })
	if win.dialogOpen() {
		t.Fatal("a showing name counts as an open dialog: the wall's keys would stop")
	}
	if c.Focused() != tiles[0] {
		t.Fatal("the name took the keyboard focus from the tile")
	}
	press(c, fyne.KeyReturn)
	if !tiles[0].Maximised() {
		t.Fatal("Enter did not maximise the focused tile while its icon's name showed")
	}
	press(c, fyne.KeyDelete)
	if win.wall.index("acc/c1") >= 0 {
		t.Fatal("Delete did not take the focused tile off the wall while its icon's name showed")
	}
}
