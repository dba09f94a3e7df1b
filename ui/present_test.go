package ui

import (
	"image"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// statsCounting is a fakeControl that counts the statistics asked of it.
type statsCounting struct {
	fakeControl
	asked atomic.Int32
}

func (s *statsCounting) Stats() player.Stats {
	s.asked.Add(1)
	return s.fakeControl.Stats()
}

// TestHoverStatsFollowPicturesTwiceASecond: a hovered tile rewrites its
// statistics at most every statsEvery, not at every picture (each rewrite
// repaints the window).
func TestHoverStatsFollowPicturesTwiceASecond(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &statsCounting{}
	tile := NewTile("Lobby", ctrl)
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.MouseIn(nil)
	before := ctrl.asked.Load()
	for range 25 { // a second of pictures, handed over at once
		tile.SetFrame(&player.Frame{Image: image.NewRGBA(image.Rect(0, 0, 64, 36)), SourceWidth: 640, SourceHeight: 360})
	}
	if n := ctrl.asked.Load() - before; n > 1 {
		t.Errorf("25 pictures in a row rewrote the hover statistics %d times, want at most 1", n)
	}
}

// TestNonX11WindowsDrawTheirPictures: where the window is not an X11
// one (here Fyne's test driver), the X11 path is asked once and the
// tiles' pictures are drawn by Fyne: their rasters refreshed per picture,
// no child window.
func TestNonX11WindowsDrawTheirPictures(t *testing.T) {
	test.NewTempApp(t)
	if err := setRenderer(RendererAuto); err != nil {
		t.Fatal(err)
	}
	defer renderer.Store("")
	tile := NewTile("Lobby", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(400, 240))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetFrame(&player.Frame{Image: image.NewRGBA(image.Rect(0, 0, 64, 36)), SourceWidth: 640, SourceHeight: 360})
	syncPresenting([]*Tile{tile})
	syncPresenting([]*Tile{tile})
	if on, _ := tile.Presented(); on || tile.presentOn {
		t.Error("a tile of a window that is not X11 says its picture goes through a child window")
	}
	presenting.mu.Lock()
	broken, open := presenting.broken[w], presenting.windows[w]
	presenting.mu.Unlock()
	if !broken || open != nil {
		t.Errorf("the test driver's window: broken %v, presenter %v; want Fyne's path for good", broken, open)
	}
	if err := setRenderer("vulkan"); err == nil {
		t.Error("an unknown renderer was taken")
	}
}
