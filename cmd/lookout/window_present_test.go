package main

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The demo wall's area in the 1280x720 window at (0, 0) of the Xvfb
// screen (no window manager): right of the sidebar, from the tiles' title
// bars down to above the status bar; and the toolbar's layout buttons.
var (
	presentWall = image.Rect(265, 46, 1276, 674)
	layoutBtn   = map[string][2]int{"1": {387, 20}, "2x2": {424, 20}, "3x3": {467, 20}}
)

// cellKind says what a cell of the screen shows: "bars" (a demo camera's
// live test picture: its colour bars, undimmed), "yard" (the Yard's still
// grey scene) or "" (neither: an empty cell, a dimmed picture).
func cellKind(m *image.RGBA, r image.Rectangle) string {
	r = image.Rect(r.Min.X+20, r.Min.Y+36, r.Max.X-20, r.Max.Y-20) // below the title bar
	var n, sat, grey int
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			n++
			if k := barAt(m, x, y); k >= 1 && k <= 6 {
				sat++
				continue
			}
			i := m.PixOffset(x, y)
			cr, cg, cb := int(m.Pix[i]), int(m.Pix[i+1]), int(m.Pix[i+2])
			if absInt(cr-cg) < 12 && absInt(cg-cb) < 12 && cr >= 95 && cr <= 200 {
				grey++
			}
		}
	}
	switch {
	case n == 0:
		return ""
	case sat*100/n >= 20:
		return "bars"
	case grey*100/n >= 60 && sat*100/n < 2:
		return "yard"
	}
	return ""
}

// cells are the rectangles of a cols x rows wall, row by row.
func cells(cols, rows int) []image.Rectangle {
	var out []image.Rectangle
	w, h := presentWall.Dx()/cols, presentWall.Dy()/rows
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			x, y := presentWall.Min.X+c*w, presentWall.Min.Y+r*h
			out = append(out, image.Rect(x, y, x+w, y+h))
		}
	}
	return out
}

var childLine = regexp.MustCompile(`(?m)^\s+(0x[0-9a-f]+) .*?(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s+\+(-?\d+)\+(-?\d+)\s*$`)

// mappedChildren are the rectangles (screen coordinates) of the mapped
// child windows of the window win.
func (w *window) mappedChildren(win string) []image.Rectangle {
	w.t.Helper()
	out := w.x("xwininfo", "-children", "-id", win)
	var rects []image.Rectangle
	for _, m := range childLine.FindAllStringSubmatch(out, -1) {
		info := w.x("xwininfo", "-id", m[1])
		if !strings.Contains(info, "IsViewable") {
			continue
		}
		cw, _ := strconv.Atoi(m[2])
		ch, _ := strconv.Atoi(m[3])
		ax, _ := strconv.Atoi(m[6])
		ay, _ := strconv.Atoi(m[7])
		rects = append(rects, image.Rect(ax, ay, ax+cw, ay+ch))
	}
	return rects
}

