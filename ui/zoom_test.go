package ui

import (
	"image/png"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	model "github.com/lookout-app/lookout/session/wall"
)

// TestZoomedSnapshotAtStreamResolution: the wheel zooms a demo tile around
// the pointer; the zoomed tile switches to the main stream and draws the
// zoomed part; Ctrl+S saves exactly that part at the main stream's
// resolution (larger than the whole sub stream's picture); a drag pans
// instead of moving the tile; a double-click with Ctrl shows the whole
// picture again (and the sub stream), without maximising.
func TestZoomedSnapshotAtStreamResolution(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	d.live(t, "demo/cam1")
	tile := d.live(t, "demo/cam2")
	r := tile.ctrl.(*runner)
	if q := r.mt.Quality(); q != session.QualitySub {
		t.Fatalf("a small tile plays %q", q)
	}
	// Three notches up near the picture's top-left quarter.
	at, size := tile.picture.Position(), tile.picture.Size()
	p := at.Add(fyne.NewPos(size.Width/4, size.Height/4))
	for range 3 {
		tile.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: p}, Scrolled: fyne.Delta{DY: 10}})
	}
	z := tile.Zoom()
	if z.Scale < 1.9 || z.Scale > 2 {
		t.Fatalf("three notches zoom %v", z.Scale)
	}
	waitFor(t, "the zoomed tile on the main stream", func() bool { return r.mt.Quality() == session.QualityMain })
	waitFor(t, "main stream pictures", func() bool {
		f := tile.frame
		return f != nil && f.SourceWidth == demo.MainWidth
	})
	// The tile draws the zoomed part.
	drawn := tile.drawPicture(0, 0)
	full := tile.frame.Image.Rect
	if want := z.Region(full.Dx(), full.Dy()); drawn.Bounds().Dx() != want.Dx() || drawn.Bounds().Dy() != want.Dy() {
		t.Fatalf("the tile draws %v of a %v picture, want the zoomed %v", drawn.Bounds(), full, want)
	}
	d.w.Canvas().Focus(tile)
	d.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl})
	waitFor(t, "the snapshot's toast", tile.deco.toast.shown)
	f, err := os.Open(d.win.extra.lastCapture)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := z.Region(demo.MainWidth, demo.MainHeight)
	if b := img.Bounds(); b.Dx() != want.Dx() || b.Dy() != want.Dy() {
		t.Fatalf("the zoomed snapshot is %dx%d, want the main stream's %dx%d region", b.Dx(), b.Dy(), want.Dx(), want.Dy())
	}
	if want.Dx() <= demo.SubWidth {
		t.Fatalf("the region %v is no larger than the sub stream's %d", want, demo.SubWidth)
	}
	t.Logf("zoom %.2fx: snapshot %dx%d of the main stream's %dx%d", z.Scale, want.Dx(), want.Dy(), demo.MainWidth, demo.MainHeight)

	// A drag pans, and leaves the tile in its place.
	before := d.win.wall.Sources()
	tile.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: p}, Dragged: fyne.Delta{DX: -size.Width / 4}})
	tile.DragEnd()
	if got := tile.Zoom(); got.X <= z.X || got.Scale != z.Scale {
		t.Fatalf("a drag to the left shows %+v, want more of the right than %+v", got, z)
	}
	if got := d.win.wall.Sources(); got[0] != before[0] || got[1] != before[1] {
		t.Fatalf("the pan moved the tile: %v", got)
	}
	// A double-click without a modifier maximises (as before); with Ctrl
	// it shows the whole picture again.
	mods := keyModifiers
	keyModifiers = func() fyne.KeyModifier { return fyne.KeyModifierControl }
	defer func() { keyModifiers = mods }()
	tile.DoubleTapped(&fyne.PointEvent{})
	if tile.Zoom() != (model.Zoom{}) || d.win.wall.Maximised() != "" {
		t.Fatalf("Ctrl+double-click: zoom %+v, maximised %q", tile.Zoom(), d.win.wall.Maximised())
	}
	waitFor(t, "back on the sub stream", func() bool { return r.mt.Quality() == session.QualitySub })
}
