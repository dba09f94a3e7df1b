package ui

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// TestWallComposesLivePicturesInOneRaster: on the Fyne path the pictures
// of a wall's live tiles go into one raster the size of the wall, refreshed
// once per paint tick however many tiles got a picture, each picture
// landing in its tile's picture area (the window's pixels read back),
// the tiles' own rasters drawing nothing; after a maximise the maximised
// tile's picture fills the new area, and a tile that stops being live
// (its dimmed stale picture) draws its picture itself again.
func TestWallComposesLivePicturesInOneRaster(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	// The wall's page laid out directly (grid.go), without the wall
	// model's sessions: the test's runners play the live ones.
	wall := NewWall(context.Background(), nil, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.SetPadded(false)
	w.Resize(fyne.NewSize(800, 600))
	var tiles []*Tile
	for _, name := range []string{"a", "b", "c", "d"} {
		tile := NewTile(name, &fakeControl{})
		tiles = append(tiles, tile)
		wall.entries = append(wall.entries, &wallEntry{source: "acc/" + name, tile: tile})
	}
	wall.layoutPage(wall.visible())
	colors := []color.RGBA{{R: 220, A: 255}, {G: 200, A: 255}, {B: 210, A: 255}, {R: 200, G: 200, A: 255}}
	for _, tile := range tiles {
		tile.SetStatus(session.Status{State: session.StateLive})
	}
	var runners []*runner
	for _, tile := range tiles {
		r := &runner{tile: tile, sink: player.NewPaced()}
		runners = append(runners, r)
		painter.add(r)
	}
	defer func() {
		for _, r := range runners {
			painter.remove(r)
			r.sink.Clear()
		}
		drainUI()
	}()
	scale := w.Canvas().Scale()
	// tick hands every tile one picture of its colour, sized to the
	// tile's picture area in pixels as the decoder makes them, and runs
	// the batch; it returns the layer's refreshes during that tick.
	tick := func(step string) int64 {
		t.Helper()
		before := wall.layer.refreshes.Load()
		from := painter.batches.Load()
		for i, r := range runners {
			sz := tiles[i].picture.Size()
			r.sink.PutFrame(frame(int(sz.Width*scale+0.5), int(sz.Height*scale+0.5), colors[i]))
		}
		if n := batchesAfter(from); n != 1 {
			t.Fatalf("%s: %d UI calls for four tiles' pictures, want 1", step, n)
		}
		drainUI()
		return wall.layer.refreshes.Load() - before
	}
	tick("first pictures") // the tiles take the pictures' aspect ratio
	drainUI()
	for step := range 3 {
		if n := tick("a tick"); n != 1 {
			t.Fatalf("tick %d: the wall's raster was refreshed %d times for four live tiles' pictures, want 1", step, n)
		}
	}
	img := w.Canvas().Capture()
	for i, tile := range tiles {
		if !tile.wallOn {
			t.Fatalf("live tile %d is not composed by the wall", i)
		}
		if b := tile.drawPicture(10, 10).Bounds(); !b.Empty() {
			t.Errorf("tile %d's own raster draws a %v picture while the wall shows it", i, b)
		}
		checkPicture(t, img, scale, tile, colors[i], "4 tiles")
		if got := tile.TakePaints(); got < 1 {
			t.Errorf("tile %d counts %d pictures drawn", i, got)
		}
	}

	wall.maxed = wall.entries[2]
	wall.layoutPage(wall.visible())
	tick("after the maximise")
	if n := tick("maximised"); n != 1 {
		t.Fatalf("maximised: the wall's raster was refreshed %d times in a tick, want 1", n)
	}
	img = w.Canvas().Capture()
	if tiles[0].wallOn || !tiles[2].wallOn {
		t.Fatalf("maximised tile composed %v, a hidden tile composed %v", tiles[2].wallOn, tiles[0].wallOn)
	}
	checkPicture(t, img, scale, tiles[2], colors[2], "maximised")
	wall.maxed = nil
	wall.layoutPage(wall.visible())
	tick("restored")
	tick("restored")
	img = w.Canvas().Capture()
	for i, tile := range tiles {
		checkPicture(t, img, scale, tile, colors[i], "restored")
	}

	tiles[1].SetStatus(session.Status{State: session.StateRetrying, LastPicture: time.Now()})
	drainUI()
	tick("a tile stale")
	if tiles[1].wallOn || !tiles[1].Stale() {
		t.Fatalf("a stale tile: composed %v, stale %v; want its own dimmed picture", tiles[1].wallOn, tiles[1].Stale())
	}
	if b := tiles[1].drawPicture(10, 10).Bounds(); b.Empty() {
		t.Error("a stale tile's raster draws no picture")
	}
}

// checkPicture compares the window's pixels at the middle and near the
// corners of tile's picture area with want.
func checkPicture(t *testing.T, img image.Image, scale float32, tile *Tile, want color.RGBA, step string) {
	t.Helper()
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(tile.picture)
	sz := tile.picture.Size()
	for _, f := range [][2]float32{{0.5, 0.5}, {0.1, 0.1}, {0.9, 0.9}, {0.1, 0.9}, {0.9, 0.1}} {
		x, y := int((at.X+sz.Width*f[0])*scale), int((at.Y+sz.Height*f[1])*scale)
		r, g, b, _ := img.At(x, y).RGBA()
		if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
			t.Errorf("%s: %q's picture at (%d, %d) is %d,%d,%d, want %d,%d,%d", step, tile.Title, x, y, r>>8, g>>8, b>>8, want.R, want.G, want.B)
		}
	}
}
