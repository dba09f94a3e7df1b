package main

import (
	"encoding/json"
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

	"github.com/lookout-app/lookout/ui/x11"
)

// startOpenbox runs the openbox window manager on display and waits until
// it manages the screen (EWMH: the root window names its check window).
func startOpenbox(t *testing.T, display string) {
	t.Helper()
	findTool(t, "openbox")
	findTool(t, "xprop")
	cmd := exec.Command("openbox", "--sm-disable")
	cmd.Env = append(childEnv(), "DISPLAY="+display, "HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := xprop(display, "-root", "_NET_SUPPORTING_WM_CHECK")
		if strings.Contains(out, "window id") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("openbox did not take the screen: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func xprop(display string, args ...string) (string, error) {
	cmd := exec.Command("xprop", args...)
	cmd.Env = append(childEnv(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// launch starts the lookout binary bin on display with HOME in dir and the
// config cfg; stop interrupts it and waits for its end.
func launch(t *testing.T, display, dir, bin, cfg string, args ...string) *window {
	t.Helper()
	w := &window{t: t, display: display, exited: make(chan error, 1)}
	w.cmd = exec.Command(bin, args...)
	w.cmd.Env = append(childEnv(), "DISPLAY="+display, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"LOOKOUT_CONFIG="+cfg)
	w.cmd.Stdout, w.cmd.Stderr = &w.stderr, &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.exited <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.stop()
		}
	})
	return w
}

// stop interrupts the window and waits until it has ended.
func (w *window) stop() {
	w.t.Helper()
	if err := stopOrReport(w.t, w.cmd, w.exited, w.stderr.String); err != nil {
		w.t.Errorf("lookout exited with %v after an interrupt:\n%s", err, w.stderr.String())
	}
}

// until waits for cond, failing with what after 30 s.
func (w *window) until(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case err := <-w.exited:
			w.t.Fatalf("lookout ended (%v) while waiting for %s:\n%s", err, what, w.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no %s within 30 s:\n%s", what, w.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// windowID returns the X id of the window named name.
func (w *window) windowID(name string) uintptr {
	w.t.Helper()
	var id uint64
	w.until("a window named "+name, func() bool {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", name)
		cmd.Env = append(childEnv(), "DISPLAY="+w.display)
		out, _ := cmd.Output()
		f := strings.Fields(string(out))
		if len(f) == 0 {
			return false
		}
		id, _ = strconv.ParseUint(f[0], 10, 64)
		return id != 0
	})
	return uintptr(id)
}

// geometryOf returns the position and size of the window with X id id.
func (w *window) geometryOf(id uintptr) image.Rectangle {
	w.t.Helper()
	v := map[string]int{}
	for _, kv := range strings.Fields(w.xdotool("getwindowgeometry", "--shell", strconv.FormatUint(uint64(id), 10))) {
		k, val, _ := strings.Cut(kv, "=")
		v[k], _ = strconv.Atoi(val)
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
}

var minSizeHint = regexp.MustCompile(`program specified minimum size: (\d+) by (\d+)`)

// minSize returns the minimum size the window asks its window manager for.
func (w *window) minSize(id uintptr) image.Point {
	w.t.Helper()
	out, err := xprop(w.display, "-id", strconv.FormatUint(uint64(id), 10), "WM_NORMAL_HINTS")
	m := minSizeHint.FindStringSubmatch(out)
	if err != nil || m == nil {
		w.t.Fatalf("no minimum size in WM_NORMAL_HINTS (%v): %s", err, out)
	}
	x, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[2])
	return image.Pt(x, y)
}

// x11Display runs ui/x11's calls on a display. ui/x11 opens the display
// DISPLAY names, an environment variable a parallel test cannot set: each
// call runs in a child process of the test binary (x11Child).
type x11Display struct {
	t       *testing.T
	display string
}

// do runs op ("maximised ID" or "maximise ID true|false") and returns its
// answer.
func (x x11Display) do(op string) (string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestWindowFitsTheScreenAndRemembersItsSize$")
	cmd.Env = append(childEnv(), "DISPLAY="+x.display, "LOOKOUT_X11_OP="+op)
	out, err := cmd.CombinedOutput()
	if m := x11Answer.FindSubmatch(out); err == nil && m != nil {
		return string(m[1]), nil
	}
	return "", fmt.Errorf("x11 %s: %v: %s", op, err, out)
}

var x11Answer = regexp.MustCompile(`(?m)^x11 answer: (\w+)$`)

func (x x11Display) SetMaximised(id uintptr, on bool) error {
	_, err := x.do(fmt.Sprintf("maximise %d %t", id, on))
	return err
}

func (x x11Display) Maximised(id uintptr) (bool, error) {
	a, err := x.do(fmt.Sprintf("maximised %d", id))
	return a == "true", err
}

// x11Child is the child side of x11Display.do: it opens DISPLAY with
// ui/x11, runs op and prints the answer.
func x11Child(t *testing.T, op string) {
	x, err := x11.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	f := strings.Fields(op)
	id, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var answer bool
	switch f[0] {
	case "maximised":
		answer, err = x.Maximised(uintptr(id))
	case "maximise":
		answer = f[2] == "true"
		err = x.SetMaximised(uintptr(id), answer)
	default:
		t.Fatalf("unknown x11 op %q", op)
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("x11 answer: %t\n", answer)
}

// demoSources are every device of the window's demo site, speakers and
// the room included.
var demoSources = []string{"demo/cam1", "demo/cam2", "demo/cam3", "demo/cam4", "demo/attic",
	"demo-wcs/lobby", "demo-wcs/dock", "site/lobby", "site/gate", "site/dock",
	"media/lobby", "media/garage", "meet/8080"}

// TestWindowFitsTheScreenAndRemembersItsSize opens every device of the demo
// in 4x4 on a 1600x1000 screen with a window manager (openbox): the room's
// members join, the window asks for no more than a 1024x640 screen holds
// and stays on its own screen. The user sizes it to 1100x700 and maximises it; the next start opens
// maximised, and restoring it gives back 1100x700.
func TestWindowFitsTheScreenAndRemembersItsSize(t *testing.T) {
	if op := os.Getenv("LOOKOUT_X11_OP"); op != "" {
		x11Child(t, op)
		return
	}
	windowTest(t)
	const sw, sh = 1600, 1000
	display, _ := startXvfbProcess(t, sw, sh)
	findTool(t, "xdotool")
	startOpenbox(t, display)
	x := x11Display{t: t, display: display}
	dir := t.TempDir()
	statePath := filepath.Join(dir, "wall-demo.json")
	state, _ := json.Marshal(map[string]any{"layout": "4x4", "sources": demoSources})
	if err := os.WriteFile(statePath, state, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := lookoutBinary(t)
	cfg := filepath.Join(dir, "none.toml")
	args := []string{"--demo", "--audio", "null", "--log-level", "info"}

	w := launch(t, display, dir, bin, cfg, args...)
	id := w.windowID("^Lookout")
	// Every tile is on the wall, the room's members too (the status line
	// the window logs each second counts them).
	tiles := regexp.MustCompile(`msg=wall live=\d+ tiles=(\d+)`)
	w.until("the demo's tiles and the room's members", func() bool {
		all := tiles.FindAllStringSubmatch(w.stderr.String(), -1)
		if len(all) == 0 {
			return false
		}
		n, _ := strconv.Atoi(all[len(all)-1][1])
		return n > len(demoSources)
	})
	min, g := w.minSize(id), w.geometryOf(id)
	w.shot("desk-4x4-1600x1000.png")
	// It would fit a 1024x640 screen too, title bar included.
	if min.Y > 640-40 || min.X > 1024 {
		t.Fatalf("the window asks for at least %dx%d: more than a 1024x640 screen", min.X, min.Y)
	}
	if g.Max.Y > sh || g.Max.X > sw {
		t.Fatalf("the window %v runs off the %dx%d screen", g, sw, sh)
	}
	t.Logf("4x4 with every demo device: minimum %dx%d, window %v", min.X, min.Y, g)

	// The user sizes the window, then maximises it.
	w.xdotool("windowsize", strconv.FormatUint(uint64(id), 10), "1100", "700")
	w.until("the window at 1100x700", func() bool { return w.geometryOf(id).Size() == image.Pt(1100, 700) })
	w.until("the size noted", func() bool { return strings.Contains(w.stderr.String(), "width=1100 height=700") })
	if err := x.SetMaximised(id, true); err != nil {
		t.Fatal(err)
	}
	w.until("the maximised state noted", func() bool { return strings.Contains(w.stderr.String(), "maximised=true") })
	w.stop()
	b, _ := os.ReadFile(statePath)
	var saved struct {
		Window struct {
			Width, Height float64
			Maximised     bool
		} `json:"window"`
	}
	if err := json.Unmarshal(b, &saved); err != nil || saved.Window.Width != 1100 || saved.Window.Height != 700 || !saved.Window.Maximised {
		t.Fatalf("saved window state %+v (%v): %s", saved.Window, err, b)
	}

	// The next start opens maximised; restoring gives back 1100x700.
	w = launch(t, display, dir, bin, cfg, args...)
	id = w.windowID("^Lookout")
	w.until("the window maximised again", func() bool { m, err := x.Maximised(id); return err == nil && m })
	if g := w.geometryOf(id); g.Dx() < sw-20 {
		t.Fatalf("the maximised window is %v on a %dx%d screen", g, sw, sh)
	}
	if err := x.SetMaximised(id, false); err != nil {
		t.Fatal(err)
	}
	w.until("the window restored to 1100x700", func() bool { return w.geometryOf(id).Size() == image.Pt(1100, 700) })
	w.stop()
}

// TestWindowWizardOpensOnScreen: the pre-check opens whole on the screen,
// its buttons included, wherever the pointer is when Ctrl+P is pressed.
func TestWindowWizardOpensOnScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a real window")
	}
	t.Parallel()
	for _, size := range []image.Point{{1600, 1000}, {1024, 640}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			windowTest(t)
			display, _ := startXvfbProcess(t, size.X, size.Y)
			findTool(t, "xdotool")
			startOpenbox(t, display)
			dir := t.TempDir()
			bin := lookoutBinary(t)
			w := launch(t, display, dir, bin, filepath.Join(dir, "none.toml"), "--demo", "--audio", "null")
			main := w.geometryOf(w.windowID("^Lookout"))
			time.Sleep(2 * time.Second)
			// The pointer low on the wall, where a window manager that places
			// new windows under it would push the wizard's bottom off screen.
			w.click(main.Min.X+main.Dx()/2, main.Max.Y-60)
			w.xdotool("key", "ctrl+p")
			g := w.geometryOf(w.windowID("pre-check"))
			if !g.In(image.Rect(0, 0, size.X, size.Y)) || g.Dx() < 760 || g.Dy() < 560 {
				t.Errorf("at %v the wizard opens at %v", size, g)
			}
			w.stop()
		})
	}
}
