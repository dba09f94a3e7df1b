package main

import (
	"image"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// barRuns is how many of the demo's colour bars a row through the top of
// the picture r crosses, in the demo's order; 0 when they are out of it.
func barRuns(m *image.RGBA, r image.Rectangle) int {
	seq := barsAcross(m, r)
	for i := 1; i < len(seq); i++ {
		if seq[i] != (seq[i-1]+1)%8 {
			return 0
		}
	}
	return len(seq)
}

// TestWindowWheelZoomsOverAChildWindow: the real window on the demo site
// under Xvfb, on the X11 path. The mouse wheel turned over the first
// tile's picture, which shows through a child window of Lookout's window,
// reaches the tile (the wheel's button events go on to Fyne's window): the
// tile zooms, and its picture is then drawn by Fyne (no child window over
// it) with fewer, wider colour bars across its top. Turned back, the whole
// picture shows again through a child window.
func TestWindowWheelZoomsOverAChildWindow(t *testing.T) {
	windowTest(t)
	findTool(t, "xdotool")
	findTool(t, "xwininfo")
	dir := t.TempDir()
	w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null", "--renderer", "x11")
	cell := cells(2, 2)[0]
	win := ""
	// over is the mapped child window over the cell, if any.
	over := func() (image.Rectangle, bool) {
		if win == "" {
			out, err := w.try("xdotool", "search", "--onlyvisible", "--name", "Lookout")
			if err != nil {
				return image.Rectangle{}, false
			}
			win = strings.Fields(out)[0]
		}
		for _, k := range w.mappedChildren(win) {
			if k.Overlaps(cell) {
				return k, true
			}
		}
		return image.Rectangle{}, false
	}
	var pic image.Rectangle
	w.until("the first tile's picture through a child window, all its bars", func() bool {
		w.x("xdotool", "mousemove", "10", "700") // not over a tile
		k, ok := over()
		if !ok {
			return false
		}
		pic = k
		return barRuns(w.shot("wheel-start.png"), pic) >= 6
	})
	// The wheel zooms around the pointer: on the row barRuns reads.
	x, y := (pic.Min.X+pic.Max.X)/2, pic.Min.Y+pic.Dy()/6
	w.x("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y))
	time.Sleep(150 * time.Millisecond)
	w.x("xdotool", "click", "--repeat", "4", "--delay", "80", "4") // four notches up
	var bars int
	w.until("the first tile zoomed and drawn by Fyne", func() bool {
		if _, ok := over(); ok {
			return false
		}
		bars = barRuns(w.shot("wheel-zoomed.png"), pic)
		return bars >= 2 && bars <= 5 // 8 / 1.25^4 = 3.3 bars' width
	})
	t.Logf("zoomed: %d colour bars across the picture", bars)

	w.x("xdotool", "click", "--repeat", "6", "--delay", "80", "5") // back down
	w.until("the whole picture through a child window again", func() bool {
		if _, ok := over(); !ok {
			return false
		}
		return barRuns(w.shot("wheel-back.png"), pic) >= 6
	})
}
