package ui

import (
	"image"
	"image/draw"
	"math"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// The Fyne path's pictures, composed by the wall (issue 22, item 2). Every
// Refresh of a canvas.Raster frees its GL texture and the next repaint
// makes and uploads a new one; with a raster per tile that was a texture
// and a draw per live tile per repaint. Instead each wall has one raster
// the size of its grid, behind the tiles: on each paint tick the live
// tiles' pictures (already scaled to the tile's pixels by the decoder)
// are copied into it at their picture rectangles, and it is refreshed once
// for all of them: one texture a repaint, drawn 1:1 (ImageScalePixels).
// A tile composed there draws nothing of its own picture (an empty image:
// Fyne draws no texture for it); what is drawn over a picture (frames,
// badges, statistics, the drop mark, dialogs) stays a Fyne object over
// the wall's raster. A tile that is not live (the dimmed stale picture),
// is zoomed, is hidden, shows through an X11 child window (present.go) or
// sits in a window of its own draws its picture itself as before.

// wallRaster is a wall's picture layer.
type wallRaster struct {
	wall *Wall
	r    *canvas.Raster
	buf  *image.RGBA
	// on are the tiles composed here (set on the Fyne goroutine by sync).
	on []*Tile
	// refreshes counts the layer's refreshes (for tests).
	refreshes atomic.Int64
}

// noPicture is what a tile composed by its wall draws: an empty image,
// for which Fyne makes no texture and draws nothing.
var noPicture = image.NewRGBA(image.Rectangle{})

// pictureLayer returns the wall's picture layer, made on first use.
func (w *Wall) pictureLayer() *wallRaster {
	if w.layer == nil {
		l := &wallRaster{wall: w}
		l.r = canvas.NewRaster(l.draw)
		l.r.ScaleMode = canvas.ImageScalePixels // the texture is the raster's own pixels
		l.r.Hide()
		w.layer = l
	}
	return w.layer
}

// composeWalls decides which of tiles their walls compose and refreshes
// each wall's layer once if a picture of it changed; call it on the Fyne
// goroutine after the tick's pictures were handed to the tiles.
func composeWalls(tiles []*Tile, batch []handOver) {
	var layers []*wallRaster
	dirty := map[*wallRaster]bool{}
	for _, t := range tiles {
		if l := t.layer; l != nil {
			if _, seen := dirty[l]; !seen {
				dirty[l] = false
				layers = append(layers, l)
			}
		}
	}
	for _, l := range layers {
		if l.sync(tiles) {
			dirty[l] = true
		}
	}
	for _, h := range batch {
		if t := h.r.tile; t.wallOn {
			dirty[t.layer] = true
		}
	}
	for _, l := range layers {
		if dirty[l] && len(l.on) > 0 {
			l.refresh()
		}
	}
}

func (l *wallRaster) refresh() {
	l.refreshes.Add(1)
	l.r.Refresh()
}

// sync decides which tiles the layer composes and reports whether that,
// or where their pictures are, changed.
func (l *wallRaster) sync(tiles []*Tile) bool {
	in := map[fyne.CanvasObject]bool{}
	if l.wall.grid.Visible() {
		for _, o := range l.wall.grid.Objects {
			in[o] = true
		}
	}
	changed := false
	on := make([]*Tile, 0, len(l.on))
	for _, t := range tiles {
		if t.layer != l {
			continue
		}
		want := in[t] && t.Visible() && !t.presentOn && t.presentable()
		if want != t.wallOn {
			t.wallOn = want
			t.picture.Refresh()
			changed = true
		}
		if !want {
			continue
		}
		on = append(on, t)
		if at := (wallPlace{l.pictureAt(t), t.picture.Size()}); at != t.wallAt {
			t.wallAt = at
			changed = true
		}
	}
	// Tiles composed before whose runner went (leaveWall normally saw to
	// them): they draw their own picture again.
	for _, t := range l.on {
		if t.wallOn && !containsTile(on, t) {
			t.wallOn = false
			t.picture.Refresh()
			changed = true
		}
	}
	if len(on) != len(l.on) {
		changed = true
	}
	l.on = on
	l.show(len(on) > 0)
	return changed
}

func (l *wallRaster) show(on bool) {
	if on == l.r.Visible() {
		return
	}
	if on {
		l.r.Show()
	} else {
		l.r.Hide()
	}
}

func containsTile(l []*Tile, t *Tile) bool {
	for _, x := range l {
		if x == t {
			return true
		}
	}
	return false
}

// wallPlace is where a composed tile's picture was last placed.
type wallPlace struct {
	at   fyne.Position
	size fyne.Size
}

// pictureAt is the tile's picture area in the layer's coordinates.
func (l *wallRaster) pictureAt(t *Tile) fyne.Position {
	return l.wall.grid.Position().Add(t.Position()).Add(t.picture.Position())
}

// leaveWall gives the tile's picture back to its own raster (its runner
// stops); call it on the Fyne goroutine.
func (t *Tile) leaveWall() {
	if !t.wallOn {
		return
	}
	t.wallOn = false
	t.picture.Refresh()
	if l := t.layer; l != nil {
		on := l.on[:0:0]
		for _, x := range l.on {
			if x != t {
				on = append(on, x)
			}
		}
		l.on = on
		l.show(len(on) > 0)
		if len(on) > 0 {
			l.refresh()
		}
	}
}

// draw is the layer's generator: the composed tiles' pictures at their
// places, transparent elsewhere. A picture counts as drawn here.
func (l *wallRaster) draw(w, h int) image.Image {
	if l.buf == nil || l.buf.Rect.Dx() != w || l.buf.Rect.Dy() != h {
		l.buf = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		clear(l.buf.Pix)
	}
	size := l.r.Size()
	if size.Width <= 0 || size.Height <= 0 {
		return l.buf
	}
	sx, sy := float64(w)/float64(size.Width), float64(h)/float64(size.Height)
	for _, t := range l.on {
		f := t.frame
		if !t.wallOn || f == nil || f.Image == nil {
			continue
		}
		at, sz := l.pictureAt(t), t.picture.Size()
		r := image.Rect(round(float64(at.X)*sx), round(float64(at.Y)*sy),
			round(float64(at.X+sz.Width)*sx), round(float64(at.Y+sz.Height)*sy))
		blit(l.buf, r, f.Image)
		t.countDrawn(f)
	}
	return l.buf
}

func round(v float64) int { return int(math.Round(v)) }

// blit puts src into dst's rectangle r: a copy when the sizes agree (the
// decoder scales each picture to its tile's pixels), else the nearest
// pixel (for a tick after a resize).
func blit(dst *image.RGBA, r image.Rectangle, src *image.RGBA) {
	sb := src.Bounds()
	if r.Size() == sb.Size() {
		draw.Draw(dst, r, src, sb.Min, draw.Src)
		return
	}
	if r.Empty() || sb.Empty() {
		return
	}
	c := r.Intersect(dst.Rect)
	for y := c.Min.Y; y < c.Max.Y; y++ {
		syy := sb.Min.Y + (y-r.Min.Y)*sb.Dy()/r.Dy()
		srow := src.Pix[src.PixOffset(sb.Min.X, syy):]
		drow := dst.Pix[dst.PixOffset(c.Min.X, y):]
		for x := c.Min.X; x < c.Max.X; x++ {
			sxx := (x - r.Min.X) * sb.Dx() / r.Dx()
			copy(drow[(x-c.Min.X)*4:(x-c.Min.X)*4+4], srow[sxx*4:sxx*4+4])
		}
	}
}
