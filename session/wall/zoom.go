package wall

import (
	"image"
	"image/draw"
	"math"

	"github.com/lookout-app/lookout/player"
)

// MaxZoom is the largest digital zoom of a tile.
const MaxZoom = 8.0

// Zoom is a tile's digital zoom: the part of the picture shown, as the
// scale (1: the whole picture) and the top-left corner of the part shown
// in fractions of the picture's width and height. The zero value shows the
// whole picture.
type Zoom struct {
	Scale float64
	X, Y  float64
}

// Zoomed reports whether z shows less than the whole picture.
func (z Zoom) Zoomed() bool { return z.Scale > 1 }

func (z Zoom) scale() float64 { return max(1, z.Scale) }

// clamp keeps the part shown inside the picture and the scale in 1…MaxZoom.
func (z Zoom) clamp() Zoom {
	z.Scale = min(MaxZoom, z.scale())
	span := 1 / z.Scale
	z.X = min(max(0, z.X), 1-span)
	z.Y = min(max(0, z.Y), 1-span)
	if z.Scale == 1 {
		return Zoom{}
	}
	return z
}

// At zooms by factor around the point (u, v) of the part shown (fractions
// of its width and height): that point of the picture stays under it.
func (z Zoom) At(factor, u, v float64) Zoom {
	s := z.scale()
	px, py := z.X+u/s, z.Y+v/s // the picture's point under (u, v)
	n := min(MaxZoom, max(1, s*factor))
	return Zoom{Scale: n, X: px - u/n, Y: py - v/n}.clamp()
}

// Pan moves the part shown by (du, dv) fractions of the part shown's width
// and height, as a drag of the picture does (the picture follows the
// pointer: the part shown moves the other way).
func (z Zoom) Pan(du, dv float64) Zoom {
	if !z.Zoomed() {
		return Zoom{}
	}
	s := z.scale()
	z.X -= du / s
	z.Y -= dv / s
	return z.clamp()
}

// Region is the part shown of a picture w x h pixels.
func (z Zoom) Region(w, h int) image.Rectangle {
	z = z.clamp()
	s := z.scale()
	x0 := int(math.Round(z.X * float64(w)))
	y0 := int(math.Round(z.Y * float64(h)))
	x1 := min(w, x0+max(1, int(math.Round(float64(w)/s))))
	y1 := min(h, y0+max(1, int(math.Round(float64(h)/s))))
	return image.Rect(x0, y0, x1, y1)
}

// Crop returns the part of m that z shows, in a picture of its own at
// m's resolution (m itself when z shows all of it).
func (z Zoom) Crop(m *image.RGBA) *image.RGBA {
	if m == nil || !z.Zoomed() {
		return m
	}
	r := z.Region(m.Rect.Dx(), m.Rect.Dy()).Add(m.Rect.Min)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Rect, m, r.Min, draw.Src)
	return out
}

// View returns the part of m that z shows without copying (a sub-image
// sharing m's pixels), for drawing.
func (z Zoom) View(m *image.RGBA) *image.RGBA {
	if m == nil || !z.Zoomed() {
		return m
	}
	r := z.Region(m.Rect.Dx(), m.Rect.Dy()).Add(m.Rect.Min)
	return m.SubImage(r).(*image.RGBA)
}

// SetZoom sets the part of the picture the tile shows: its snapshots are
// that part at the stream's resolution.
func (t *Tile) SetZoom(z Zoom) {
	z = z.clamp()
	t.snap.zoom.Store(&z)
}

// Zoom returns the part of the picture the tile shows.
func (t *Tile) Zoom() Zoom {
	if z := t.snap.zoom.Load(); z != nil {
		return *z
	}
	return Zoom{}
}

// cropFrame returns f cut to the tile's zoom (f when not zoomed).
func (t *Tile) cropFrame(f *player.Frame) *player.Frame {
	z := t.Zoom()
	if f == nil || !z.Zoomed() {
		return f
	}
	f.Image = z.Crop(f.Image)
	return f
}
