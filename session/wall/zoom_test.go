package wall_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/lookout-app/lookout/session/wall"
)

// TestZoomAroundThePointAndPan: zooming keeps the picture's point under
// the pointer, stops at 8x and at 1x, a pan stays inside the picture, and
// Crop copies the region shown at the picture's own resolution.
func TestZoomAroundThePointAndPan(t *testing.T) {
	var z wall.Zoom
	z = z.At(2, 0.25, 0.75)
	if z.Scale != 2 || z.X != 0.125 || z.Y != 0.375 {
		t.Fatalf("2x around (0.25, 0.75): %+v", z)
	}
	// The point under the pointer stays: (0.25, 0.75) of the part shown
	// is the picture's (0.25, 0.75) still.
	if x, y := z.X+0.25/z.Scale, z.Y+0.75/z.Scale; x != 0.25 || y != 0.75 {
		t.Fatalf("the point moved to (%v, %v)", x, y)
	}
	if r := z.Region(1280, 720); r != image.Rect(160, 270, 800, 630) {
		t.Fatalf("region %v", r)
	}
	for range 10 {
		z = z.At(2, 0.5, 0.5)
	}
	if z.Scale != wall.MaxZoom {
		t.Fatalf("zoom past the cap: %v", z.Scale)
	}
	z = z.Pan(-100, 100) // far to the left and down: stops at the edge
	if z.X != 1-1/wall.MaxZoom || z.Y != 0 {
		t.Fatalf("pan past the edge: %+v", z)
	}
	if z = z.At(1.0/100, 0.5, 0.5); z.Zoomed() || z != (wall.Zoom{}) {
		t.Fatalf("zoomed out past 1x: %+v", z)
	}
	m := image.NewRGBA(image.Rect(0, 0, 8, 4))
	m.Set(6, 3, color.RGBA{R: 255, A: 255})
	c := wall.Zoom{Scale: 2, X: 0.5, Y: 0.5}.Crop(m)
	if c.Rect.Dx() != 4 || c.Rect.Dy() != 2 || c.RGBAAt(2, 1).R != 255 {
		t.Fatalf("crop %v, red at %v", c.Rect, c.RGBAAt(2, 1))
	}
}
