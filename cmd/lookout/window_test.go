package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startXvfb runs a virtual X server on a free display and returns DISPLAY.
func startXvfb(t *testing.T, w, h int) string {
	t.Helper()
	findTool(t, "Xvfb")
	findTool(t, "xwd")
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{wr}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
		r.Close()
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatalf("Xvfb gave no display: %s", logs.String())
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatalf("Xvfb did not start: %s", logs.String())
	}
	return ""
}

// screenshot grabs the root window with xwd and decodes it.
func screenshot(t *testing.T, display string) *image.RGBA {
	t.Helper()
	out, err := exec.Command("xwd", "-root", "-silent", "-display", display).Output()
	if err != nil {
		t.Fatalf("xwd: %v", err)
	}
	m, err := decodeXWD(out)
	if err != nil {
		t.Fatalf("xwd output: %v", err)
	}
	return m
}

// decodeXWD decodes a 24/32-bit TrueColor ZPixmap XWD dump, which is what
// xwd writes for an Xvfb screen of depth 24.
func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, fmt.Errorf("short header")
	}
	f := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	hdr, format, bpp := f(0), f(2), f(11)
	w, h, bpl, byteOrder := int(f(4)), int(f(5)), int(f(12)), f(7)
	rmask, gmask, bmask, ncolors := f(14), f(15), f(16), int(f(19))
	if format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("unsupported xwd: format %d, %d bits per pixel", format, bpp)
	}
	off := int(hdr) + 12*ncolors
	if len(b) < off+bpl*h {
		return nil, fmt.Errorf("short pixel data")
	}
	shift := func(m uint32) uint {
		s := uint(0)
		for m != 0 && m&1 == 0 {
			m >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(rmask), shift(gmask), shift(bmask)
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := b[off+y*bpl:]
		for x := 0; x < w; x++ {
			var p uint32
			px := row[x*int(bpp)/8:]
			if bpp == 24 {
				if byteOrder == 0 {
					p = uint32(px[0]) | uint32(px[1])<<8 | uint32(px[2])<<16
				} else {
					p = uint32(px[2]) | uint32(px[1])<<8 | uint32(px[0])<<16
				}
			} else if byteOrder == 0 {
				p = binary.LittleEndian.Uint32(px)
			} else {
				p = binary.BigEndian.Uint32(px)
			}
			m.SetRGBA(x, y, color.RGBA{uint8((p & rmask) >> rs), uint8((p & gmask) >> gs), uint8((p & bmask) >> bs), 255})
		}
	}
	return m, nil
}

// regionDiff is the mean absolute difference of two pictures over r.
func regionDiff(a, b *image.RGBA, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := a.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
				if d < 0 {
					d = -d
				}
				sum += d
				n++
			}
		}
	}
	return sum / n
}

// TestWindowShowsFourMovingTiles opens the real window on the demo site under
// Xvfb and checks that four tile regions of the wall show moving pictures.
func TestWindowShowsFourMovingTiles(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a real window")
	}
	const sw, sh = 1280, 800
	display := startXvfb(t, sw, sh)
	dir := t.TempDir()
	bin := filepath.Join(dir, "lookout")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--demo", "--log-level", "info")
	cmd.Env = append(os.Environ(),
		"DISPLAY="+display, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"LOOKOUT_CONFIG="+filepath.Join(dir, "none.toml"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("lookout exited with %v after interrupt:\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("lookout did not exit within 20 s of an interrupt:\n%s", logs.String())
		}
	}()

	// The wall is right of the sidebar (a fifth of the window), below the
	// toolbar and above the status bar; with four tiles it is 2x2. Probe a
	// box in the middle of each quarter, away from titles and edges.
	wall := image.Rect(sw/5+20, 60, sw, 720-40)
	var probes []image.Rectangle
	for _, q := range []image.Point{{1, 1}, {3, 1}, {1, 3}, {3, 3}} {
		cx, cy := wall.Min.X+wall.Dx()*q.X/4, wall.Min.Y+wall.Dy()*q.Y/4
		probes = append(probes, image.Rect(cx-60, cy-40, cx+60, cy+40))
	}
	deadline := time.Now().Add(60 * time.Second)
	var diffs []float64
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("lookout exited early (%v):\n%s", err, logs.String())
		default:
		}
		a := screenshot(t, display)
		time.Sleep(700 * time.Millisecond)
		b := screenshot(t, display)
		diffs = diffs[:0]
		moving := 0
		for _, p := range probes {
			d := regionDiff(a, b, p)
			diffs = append(diffs, d)
			if d > 1 {
				moving++
			}
		}
		if moving == len(probes) {
			f, err := os.Create(filepath.Join(dir, "window.png"))
			if err == nil {
				_ = png.Encode(f, b)
				f.Close()
			}
			if out := os.Getenv("LOOKOUT_SCREENSHOT"); out != "" {
				if f, err := os.Create(out); err == nil {
					_ = png.Encode(f, b)
					f.Close()
				}
			}
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("after 60 s not every tile moves: mean differences %v\n%s", diffs, logs.String())
}
