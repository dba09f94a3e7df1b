package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// outline frames a tile with four thin rectangles. A single rectangle with
// a transparent fill and a stroke looks the same but has every pixel of
// the tile shaded on each repaint (Fyne's rectangle shader runs over its
// whole area); on a wall of 16 tiles that doubled the pixels llvmpipe
// shades per repaint (docs/PERFORMANCE.md).
type outline struct {
	sides [4]*canvas.Rectangle // top, bottom, left, right
	width float32
	size  fyne.Size
}

func newOutline(c color.Color, width float32) *outline {
	o := &outline{width: width}
	for i := range o.sides {
		o.sides[i] = canvas.NewRectangle(c)
	}
	return o
}

// objects are the four sides, for a renderer's object list.
func (o *outline) objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{o.sides[0], o.sides[1], o.sides[2], o.sides[3]}
}

// set changes the colour and width; a transparent colour hides the frame.
func (o *outline) set(c color.Color, width float32) {
	o.width = width
	on := c != nil && c != color.Transparent
	for _, s := range o.sides {
		s.FillColor = c
		s.Hidden = !on
		s.Refresh()
	}
	o.layout(o.size)
}

// show shows or hides the frame.
func (o *outline) show(on bool) {
	for _, s := range o.sides {
		if on {
			s.Show()
		} else {
			s.Hide()
		}
	}
}

// visible reports whether the frame shows.
func (o *outline) visible() bool { return o.sides[0].Visible() }

// layout places the sides inside a tile of size.
func (o *outline) layout(size fyne.Size) {
	o.size = size
	w := min(o.width, size.Width/2, size.Height/2)
	o.sides[0].Move(fyne.NewPos(0, 0))
	o.sides[0].Resize(fyne.NewSize(size.Width, w))
	o.sides[1].Move(fyne.NewPos(0, size.Height-w))
	o.sides[1].Resize(fyne.NewSize(size.Width, w))
	o.sides[2].Move(fyne.NewPos(0, w))
	o.sides[2].Resize(fyne.NewSize(w, size.Height-2*w))
	o.sides[3].Move(fyne.NewPos(size.Width-w, w))
	o.sides[3].Resize(fyne.NewSize(w, size.Height-2*w))
}

// outlineLayout lays an outline's sides out around its container.
type outlineLayout struct{ o *outline }

func (l outlineLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) { l.o.layout(size) }
func (l outlineLayout) MinSize([]fyne.CanvasObject) fyne.Size        { return fyne.Size{} }
