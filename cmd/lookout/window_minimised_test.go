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

// wallLine matches the window's once-a-second log line.
var wallLine = regexp.MustCompile(`msg=wall live=(\d+) tiles=(\d+) decode_fps=([\d.]+) paint_fps_min=([\d.]+) paint_fps_avg=([\d.]+) cpu_pct=([\d.]+) minimised=(true|false)`)

// wallStat is one wall log line.
type wallStat struct {
	live, tiles       int
	decoded, paintAvg float64
	cpuPct            float64
	minimised         bool
}

// wallStats parses every wall line of logs after the first skip bytes.
func wallStats(logs string) []wallStat {
	var out []wallStat
	for _, m := range wallLine.FindAllStringSubmatch(logs, -1) {
		live, _ := strconv.Atoi(m[1])
		tiles, _ := strconv.Atoi(m[2])
		dec, _ := strconv.ParseFloat(m[3], 64)
		avg, _ := strconv.ParseFloat(m[5], 64)
		cpu, _ := strconv.ParseFloat(m[6], 64)
		out = append(out, wallStat{live: live, tiles: tiles, decoded: dec, paintAvg: avg, cpuPct: cpu, minimised: m[7] == "true"})
	}
	return out
}

// TestWindowMinimisedStopsDecoding: the real window under Xvfb on the demo
// site. Unmapping it, as a window manager does to a minimised window, stops
// the tiles decoding and painting while they stay connected (live); mapping
// it again brings pictures back. The times and the window's CPU are logged
// (targets are measured by .ci/measure-wall, not asserted here).
func TestWindowMinimisedStopsDecoding(t *testing.T) {
	windowTestAlone(t)
	findTool(t, "xdotool")
	dir := t.TempDir()
	w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null")
	logs, exited, display := &w.stderr, w.exited, w.display
	// waitWall waits up to d for a wall line after the first n that
	// satisfies ok, and returns it with the number of lines seen.
	waitWall := func(what string, n int, d time.Duration, ok func(wallStat) bool) (wallStat, int) {
		t.Helper()
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Fatalf("lookout exited early (%v):\n%s", err, logs.String())
			default:
			}
			st := wallStats(logs.String())
			for i := n; i < len(st); i++ {
				if ok(st[i]) {
					return st[i], i + 1
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no wall line %s within %v:\n%s", what, d, logs.String())
		return wallStat{}, 0
	}
	shown, n := waitWall("with four live tiles painting", 0, 60*time.Second, func(s wallStat) bool {
		return s.tiles == 4 && s.live == 4 && s.paintAvg > 5 && !s.minimised
	})
	t.Logf("shown: %+v", shown)
	xdo := w.xdotool
	win := strings.Fields(xdo("search", "--sync", "--onlyvisible", "--name", "Lookout"))[0]
	xdo("windowunmap", win)
	hidden := time.Now()
	// The second full line after the change: a whole second minimised.
	_, n = waitWall("minimised", n, 10*time.Second, func(s wallStat) bool { return s.minimised })
	quiet, n := waitWall("minimised for a whole second", n, 10*time.Second, func(s wallStat) bool { return s.minimised })
	t.Logf("minimised %.1f s after unmapping: %+v", time.Since(hidden).Seconds(), quiet)
	if quiet.decoded != 0 || quiet.paintAvg != 0 {
		t.Errorf("minimised, the window still decodes %v and paints %v pictures a second", quiet.decoded, quiet.paintAvg)
	}
	if quiet.live != 4 {
		t.Errorf("minimised, %d of 4 tiles count as live: the sessions must stay up", quiet.live)
	}
	xdo("windowmap", win)
	restored := time.Now()
	// The window shows the picture it had when it was minimised until a
	// new one is painted: time the first change of the wall's pixels.
	wall := image.Rect(1280/5+20, 60, 1280, 720-40)
	before := screenshot(t, display)
	for time.Since(restored) < 10*time.Second {
		if changedPixels(before, screenshot(t, display), wall) > 500 {
			t.Logf("a new picture %d ms after mapping the window", time.Since(restored).Milliseconds())
			break
		}
	}
	back, _ := waitWall("painting again", n, 10*time.Second, func(s wallStat) bool { return !s.minimised && s.paintAvg > 5 && s.live == 4 })
	t.Logf("painting again: %+v", back)
}
