package main

import (
	"image"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWindowTileWindowLeavesTheMainWindowWhole: a tile opened in a window
// of its own (W) shows there through the X11 path (a child window of its
// own), and once that window is closed the main window's toolbar draws as
// before: no icon or text comes back as a black box (issue 23: Fyne 2.7
// keeps a drawn object's textures for the first window it was drawn in,
// so the tile window has widgets of its own).
func TestWindowTileWindowLeavesTheMainWindowWhole(t *testing.T) {
	windowTest(t)
	const sw, sh = 1600, 1000
	display, _ := startXvfbProcess(t, sw, sh)
	findTool(t, "xdotool")
	findTool(t, "xwininfo")
	startOpenbox(t, display)
	dir := t.TempDir()
	w := launch(t, display, dir, lookoutBinary(t), filepath.Join(dir, "none.toml"),
		"--demo", "--audio", "null", "--log-level", "info", "--renderer", "x11")
	id := w.windowID("demo site")
	main := strconv.FormatUint(uint64(id), 10)
	live := regexp.MustCompile(`msg=wall live=(\d+) tiles=(\d+)`)
	w.until("the demo's four tiles live", func() bool {
		all := live.FindAllStringSubmatch(w.stderr.String(), -1)
		return len(all) > 0 && all[len(all)-1][1] == "4"
	})
	// The toolbar: icons and text only, no picture, whichever tile is
	// heard or focused.
	g := w.clientArea(main)
	bar := image.Rect(g.Min.X, g.Min.Y+2, g.Max.X, g.Min.Y+38)
	away := func() { w.xdotool("mousemove", strconv.Itoa(sw-2), strconv.Itoa(sh-2)) }
	away()
	time.Sleep(time.Second)
	before := w.shot("tilewin-1-main.png")

	// W opens the focused tile (the first) in a window of its own, full
	// screen, its picture in a child window of its own.
	w.xdotool("windowactivate", "--sync", main)
	w.xdotool("key", "--window", main, "w")
	tw := w.windowID("Front door")
	tile := strconv.FormatUint(uint64(tw), 10)
	w.until("the tile window's picture in a child window", func() bool {
		for _, k := range w.mappedChildren(tile) {
			if k.Dx() > sw/2 && k.Dy() > sh/2 {
				return true
			}
		}
		return false
	})
	// The pointer rests on the tile there (its statistics show) and on
	// its title bar's icons (their tooltips).
	w.xdotool("mousemove", strconv.Itoa(sw/2), strconv.Itoa(sh/2))
	time.Sleep(2 * time.Second)
	w.shot("tilewin-2-tile-window.png")
	for x := sw - 20; x > sw-180; x -= 22 {
		w.xdotool("mousemove", strconv.Itoa(x), "14")
		time.Sleep(700 * time.Millisecond)
	}
	w.shot("tilewin-2-tile-window-tooltip.png")
	// Out of full screen both windows show.
	w.xdotool("windowactivate", "--sync", tile)
	w.xdotool("key", "--window", tile, "f")
	time.Sleep(1500 * time.Millisecond)
	w.shot("tilewin-3-both-windows.png")

	// Closed (Alt+F4, the window manager's close): the tile is back.
	w.xdotool("windowactivate", "--sync", tile)
	w.xdotool("key", "alt+F4")
	w.until("the tile window gone", func() bool {
		out, err := w.try("xdotool", "search", "--onlyvisible", "--name", "Front door")
		return err != nil || strings.TrimSpace(out) == ""
	})
	w.xdotool("windowactivate", "--sync", main)
	away()
	var diff, black int
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(time.Second)
		after := w.shot("tilewin-4-main-after.png")
		diff, black = 0, 0
		for y := bar.Min.Y; y < bar.Max.Y; y++ {
			for x := bar.Min.X; x < bar.Max.X; x++ {
				i, j := before.PixOffset(x, y), after.PixOffset(x, y)
				d := 0
				for c := range 3 {
					d = max(d, absInt(int(before.Pix[i+c])-int(after.Pix[j+c])))
				}
				if d > 60 {
					diff++
					if after.Pix[j] < 8 && after.Pix[j+1] < 8 && after.Pix[j+2] < 8 {
						black++
					}
				}
			}
		}
		if diff*200 < bar.Dx()*bar.Dy() || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("toolbar %v after the tile window: %d pixels changed, %d of them black", bar, diff, black)
	if diff*200 >= bar.Dx()*bar.Dy() {
		t.Fatalf("the main window's toolbar changed after the tile window closed: %d of %d pixels, %d black (tilewin-4-main-after.png)",
			diff, bar.Dx()*bar.Dy(), black)
	}
}

var absLine = regexp.MustCompile(`Absolute upper-left (X|Y):\s+(-?\d+)|(Width|Height):\s+(\d+)`)

// clientArea is the screen rectangle of the window id's contents, without
// the window manager's frame.
func (w *window) clientArea(id string) image.Rectangle {
	w.t.Helper()
	v := map[string]int{}
	for _, m := range absLine.FindAllStringSubmatch(w.x("xwininfo", "-id", id), -1) {
		if m[1] != "" {
			v[m[1]], _ = strconv.Atoi(m[2])
		} else {
			v[m[3]], _ = strconv.Atoi(m[4])
		}
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["Width"], v["Y"]+v["Height"])
}
