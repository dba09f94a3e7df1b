package ui

import (
	"errors"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session"
)

// TestPictureLetterbox: a live picture takes the largest place with its
// aspect ratio in the picture area, centred; two bars fill the rest and the
// tile's full background is not drawn under it. Without a picture the
// background is back.
func TestPictureLetterbox(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tile       fyne.Size
		src        [2]int
		sideBySide bool // bars left and right (else above and below)
	}{
		{"wide tile, 16:9 source", fyne.NewSize(400, 200), [2]int{1280, 720}, true},
		{"tall tile, 16:9 source", fyne.NewSize(300, 300), [2]int{1280, 720}, false},
		{"tall tile, 4:3 source", fyne.NewSize(200, 300), [2]int{640, 480}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			tile := NewTile("cam", &fakeControl{})
			w := test.NewTempWindow(t, tile)
			w.Resize(tc.tile)
			tile.Resize(tc.tile)
			if tile.picture.Visible() || !tile.bg.Visible() || tile.bars[0].Visible() {
				t.Fatal("before a picture: the background must show, not the bars")
			}
			tile.SetStatus(session.Status{State: session.StateLive})
			f := frame(64, 36, color.RGBA{B: 200, A: 255})
			f.SourceWidth, f.SourceHeight = tc.src[0], tc.src[1]
			tile.SetFrame(f)
			tile.Refresh()
			if !tile.picture.Visible() || tile.bg.Visible() || !tile.bars[0].Visible() || !tile.bars[1].Visible() {
				t.Fatalf("with a picture: picture %v bg %v bars %v %v", tile.picture.Visible(), tile.bg.Visible(),
					tile.bars[0].Visible(), tile.bars[1].Visible())
			}
			area := fyne.NewSize(tile.Size().Width, tile.Size().Height-barHeight)
			p, ps := tile.picture.Position(), tile.picture.Size()
			if got, want := ps.Width/ps.Height, float32(tc.src[0])/float32(tc.src[1]); got < want*0.99 || got > want*1.01 {
				t.Errorf("picture %v has aspect %.3f, want %.3f", ps, got, want)
			}
			b0, b1 := tile.bars[0], tile.bars[1]
			if tc.sideBySide {
				if ps.Height != area.Height || p.Y != barHeight {
					t.Errorf("picture %v at %v does not span the area's height %v", ps, p, area.Height)
				}
				if !nearPt(b0.Size().Width+ps.Width+b1.Size().Width, area.Width) || b0.Position().X != 0 || !nearPt(b1.Position().X, p.X+ps.Width) {
					t.Errorf("bars %v at %v and %v at %v do not fill beside picture %v at %v", b0.Size(), b0.Position(), b1.Size(), b1.Position(), ps, p)
				}
				if d := b0.Size().Width - b1.Size().Width; d > 1 || d < -1 {
					t.Errorf("picture not centred: bars %v and %v wide", b0.Size().Width, b1.Size().Width)
				}
			} else {
				if ps.Width != area.Width || p.X != 0 {
					t.Errorf("picture %v at %v does not span the area's width %v", ps, p, area.Width)
				}
				if !nearPt(b0.Size().Height+ps.Height+b1.Size().Height, area.Height) || b0.Position().Y != barHeight || !nearPt(b1.Position().Y, p.Y+ps.Height) {
					t.Errorf("bars %v at %v and %v at %v do not fill around picture %v at %v", b0.Size(), b0.Position(), b1.Size(), b1.Position(), ps, p)
				}
			}
			tile.SetStatus(session.Status{State: session.StateFailed, Err: errors.New("gone")})
			if tile.picture.Visible() || !tile.bg.Visible() || tile.bars[0].Visible() {
				t.Fatalf("after failing: picture %v bg %v bars %v", tile.picture.Visible(), tile.bg.Visible(), tile.bars[0].Visible())
			}
		})
	}
}

// nearPt compares layout positions to a hundredth of a point.
func nearPt(a, b float32) bool { return a-b < 0.01 && b-a < 0.01 }

// shadedArea sums the area of the objects under o that the GL painter
// shades on every repaint: everything visible but rectangles with neither
// fill nor stroke (which it skips).
func shadedArea(o fyne.CanvasObject) float32 {
	if !o.Visible() {
		return 0
	}
	switch x := o.(type) {
	case fyne.Widget:
		var a float32
		for _, c := range test.WidgetRenderer(x).Objects() {
			a += shadedArea(c)
		}
		return a
	case *fyne.Container:
		var a float32
		for _, c := range x.Objects {
			a += shadedArea(c)
		}
		return a
	case *canvas.Rectangle:
		if (x.FillColor == nil || x.FillColor == color.Transparent) &&
			(x.StrokeColor == nil || x.StrokeColor == color.Transparent || x.StrokeWidth == 0) {
			return 0
		}
	}
	return o.Size().Width * o.Size().Height
}

// TestTileShadesEachPixelAboutOnce: a live tile with a picture, the motion
// highlight and the focus frame has each of its pixels shaded about once
// per repaint. Frames drawn as stroked full-size rectangles, and the tile's
// background under its picture, had each pixel shaded three times
// (docs/PERFORMANCE.md).
func TestTileShadesEachPixelAboutOnce(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("cam", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	size := fyne.NewSize(320, 204)
	w.Resize(size)
	tile.Resize(size)
	tile.SetStatus(session.Status{State: session.StateLive})
	f := frame(64, 36, color.RGBA{B: 200, A: 255})
	tile.SetFrame(f)
	tile.deco.setMotion(true)
	tile.focused = true
	tile.Refresh()
	if !tile.MotionShown() || !tile.deco.motion.visible() || !tile.border.visible() {
		t.Fatal("the motion highlight and the focus frame must show")
	}
	area := tile.Size().Width * tile.Size().Height
	if got := shadedArea(tile); got > 1.15*area {
		t.Errorf("%.0f points shaded per repaint for a tile of %.0f (%.2f times)", got, area, got/area)
	}
}
