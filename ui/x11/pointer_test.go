//go:build linux && !android && !wayland

package x11

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCrossingsTellLeavesButNotChildren: against Xvfb, the leaves of a
// window of another client (as a Fyne window is GLFW's) are told:
// the pointer moved onto a child window of it (a picture window of the
// X11 path) is no leave, the pointer moved out of the window is one, at
// the place it went. Move then gives the window's pointer followers (xev
// here, GLFW for a Fyne window) a motion to that place. PointerIn says
// whether the pointer is over the window.
func TestCrossingsTellLeavesButNotChildren(t *testing.T) {
	for _, n := range []string{"Xvfb", "xdotool", "xev", "xwininfo"} {
		tool(t, n)
	}
	display, _ := startXvfb(t, "640x480x24")
	t.Setenv("DISPLAY", display)
	// A top-level window of its own connection (as a Fyne window is
	// GLFW's), 400x300 at (0, 0), and a child window of it at (100, 100).
	info, err := exec.Command("xwininfo", "-root", "-int").Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	var root uintptr
	for _, l := range strings.Split(string(info), "\n") {
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "xwininfo: Window id: %d", &root); err == nil {
			break
		}
	}
	if root == 0 {
		t.Fatalf("no root window in %q", info)
	}
	surface := func(parent uintptr, r image.Rectangle) uintptr {
		t.Helper()
		p, err := OpenPresenter(parent)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		s, err := p.NewSurface(0x204060)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Place(r, nil, true); err != nil {
			t.Fatal(err)
		}
		if err := p.Sync(); err != nil {
			t.Fatal(err)
		}
		return s.Window()
	}
	win := surface(root, image.Rect(0, 0, 400, 300))
	surface(win, image.Rect(100, 100, 200, 200))

	leaves := make(chan Leave, 16)
	x, err := WatchCrossings(func(_ *Crossings, l Leave) { leaves <- l })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = x.Close() }()
	if err := x.Watch(1); !errors.Is(err, ErrNoWindow) {
		t.Errorf("Watch of no window: %v, want ErrNoWindow", err)
	}
	if err := x.Watch(win); err != nil {
		t.Fatal(err)
	}
	// Xvfb's pointer starts at the screen's centre: over the window.
	if at, in, err := x.PointerIn(win); err != nil || !in || at != image.Pt(320, 240) {
		t.Errorf("PointerIn at the start: %v %v %v, want (320,240) inside", at, in, err)
	}
	if _, _, err := x.PointerIn(1); !errors.Is(err, ErrNoWindow) {
		t.Errorf("PointerIn of no window: %v, want ErrNoWindow", err)
	}

	// xev follows the window's pointer moves, as GLFW does.
	xev := exec.Command("xev", "-id", fmt.Sprint(win), "-event", "mouse")
	out, err := xev.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := xev.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = xev.Process.Kill(); _ = xev.Wait() }()
	lines := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	move := func(px, py int) {
		t.Helper()
		if err := exec.Command("xdotool", "mousemove", fmt.Sprint(px), fmt.Sprint(py)).Run(); err != nil {
			t.Fatalf("xdotool mousemove: %v", err)
		}
	}
	// xev has selected the window's events once it tells a move.
	var seen []string
	wait := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case l, open := <-lines:
				if !open {
					t.Fatalf("xev ended: %q", seen)
				}
				seen = append(seen, l)
				if ok(l) {
					return
				}
			case <-deadline:
				t.Fatalf("xev saw no %s within 5 s: %q", what, seen)
			}
		}
	}
	for i := 0; ; i++ {
		move(50+i%2, 50)
		select {
		case l := <-lines:
			seen = append(seen, l)
		case <-time.After(100 * time.Millisecond):
			if i == 50 {
				t.Fatal("xev told nothing within 5 s")
			}
			continue
		}
		break
	}
	// In the window, onto its child, back, then out. Only the last is a
	// leave: were the move onto the child told, it would come first.
	move(150, 150)
	move(60, 60)
	move(500, 420)
	const at = "(500,420), root:(500,420)"
	select {
	case l := <-leaves:
		if l.Window != win || l.X != 500 || l.Y != 420 {
			t.Fatalf("leave %+v, want window %#x at (500, 420)", l, win)
		}
		if err := x.Move(l); err != nil {
			t.Fatal(err)
		}
		if at, in, err := x.PointerIn(win); err != nil || in || at != image.Pt(500, 420) {
			t.Errorf("PointerIn after the leave: %v %v %v, want (500,420) outside", at, in, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the leave was not told within 5 s")
	}
	// A leave from the child straight out of the window is one too.
	move(150, 150)
	move(600, 100)
	select {
	case l := <-leaves:
		if l.Window != win || l.X != 600 || l.Y != 100 {
			t.Fatalf("leave from the child %+v, want window %#x at (600, 100)", l, win)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the leave from the child was not told within 5 s")
	}

	// xev saw the motion Move sent: synthetic, at the leave's place.
	synthetic := false
	wait("synthetic motion at "+at, func(l string) bool {
		if strings.HasPrefix(l, "MotionNotify event") {
			synthetic = strings.Contains(l, "synthetic YES")
		}
		return synthetic && strings.Contains(l, at)
	})
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	if err := x.Watch(win); !errors.Is(err, ErrClosed) {
		t.Errorf("Watch after Close: %v, want ErrClosed", err)
	}
}
