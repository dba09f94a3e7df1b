package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWindowShowsSpeakers opens the real window on the demo site under
// Xvfb with a saved wall of three cameras and the three speakers (restored
// before the speakers' directory answers, so they become audio tiles when
// it does): the camera row moves, the speaker row holds still tiles, and
// the screenshot is kept for a person to look at (LOOKOUT_SCREENSHOT).
func TestWindowShowsSpeakers(t *testing.T) {
	windowTest(t)
	const sw, sh = 1280, 800
	display := startXvfb(t, sw, sh)
	dir := t.TempDir()
	bin := lookoutBinary(t)
	state := `{"layout":"auto","page":0,"sources":["demo/cam1","demo/cam2","demo/cam3","site/lobby","site/gate","site/dock"]}`
	if err := os.WriteFile(filepath.Join(dir, "wall-demo.json"), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--demo", "--log-level", "info")
	cmd.Env = append(childEnv(),
		"DISPLAY="+display, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"LOOKOUT_CONFIG="+filepath.Join(dir, "none.toml"))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = stopOrReport(t, cmd, exited, logs.String) }()
	// Six tiles in the automatic layout are three columns of two rows:
	// cameras in the first row, speakers in the second.
	wall := image.Rect(sw/5+20, 45, sw, 720-45)
	cell := func(col, row int) image.Rectangle {
		w, h := wall.Dx()/3, wall.Dy()/2
		return image.Rect(wall.Min.X+col*w, wall.Min.Y+row*h, wall.Min.X+(col+1)*w, wall.Min.Y+(row+1)*h).Inset(30)
	}
	out := os.Getenv("LOOKOUT_SCREENSHOT")
	if out == "" {
		out = filepath.Join(dir, "speakers.png")
	}
	save := func(m *image.RGBA) {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, m); err != nil {
			t.Fatal(err)
		}
	}
	var last *image.RGBA
	var diffs []float64
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("lookout exited early (%v):\n%s", err, logs.String())
		default:
		}
		a := screenshot(t, display)
		time.Sleep(1100 * time.Millisecond) // the demo picture changes once a second
		b := screenshot(t, display)
		last = b
		moving, still := 0, 0
		diffs = diffs[:0]
		for col := 0; col < 3; col++ {
			d0, d1, s1 := regionDiff(a, b, cell(col, 0)), regionDiff(a, b, cell(col, 1)), regionSpread(b, cell(col, 1))
			diffs = append(diffs, d0, d1, s1)
			if d0 > 1 {
				moving++
			}
			if d1 < 0.5 && s1 > 3 {
				still++
			}
		}
		if moving == 3 && still == 3 && strings.Contains(logs.String(), "tiles=6") {
			save(b)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	if last != nil {
		save(last)
	}
	t.Fatalf("after 60 s the wall does not show three moving cameras over three speaker tiles (camera diff, speaker diff, speaker spread per column: %.1f); screenshot %s", diffs, out)
}

// regionSpread is the mean absolute deviation of r's brightness: an empty
// or uniform region has none, a tile with text and meters has some.
func regionSpread(m *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(m.Bounds())
	var vals []float64
	var mean float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := m.PixOffset(x, y)
			v := (float64(m.Pix[i]) + float64(m.Pix[i+1]) + float64(m.Pix[i+2])) / 3
			vals = append(vals, v)
			mean += v
		}
	}
	if len(vals) == 0 {
		return 0
	}
	mean /= float64(len(vals))
	var dev float64
	for _, v := range vals {
		if v > mean {
			dev += v - mean
		} else {
			dev += mean - v
		}
	}
	return dev / float64(len(vals))
}
