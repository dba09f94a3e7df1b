package ui

import (
	"image"

	"fyne.io/fyne/v2"

	"github.com/lookout-app/lookout/player"
)

// How a tile's picture reaches the screen. The decoder scales each picture
// to the tile's pixels (resizeOutput); the tile draws it through a raster
// the size of the picture itself, so the canvas neither scales it nor
// shades the tile's background under it: the letterbox, if any, is two
// bars beside it. The canvas calls drawPicture on the Fyne goroutine only
// when it actually repaints the raster, which is where a picture counts as
// drawn (the wall's paint rates) and where its capture-to-paint latency is
// taken.

// drawer is a TileControl that wants to know which pictures were drawn
// (the runner, for the capture-to-paint latency in the hover stats).
type drawer interface {
	Drawn(*player.Frame)
}

// drawPicture is the picture raster's generator.
func (t *Tile) drawPicture(_, _ int) image.Image {
	if t.presentOn {
		return tileBGImage // the child window shows the picture (present.go)
	}
	f := t.frame
	if f == nil || f.Image == nil {
		return t.blank
	}
	if t.drawnSeq != t.shown {
		t.drawnSeq = t.shown
		t.drawn++
		if d, ok := t.ctrl.(drawer); ok {
			d.Drawn(f)
		}
	}
	return t.zoomed(f.Image)
}

// tileBGImage is drawn in place of a picture its child window shows: the
// tile's background under what Fyne draws over the picture.
var tileBGImage = func() *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, 1, 1))
	m.Set(0, 0, tileBG)
	return m
}()

// layoutPicture places the picture in the area at pos of size: as large as
// fits with the source's aspect ratio, centred, with bars filling the rest.
func (t *Tile) layoutPicture(pos fyne.Position, size fyne.Size) {
	w, h := size.Width, size.Height
	if t.srcW > 0 && t.srcH > 0 {
		aspect := float32(t.srcW) / float32(t.srcH)
		if w/h > aspect {
			w = h * aspect
		} else {
			h = w / aspect
		}
	}
	at := fyne.NewPos(pos.X+(size.Width-w)/2, pos.Y+(size.Height-h)/2)
	t.picture.Move(at)
	t.picture.Resize(fyne.NewSize(w, h))
	if w < size.Width { // bars left and right
		t.bars[0].Move(pos)
		t.bars[0].Resize(fyne.NewSize(at.X-pos.X, size.Height))
		t.bars[1].Move(fyne.NewPos(at.X+w, pos.Y))
		t.bars[1].Resize(fyne.NewSize(pos.X+size.Width-at.X-w, size.Height))
	} else { // above and below
		t.bars[0].Move(pos)
		t.bars[0].Resize(fyne.NewSize(size.Width, at.Y-pos.Y))
		t.bars[1].Move(fyne.NewPos(pos.X, at.Y+h))
		t.bars[1].Resize(fyne.NewSize(size.Width, pos.Y+size.Height-at.Y-h))
	}
	t.syncBackdrop()
}

// syncBackdrop shows the tile's background where no picture covers it:
// the whole tile without a picture, only the letterbox bars with one.
func (t *Tile) syncBackdrop() {
	on := t.picture.Visible()
	for _, b := range t.bars {
		b.Hidden = !on
	}
	t.bg.Hidden = on
}
