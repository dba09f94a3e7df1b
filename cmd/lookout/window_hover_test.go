package main

import (
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// darkShare is the share of r's pixels whose channels are all below 85:
// under a tile's hover statistics (black at 0xb0 alpha over the picture,
// or over the tile's background on the X11 path) nearly all but the
// text's; over the demo picture's bottom, a grey ramp from black to white,
// about a third.
func darkShare(m *image.RGBA, r image.Rectangle) float64 {
	var n, dark int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := m.PixOffset(x, y)
			n++
			if m.Pix[i] < 85 && m.Pix[i+1] < 85 && m.Pix[i+2] < 85 {
				dark++
			}
		}
	}
	return float64(dark) / float64(n)
}

// TestWindowPointerLeavingUnhoversTheTile: the real window on the demo
// site under Xvfb (1280x720 at the top of a 1280x800 screen, no window
// manager), with each renderer. The pointer moved onto the first tile's
// picture shows its statistics over the picture's bottom; moved out of
// the window (below it), the statistics go within seconds and the
// picture's bottom rows move again (Fyne is told nothing of the leave:
// ui/pointerleave.go). Moved back onto the same tile, the statistics show
// again: the hover follows the pointer's next move.
func TestWindowPointerLeavingUnhoversTheTile(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a real window")
	}
	findTool(t, "xdotool")
	for _, renderer := range []string{"x11", "fyne"} {
		t.Run(renderer, func(t *testing.T) {
			windowSlots <- struct{}{}
			defer func() { <-windowSlots }()
			dir := t.TempDir()
			w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null", "--renderer", renderer)
			move := func(x, y int) { w.x("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y)) }
			tile := cells(2, 2)[0]
			// The statistics' lines, left of the Talk button, above the
			// tile's foot.
			stats := image.Rect(tile.Min.X+10, tile.Max.Y-40, tile.Min.X+280, tile.Max.Y-12)
			// look polls screenshots for up to 20 s until ok says yes of
			// two taken 1.1 s apart (the demo picture steps each second).
			look := func(step string, ok func(a, b *image.RGBA) bool) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for {
					select {
					case err := <-w.exited:
						t.Fatalf("%s: lookout exited (%v):\n%s", step, err, w.stderr.String())
					default:
					}
					a := w.shot("hover-" + renderer + "-" + step + ".png")
					time.Sleep(1100 * time.Millisecond)
					b := screenshot(t, w.display)
					if ok(a, b) {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: not within 20 s: dark share %.2f and %.2f, bottom moved %.2f\n%s",
							step, darkShare(a, stats), darkShare(b, stats), regionDiff(a, b, stats), w.stderr.String())
					}
				}
			}
			shown := func(a, b *image.RGBA) bool { return darkShare(a, stats) >= 0.7 && darkShare(b, stats) >= 0.7 }
			gone := func(a, b *image.RGBA) bool {
				return darkShare(a, stats) < 0.5 && darkShare(b, stats) < 0.5 && regionDiff(a, b, stats) > 1
			}

			// The window maps under Xvfb's pointer (the screen's centre,
			// over a tile): first the pointer rests on the status bar.
			deadline := time.Now().Add(45 * time.Second)
			for {
				move(10, 700)
				m := w.shot("hover-" + renderer + "-start.png")
				got := []string{}
				for _, c := range cells(2, 2) {
					got = append(got, cellKind(m, c))
				}
				if fmt.Sprint(got) == "[bars bars bars yard]" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the wall shows %v, want the four demo pictures:\n%s", got, w.stderr.String())
				}
				time.Sleep(300 * time.Millisecond)
			}
			look("bare", gone)

			x, y := (tile.Min.X+tile.Max.X)/2, tile.Min.Y+120
			move(x, y)
			move(x+5, y+5)
			look("hovered", shown)

			move(640, 780) // below the window
			look("left", gone)

			move(x, y)
			move(x+5, y+5)
			look("back", shown)
		})
	}
}
