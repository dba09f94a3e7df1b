package demo

import (
	"bytes"
	"image"
	"testing"
	"time"
)

func samePicture(a, b *image.YCbCr) bool {
	return bytes.Equal(a.Y, b.Y) && bytes.Equal(a.Cb, b.Cb) && bytes.Equal(a.Cr, b.Cr)
}

func TestPictureDeterministic(t *testing.T) {
	at := time.Date(2026, 11, 21, 13, 45, 7, 123e6, time.UTC)
	cases := []struct {
		name string
		w, h int
	}{
		{"main", MainWidth, MainHeight},
		{"sub", SubWidth, SubHeight},
		{"odd", 321, 179},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewPicture(tc.w, tc.h, "Front door", at, 42)
			if a.Rect.Dx() != tc.w || a.Rect.Dy() != tc.h || a.SubsampleRatio != image.YCbCrSubsampleRatio420 {
				t.Fatalf("picture %v %v", a.Rect, a.SubsampleRatio)
			}
			// Drawing over a dirty picture gives the same result.
			b := NewPicture(tc.w, tc.h, "Garage", at.Add(time.Hour), 7)
			DrawPicture(b, "Front door", at, 42)
			if !samePicture(a, b) {
				t.Fatal("same arguments, different pictures")
			}
			if samePicture(a, NewPicture(tc.w, tc.h, "Front door", at.Add(time.Second), 42)) {
				t.Fatal("the clock does not show seconds")
			}
			if !samePicture(a, NewPicture(tc.w, tc.h, "Front door", at.Add(800*time.Millisecond), 43)) {
				t.Fatal("the picture changes within a second (it would be motion)")
			}
			if !samePicture(a, NewPicture(tc.w, tc.h, "Garage", at, 42)) {
				t.Fatal("the name is drawn: every camera would need an encoder of its own")
			}
		})
	}
}

func TestPictureClockIsLegible(t *testing.T) {
	// The clock's box is black with white strokes, big enough to read on a
	// tile: at 720p each font pixel is at least 16 picture pixels wide.
	img := NewPicture(MainWidth, MainHeight, "Lobby", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 0)
	row := img.Y[(MainHeight*2/5)*img.YStride : (MainHeight*2/5)*img.YStride+MainWidth]
	var white, black, run, longest int
	for _, y := range row {
		switch y {
		case 235:
			white++
			run++
			longest = max(longest, run)
		case 16:
			black++
			run = 0
		default:
			run = 0
		}
	}
	if white < 100 || black < 100 || longest < 16 {
		t.Fatalf("clock row: %d white, %d black, longest white run %d", white, black, longest)
	}
}

func TestGlyphs(t *testing.T) {
	for _, c := range []byte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:.()-/_#'") {
		if g := glyph(c); g == glyph('?') && c != '?' {
			t.Errorf("%q has no glyph", c)
		}
	}
	if glyph('a') != glyph('A') {
		t.Error("lower case is not drawn as upper case")
	}
	if glyph('~') != glyph('?') {
		t.Error("unknown characters are not drawn as '?'")
	}
}

func BenchmarkDrawPicture(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, MainWidth, MainHeight), image.YCbCrSubsampleRatio420)
	at := time.Now()
	for i := 0; i < b.N; i++ {
		DrawPicture(img, "Front door", at, int64(i))
	}
}
