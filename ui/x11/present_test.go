//go:build linux && !android && !wayland

package x11

import (
	"errors"
	"image"
	"image/color"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// xvfbWithWindow starts Xvfb and an xlogo window on it, and returns the
// window's X id.
func xvfbWithWindow(t *testing.T) uintptr {
	t.Helper()
	for _, n := range []string{"Xvfb", "xlogo", "xdotool"} {
		tool(t, n)
	}
	display, _ := startXvfb(t, "640x480x24")
	t.Setenv("DISPLAY", display)
	logo := exec.Command("xlogo", "-geometry", "400x300+0+0", "-bg", "white")
	if err := logo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logo.Process.Kill(); _ = logo.Wait() })
	out, err := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--class", "xlogo").Output()
	if err != nil {
		t.Fatalf("xdotool search: %v", err)
	}
	id, err := strconv.ParseUint(strings.Fields(string(out))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return uintptr(id)
}

func solid(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// at is the colour of the screen at (x, y).
func at(t *testing.T, x, y int) color.RGBA {
	t.Helper()
	m, err := Grab(image.Rect(x, y, x+1, y+1))
	if err != nil {
		t.Fatal(err)
	}
	return m.RGBAAt(0, 0)
}

// TestPresenterShowsPicturesInChildWindows: against Xvfb, a surface over
// an xlogo window shows the picture put into it (scaled when its size
// differs), where it was placed, with the window showing through its
// holes; moved, it shows at its new place; unmapped, the window shows
// again; and a request the server refuses makes the presenter fail
// rather than the process.
func TestPresenterShowsPicturesInChildWindows(t *testing.T) {
	parent := xvfbWithWindow(t)
	p, err := OpenPresenter(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	s, err := p.NewSurface(0x121418)
	if err != nil {
		t.Fatal(err)
	}
	red := color.RGBA{R: 0xe0, G: 0x10, B: 0x20, A: 0xff}
	white := color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	hole := image.Rect(0, 0, 20, 10)
	if err := s.Place(image.Rect(50, 40, 210, 130), []image.Rectangle{hole}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(solid(80, 45, red)); err != nil { // half the size: scaled
		t.Fatal(err)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{{60, 60, red}, {209, 129, red}, {100, 45, red}, {55, 45, white} /* the hole */, {49, 60, white}, {211, 60, white}, {100, 131, white}} {
		if got := at(t, c.x, c.y); got != c.want {
			t.Errorf("placed at (50,40)-(210,130): pixel (%d,%d) is %v, want %v", c.x, c.y, got, c.want)
		}
	}
	blue := color.RGBA{R: 0x10, G: 0x20, B: 0xd0, A: 0xff}
	if err := s.Place(image.Rect(355, 200, 395, 290), nil, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(solid(40, 90, blue)); err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := at(t, 60, 60); got != white {
		t.Errorf("moved away: the old place shows %v, want the window's white", got)
	}
	if got := at(t, 375, 245); got != blue {
		t.Errorf("moved: the new place shows %v, want %v", got, blue)
	}
	// Unmapped without a put (no Sync follows): sent at once all the same.
	if err := s.Place(image.Rect(355, 200, 395, 290), nil, false); err != nil {
		t.Fatal(err)
	}
	if s.Mapped() {
		t.Error("unmapped surface says it is mapped")
	}
	got := at(t, 375, 245)
	for end := time.Now().Add(time.Second); got != white && time.Now().Before(end); got = at(t, 375, 245) {
		time.Sleep(10 * time.Millisecond)
	}
	if got != white {
		t.Errorf("unmapped: the place shows %v, want the window's white", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}

	// A window that does not exist: the server refuses, the presenter
	// says so and stays failed; nothing crashes.
	bad, err := OpenPresenter(0x7ffffff)
	if err == nil {
		defer func() { _ = bad.Close() }()
		t.Fatal("a presenter over a window that does not exist opened")
	}
	if !errors.Is(err, ErrNoWindow) {
		t.Errorf("over no window: %v, want ErrNoWindow", err)
	}
	p2, err := OpenPresenter(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p2.Close() }()
	s2, err := p2.NewSurface(0)
	if err != nil {
		t.Fatal(err)
	}
	_ = exec.Command("xdotool", "windowkill", strconv.FormatUint(uint64(parent), 10)).Run()
	_ = s2.Place(image.Rect(0, 0, 10, 10), nil, true)
	_ = s2.Put(solid(10, 10, red))
	if err := p2.Sync(); !errors.Is(err, ErrRequest) {
		t.Errorf("after the parent went: Sync says %v, want ErrRequest", err)
	}
	if err := s2.Put(solid(10, 10, red)); !errors.Is(err, ErrRequest) {
		t.Errorf("a failed presenter's Put says %v, want ErrRequest", err)
	}
}

// TestPresenterPutsEveryPixel: a picture whose pixels all differ, at the
// surface's own size (a width that is no multiple of four, so the copy's
// four-at-a-time part and its tail both run), reads back from the screen
// pixel for pixel; so does one a column wider (the decoder's even width
// for a surface of odd width), without its last column.
func TestPresenterPutsEveryPixel(t *testing.T) {
	parent := xvfbWithWindow(t)
	p, err := OpenPresenter(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	s, err := p.NewSurface(0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	const w, h = 157, 33
	at := image.Rect(30, 20, 30+w, 20+h)
	if err := s.Place(at, nil, true); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []int{w, w + 1} {
		m := image.NewRGBA(image.Rect(0, 0, pw, h))
		for y := range h {
			for x := range pw {
				m.SetRGBA(x, y, color.RGBA{R: uint8(x + pw), G: uint8(y * 7), B: uint8(x*3 + y), A: uint8(x + y)})
			}
		}
		if err := s.Put(m); err != nil {
			t.Fatal(err)
		}
		if err := p.Sync(); err != nil {
			t.Fatal(err)
		}
		got, err := Grab(at.Add(origin(t, parent)))
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for y := range h {
			for x := range w {
				want := m.RGBAAt(x, y)
				want.A = 0xff // the window has no alpha
				if g := got.RGBAAt(x, y); g != want {
					if bad++; bad <= 5 {
						t.Errorf("%dx%d picture: pixel (%d,%d) is %v, want %v", pw, h, x, y, g, want)
					}
				}
			}
		}
		if bad > 0 {
			t.Errorf("%dx%d picture: %d of %d pixels differ", pw, h, bad, w*h)
		}
	}
}

// origin is where the window's inside is on the screen: xwininfo's
// upper-left corner is its border's (xlogo's window has one).
func origin(t *testing.T, win uintptr) image.Point {
	t.Helper()
	out, err := exec.Command("xwininfo", "-id", strconv.FormatUint(uint64(win), 10)).Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	var p image.Point
	border := 0
	for _, l := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		switch {
		case !ok || err != nil:
		case k == "Absolute upper-left X":
			p.X = n
		case k == "Absolute upper-left Y":
			p.Y = n
		case k == "Border width":
			border = n
		}
	}
	return p.Add(image.Pt(border, border))
}
