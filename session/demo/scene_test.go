package demo

import (
	"image"
	"testing"
	"time"
)

// changedRect is the bounding box of the luma samples that differ.
func changedRect(a, b *image.YCbCr) image.Rectangle {
	var r image.Rectangle
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			if a.Y[y*a.YStride+x] != b.Y[y*b.YStride+x] {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// TestStillScene checks what the motion tests rely on: within a second the
// still scene does not change at all; from one second to the next only the
// clock in the top right corner changes; the object changes a large area.
func TestStillScene(t *testing.T) {
	const w, h = SubWidth, SubHeight
	at := time.Date(2026, 1, 2, 3, 4, 5, 100e6, time.UTC)
	draw := func(t time.Time, object float64) *image.YCbCr {
		img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		DrawStill(img, "yard", t, object)
		return img
	}
	base := draw(at, -1)
	for _, tc := range []struct {
		name   string
		other  *image.YCbCr
		inside image.Rectangle // the change must lie within; empty: no change
		minW   int             // and be at least this wide
	}{
		{name: "same second", other: draw(at.Add(800*time.Millisecond), -1)},
		{name: "next second", other: draw(at.Add(time.Second), -1), inside: image.Rect(w*3/4, 0, w, h/10), minW: 1},
		{name: "object", other: draw(at, 0.5), inside: image.Rect(0, h/4, w, h*3/4), minW: h / 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := changedRect(base, tc.other)
			switch {
			case tc.inside.Empty() && !got.Empty():
				t.Fatalf("changed %v", got)
			case !tc.inside.Empty() && (got.Empty() || !got.In(tc.inside) || got.Dx() < tc.minW):
				t.Fatalf("changed %v, want a change at least %d wide within %v", got, tc.minW, tc.inside)
			}
		})
	}
}
