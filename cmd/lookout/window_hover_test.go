package main

import (
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// share is the share of r's pixels whose three channels all pass keep.
func share(m *image.RGBA, r image.Rectangle, keep func(c uint8) bool) float64 {
	var n, kept int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := m.PixOffset(x, y)
			n++
			if keep(m.Pix[i]) && keep(m.Pix[i+1]) && keep(m.Pix[i+2]) {
				kept++
			}
		}
	}
	return float64(kept) / float64(n)
}

// darkShare is the share of r's pixels whose channels are all below 85:
// under a tile's hover statistics (black at 0xb0 alpha over the picture,
// or over the tile's background on the X11 path) nearly all but the
// text's; over the demo picture's bottom, a grey ramp from black to white,
// about a third.
func darkShare(m *image.RGBA, r image.Rectangle) float64 {
	return share(m, r, func(c uint8) bool { return c < 85 })
}

// lightShare is the share of r's pixels whose channels are all above 150:
// the hover statistics' text, where they cover the tile's dark background.
func lightShare(m *image.RGBA, r image.Rectangle) float64 {
	return share(m, r, func(c uint8) bool { return c > 150 })
}

// statsLook looks for a tile's hover statistics in the window w.
type statsLook struct {
	w    *window
	name string          // of the screenshots
	box  image.Rectangle // the statistics' lines, left of the Talk button
}

func newStatsLook(w *window, name string, cell image.Rectangle) *statsLook {
	return &statsLook{w: w, name: name, box: image.Rect(cell.Min.X+10, cell.Max.Y-40, cell.Min.X+280, cell.Max.Y-12)}
}

// shown: both screenshots show the statistics' dark box.
func (l *statsLook) shown(a, b *image.RGBA) bool {
	return darkShare(a, l.box) >= 0.7 && darkShare(b, l.box) >= 0.7
}

// gone: neither does, and the picture's bottom rows moved between them.
func (l *statsLook) gone(a, b *image.RGBA) bool {
	return darkShare(a, l.box) < 0.5 && darkShare(b, l.box) < 0.5 && regionDiff(a, b, l.box) > 1
}

// until polls screenshots for up to 20 s until ok says yes of two taken
// 1.1 s apart (the demo picture steps each second).
func (l *statsLook) until(step string, ok func(a, b *image.RGBA) bool) {
	t := l.w.t
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-l.w.exited:
			t.Fatalf("%s: lookout exited (%v):\n%s", step, err, l.w.stderr.String())
		default:
		}
		a := l.w.shot(l.name + "-" + step + ".png")
		time.Sleep(1100 * time.Millisecond)
		b := screenshot(t, l.w.display)
		if ok(a, b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s: dark share %.2f and %.2f, bottom moved %.2f\n%s",
				step, darkShare(a, l.box), darkShare(b, l.box), regionDiff(a, b, l.box), l.w.stderr.String())
		}
	}
}

// waitDemoWall waits until the 2x2 wall shows the four demo pictures,
// calling each (if any) before each look.
func waitDemoWall(w *window, name string, each func()) {
	t := w.t
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if each != nil {
			each()
		}
		m := w.shot(name + "-start.png")
		got := []string{}
		for _, c := range cells(2, 2) {
			got = append(got, cellKind(m, c))
		}
		if fmt.Sprint(got) == "[bars bars bars yard]" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wall shows %v, want the four demo pictures:\n%s", got, w.stderr.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
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
	t.Parallel()
	findTool(t, "xdotool")
	for _, renderer := range []string{"x11", "fyne"} {
		t.Run(renderer, func(t *testing.T) {
			windowTest(t)
			dir := t.TempDir()
			w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null", "--renderer", renderer)
			move := func(x, y int) { w.x("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y)) }
			tile := cells(2, 2)[0]
			l := newStatsLook(w, "hover-"+renderer, tile)
			// The pointer rests on the status bar, off the tiles.
			waitDemoWall(w, l.name, func() { move(10, 700) })
			l.until("bare", l.gone)

			x, y := (tile.Min.X+tile.Max.X)/2, tile.Min.Y+120
			move(x, y)
			move(x+5, y+5)
			l.until("hovered", l.shown)

			move(640, 780) // below the window
			l.until("left", l.gone)

			move(x, y)
			move(x+5, y+5)
			l.until("back", l.shown)
		})
	}
}

// TestWindowOpenedUnderTheRestingPointerHoversNothing: the real window on
// the demo site under Xvfb (no window manager). The first tile, focused,
// goes to a window of its own (W) that maps over the whole screen, under
// the pointer resting on the main window's sidebar: GLFW tells Fyne
// the pointer's place as the window maps, as if it moved there, and the
// tile would show its statistics though nobody pointed at it. It shows
// none while the pointer rests; at its first move over the tile they show
// (ui/pointerleave.go).
func TestWindowOpenedUnderTheRestingPointerHoversNothing(t *testing.T) {
	windowTest(t)
	findTool(t, "xdotool")
	dir := t.TempDir()
	w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null")
	waitDemoWall(w, "rest", func() { w.x("xdotool", "mousemove", "10", "700") })
	w.x("xdotool", "mousemove", "500", "150", "click", "1") // focus the first tile
	rest := image.Pt(10, 590)                               // on the sidebar, where the new window maps
	w.x("xdotool", "mousemove", strconv.Itoa(rest.X), strconv.Itoa(rest.Y))
	time.Sleep(300 * time.Millisecond)
	w.x("xdotool", "key", "w")
	g := w.geometry("Lookout — Front door")
	// The window shows its tile's picture first, at its size.
	w.until("the tile's window with its picture", func() bool {
		g = w.geometry("Lookout — Front door")
		m := w.shot("rest-tile-window.png")
		return barRuns(m, image.Rect(g.Min.X, g.Min.Y+40, g.Max.X, g.Max.Y-40)) >= 6
	})
	if !rest.In(g) {
		t.Fatalf("the tile's window %v is not under the pointer", g)
	}
	// The statistics' line: along the tile's foot, under its picture.
	box := image.Rect(g.Min.X+10, g.Max.Y-26, g.Min.X+640, g.Max.Y-10)
	look := func(step string, ok func(float64) bool) {
		t.Helper()
		var share float64
		w.until(step, func() bool {
			share = lightShare(w.shot("rest-"+step+".png"), box)
			return ok(share)
		})
		t.Logf("%s: %.3f of the statistics' line is text", step, share)
	}
	// Resting: no statistics, on screenshots over 3 s.
	for range 3 {
		look("resting", func(s float64) bool { return s < 0.005 })
		time.Sleep(time.Second)
	}
	w.x("xdotool", "mousemove", strconv.Itoa(rest.X+5), strconv.Itoa(rest.Y+5))
	look("moved", func(s float64) bool { return s > 0.03 })
}