// TestWindowPresentsPicturesInTheirCells: the real window on the demo
// site under Xvfb, with each renderer. The four demo cameras' pictures
// (three test pictures and the Yard's still scene, told apart by their
// pixels read back from the screen) are in the right cells after each of
// a dialog opened and closed, a layout change (2x2 to 3x3), a page change (1x1, three pages on), a
// maximise and its restore (double-clicks), and a drag of the Yard's tile
// onto the first cell (no child window while its drop mark shows); clicks and drags over the pictures reach the
// tiles. With --renderer x11 every live picture is a mapped child window
// of Lookout's window over its cell (the X11 path), and none while a
// dialog is open; with --renderer fyne
// there is no child window at all.
func TestWindowPresentsPicturesInTheirCells(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a real window")
	}
	t.Parallel()
	findTool(t, "xdotool")
	findTool(t, "xwininfo")
	for _, renderer := range []string{"x11", "fyne"} {
		t.Run(renderer, func(t *testing.T) {
			windowTest(t)
			dir := t.TempDir()
			w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "debug", "--audio", "null", "--renderer", renderer)
			win := ""
			// expect waits until the wall shows want (one kind per cell of
			// a cols x rows wall) and, on the X11 path, a mapped child
			// window inside every cell with a picture.
			expect := func(step string, cols, rows int, want ...string) {
				t.Helper()
				deadline := time.Now().Add(45 * time.Second)
				var got []string
				var kids []image.Rectangle
				for {
					select {
					case err := <-w.exited:
						t.Fatalf("%s: lookout exited (%v):\n%s", step, err, w.stderr.String())
					default:
					}
					if win == "" {
						if out, err := w.try("xdotool", "search", "--onlyvisible", "--name", "Lookout"); err == nil {
							win = strings.Fields(out)[0]
						}
					}
					m := w.shot(fmt.Sprintf("present-%s-%s.png", renderer, strings.ReplaceAll(step, " ", "-")))
					got = got[:0]
					for _, c := range cells(cols, rows) {
						got = append(got, cellKind(m, c))
					}
					ok := fmt.Sprint(got) == fmt.Sprint(want)
					if win != "" {
						kids = w.mappedChildren(win)
					}
					if ok && renderer == "fyne" && len(kids) != 0 {
						t.Fatalf("%s: the Fyne path has child windows %v", step, kids)
					}
					if ok && renderer == "x11" {
						for i, c := range cells(cols, rows) {
							if want[i] == "" {
								continue
							}
							in := 0
							for _, k := range kids {
								if k.Overlaps(c) && k.Dx()*k.Dy() > c.Dx()*c.Dy()/3 {
									in++
								}
							}
							if in != 1 {
								ok = false
							}
						}
					}
					if ok {
						t.Logf("%s: %v, child windows %v", step, got, kids)
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: the cells show %v, want %v; mapped child windows %v\n%s", step, got, want, kids, w.stderr.String())
					}
					time.Sleep(300 * time.Millisecond)
				}
			}
			click := func(x, y int, times int) {
				t.Helper()
				w.x("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y))
				time.Sleep(150 * time.Millisecond)
				w.x("xdotool", "click", "--repeat", strconv.Itoa(times), "--delay", "60", "1")
			}
			center := func(r image.Rectangle) (int, int) { return (r.Min.X + r.Max.X) / 2, (r.Min.Y + r.Max.Y) / 2 }

			expect("start", 2, 2, "bars", "bars", "bars", "yard")
			if renderer == "x11" {
				// Each picture is decoded at its child window's size (the
				// width rounded up to even), so the copy into the window
				// does not scale it.
				for _, k := range w.mappedChildren(win) {
					line := fmt.Sprintf("decoded=%dx%d window=%dx%d", (k.Dx()+1)&^1, k.Dy(), k.Dx(), k.Dy())
					if !strings.Contains(w.stderr.String(), line) {
						t.Errorf("child window %v: no log line with %q", k, line)
					}
				}
			}

			// A dialog over the wall: no child window covers it.
			x, y := center(presentWall)
			click(x, y, 1) // the keys go to the window
			w.x("xdotool", "key", "question")
			deadline := time.Now().Add(20 * time.Second)
			for len(w.mappedChildren(win)) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("a dialog is open, yet child windows %v show over it", w.mappedChildren(win))
				}
				time.Sleep(100 * time.Millisecond)
			}
			w.shot("present-" + renderer + "-dialog.png")
			click(639, 681, 1) // its Close button
			expect("dialog closed", 2, 2, "bars", "bars", "bars", "yard")

			click(layoutBtn["3x3"][0], layoutBtn["3x3"][1], 1)
			expect("layout 3x3", 3, 3, "bars", "bars", "bars", "yard", "", "", "", "", "")

			click(layoutBtn["1"][0], layoutBtn["1"][1], 1)
			expect("layout 1", 1, 1, "bars")
			click(x, y, 1)
			for range 3 {
				w.x("xdotool", "key", "Next")
				time.Sleep(300 * time.Millisecond)
			}
			expect("page 4", 1, 1, "yard")

			click(layoutBtn["2x2"][0], layoutBtn["2x2"][1], 1)
			expect("layout 2x2", 2, 2, "bars", "bars", "bars", "yard")
			x, y = center(cells(2, 2)[3])
			click(x, y, 2)
			expect("maximised", 1, 1, "yard")
			click(x, y, 2)
			expect("restored", 2, 2, "bars", "bars", "bars", "yard")

			// Drag the Yard by its picture onto the first cell.
			x0, y0 := center(cells(2, 2)[0])
			w.x("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y))
			w.x("xdotool", "mousedown", "1")
			for i := 1; i <= 10; i++ {
				time.Sleep(40 * time.Millisecond)
				w.x("xdotool", "mousemove", strconv.Itoa(x+(x0-x)*i/10), strconv.Itoa(y+(y0-y)*i/10))
			}
			time.Sleep(100 * time.Millisecond)
			// While the drop mark shows, Fyne draws the pictures under it.
			deadline = time.Now().Add(10 * time.Second)
			for len(w.mappedChildren(win)) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("a tile is dragged, yet child windows %v cover the drop mark", w.mappedChildren(win))
				}
				time.Sleep(100 * time.Millisecond)
			}
			w.shot("present-" + renderer + "-dragging.png")
			w.x("xdotool", "mouseup", "1")
			expect("dragged", 2, 2, "yard", "bars", "bars", "bars")
		})
	}
}

// x runs an X tool on the window's display and returns its output.
func (w *window) x(name string, args ...string) string {
	w.t.Helper()
	out, err := w.try(name, args...)
	if err != nil {
		w.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// try runs an X tool on the window's display.
func (w *window) try(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
