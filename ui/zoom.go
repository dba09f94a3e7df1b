package ui

import (
	"image"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	model "github.com/lookout-app/lookout/session/wall"
)

// A tile's digital zoom: the mouse wheel zooms around the pointer (up to
// model.MaxZoom), a drag pans the zoomed picture, a double-click with Ctrl
// or Shift shows the whole picture again. The model's tile knows the part
// shown (model.Tile.SetZoom), so a snapshot is that part at the stream's
// resolution; a zoomed tile plays the main stream (Wall.quality) and asks
// the decoder for pictures as large as the zoomed part needs.

// zoomState is a tile's zoom and the picture drawn for it.
type zoomState struct {
	z       model.Zoom
	panning bool   // a drag pans rather than moves the tile
	onZoom  func() // the wall re-applies the tile's stream
	// img is the part shown of the picture numbered seq (a copy: the
	// raster is drawn from it).
	img *image.RGBA
	seq uint64
}

// zoomStep is the factor of one notch of the mouse wheel (Fyne reports a
// notch as 10).
const zoomStep = 1.25

// keyModifiers returns the modifier keys held now.
var keyModifiers = func() fyne.KeyModifier {
	if a := fyne.CurrentApp(); a != nil {
		if d, ok := a.Driver().(desktop.Driver); ok {
			return d.CurrentKeyModifiers()
		}
	}
	return 0
}

// Zoom returns the part of the picture the tile shows.
func (t *Tile) Zoom() model.Zoom { return t.zoom.z }

// SetZoom shows the part z of the picture.
func (t *Tile) SetZoom(z model.Zoom) {
	was := t.zoom.z.Zoomed()
	t.zoom.z = z
	t.zoom.img = nil
	if r, ok := t.ctrl.(*runner); ok {
		r.mt.SetZoom(z)
	}
	t.resizeOutput()
	t.picture.Refresh()
	if was != z.Zoomed() && t.zoom.onZoom != nil {
		t.zoom.onZoom()
	}
}

// pictureAt returns the point p of the tile as fractions of the picture's
// width and height, kept inside it.
func (t *Tile) pictureAt(p fyne.Position) (u, v float64) {
	at, size := t.picture.Position(), t.picture.Size()
	if size.Width <= 0 || size.Height <= 0 {
		return 0.5, 0.5
	}
	u = float64((p.X - at.X) / size.Width)
	v = float64((p.Y - at.Y) / size.Height)
	return min(1, max(0, u)), min(1, max(0, v))
}

// Scrolled implements fyne.Scrollable: the wheel zooms around the pointer.
func (t *Tile) Scrolled(e *fyne.ScrollEvent) {
	if t.frame == nil || e.Scrolled.DY == 0 {
		return
	}
	u, v := t.pictureAt(e.Position)
	t.SetZoom(t.zoom.z.At(math.Pow(zoomStep, float64(e.Scrolled.DY)/10), u, v))
}

// zoomPan pans a zoomed picture by a drag, and reports whether it did (a
// tile not zoomed is moved by the drag instead).
func (t *Tile) zoomPan(e *fyne.DragEvent) bool {
	if !t.zoom.z.Zoomed() {
		return false
	}
	size := t.picture.Size()
	if size.Width > 0 && size.Height > 0 {
		t.zoom.panning = true
		t.SetZoom(t.zoom.z.Pan(float64(e.Dragged.DX/size.Width), float64(e.Dragged.DY/size.Height)))
	}
	return true
}

// zoomDragEnd ends a pan, and reports whether the drag was one.
func (t *Tile) zoomDragEnd() bool {
	p := t.zoom.panning
	t.zoom.panning = false
	return p
}

// zoomReset shows the whole picture on a double-click with Ctrl or Shift,
// and reports whether it did.
func (t *Tile) zoomReset() bool {
	if keyModifiers()&(fyne.KeyModifierControl|fyne.KeyModifierShift) == 0 {
		return false
	}
	t.SetZoom(model.Zoom{})
	return true
}

// zoomed returns the part of m the tile shows (m when not zoomed).
func (t *Tile) zoomed(m *image.RGBA) *image.RGBA {
	if !t.zoom.z.Zoomed() {
		return m
	}
	if t.zoom.img == nil || t.zoom.seq != t.shown {
		t.zoom.img, t.zoom.seq = t.zoom.z.Crop(m), t.shown
	}
	return t.zoom.img
}

// zoomBox is the size of the pictures a tile asks the decoder for: its
// pixels, times the zoom, up to the stream's own size.
func (t *Tile) zoomBox() (int, int) {
	s := max(1, t.zoom.z.Scale)
	w, h := int(float64(t.pixelW)*s), int(float64(t.pixelH)*s)
	if t.srcW > 0 && t.srcH > 0 && (w > t.srcW || h > t.srcH) {
		return t.srcW, t.srcH
	}
	return w, h
}
