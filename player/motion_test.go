package player

import (
	"image"
	"image/color"
	"testing"
	"time"
)

// scene draws a still picture: a grey room with a darker window, a clock
// whose seconds digit pattern changes every second at the top right, and,
// while moving is true, a dark square crossing the picture.
func scene(img *image.RGBA, t time.Duration, moveFrom, moveFor time.Duration) {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(120 + x*40/w)
			if x > w/8 && x < w/3 && y > h/6 && y < h/2 {
				v = 60
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	// The clock: the seconds as a bar pattern, 8 cells wide.
	sec := int(t / time.Second)
	cw := max(w/64, 2)
	for i := 0; i < 8; i++ {
		on := (sec>>i)&1 == 1
		for y := h / 20; y < h/20+h/16; y++ {
			for x := w - (9-i)*cw; x < w-(8-i)*cw; x++ {
				if on {
					img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
				} else {
					img.SetRGBA(x, y, color.RGBA{0, 0, 0, 255})
				}
			}
		}
	}
	if t >= moveFrom && t < moveFrom+moveFor {
		frac := float64(t-moveFrom) / float64(moveFor)
		side := h / 5
		x0 := int(frac * float64(w-side))
		for y := h / 2; y < h/2+side; y++ {
			for x := x0; x < x0+side; x++ {
				img.SetRGBA(x, y, color.RGBA{20, 30, 40, 255})
			}
		}
	}
}

func TestMotionDetector(t *testing.T) {
	const fps = 30
	for _, tc := range []struct {
		name              string
		w, h              int
		level             int
		moveFrom, moveFor time.Duration
		run               time.Duration
		wantWithin        time.Duration // 0: never motion
	}{
		{name: "still with a running clock", w: 320, h: 180, level: SensitivityMedium, run: 20 * time.Second},
		{name: "still with a running clock, high sensitivity", w: 320, h: 180, level: SensitivityHigh, run: 20 * time.Second},
		{name: "object moving for 2 s", w: 320, h: 180, level: SensitivityMedium, moveFrom: 5 * time.Second, moveFor: 2 * time.Second, run: 10 * time.Second, wantWithin: time.Second},
		{name: "object moving, small tile, low sensitivity", w: 160, h: 90, level: SensitivityLow, moveFrom: 3 * time.Second, moveFor: 2 * time.Second, run: 6 * time.Second, wantWithin: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewMotionDetector(MotionConfigFor(tc.level))
			img := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
			start := time.Unix(1000, 0)
			var first time.Duration = -1
			for i := 0; ; i++ {
				at := time.Duration(i) * time.Second / fps
				if at > tc.run {
					break
				}
				scene(img, at, tc.moveFrom, tc.moveFor)
				if d.Observe(img, start.Add(at)) && first < 0 {
					first = at
				}
			}
			switch {
			case tc.wantWithin == 0 && first >= 0:
				t.Fatalf("motion reported at %v in a still picture", first)
			case tc.wantWithin > 0 && first < 0:
				t.Fatal("the moving object was never reported")
			case tc.wantWithin > 0 && (first < tc.moveFrom || first-tc.moveFrom > tc.wantWithin):
				t.Fatalf("motion at %v, want within %v after %v", first, tc.wantWithin, tc.moveFrom)
			}
		})
	}
}
