//go:build linux && !android && !wayland

package x11

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tool finds a program or skips (fails under LOOKOUT_REQUIRE_TOOLS, as the
// rest of make test does).
func tool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("LOOKOUT_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s not found", name)
		}
		t.Skipf("%s not found", name)
	}
}

// startXvfb starts an X server of the screen size given (WxHxDEPTH), on a
// display it chooses, and returns the display and a stop that kills the
// server and waits for it to end (called again when the test ends).
func startXvfb(t *testing.T, screen string) (display string, stop func()) {
	t.Helper()
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset")
	xvfb.ExtraFiles = []*os.File{wr}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	var once sync.Once
	stop = func() { once.Do(func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }) }
	t.Cleanup(stop)
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v", err)
	}
	return ":" + strings.TrimSpace(line), stop
}

// TestMinimisedFollowsTheMapState: against a real X server (Xvfb), a
// window is shown, then minimised once unmapped (what a window manager
// does to an iconified window), shown again once mapped, and gone once its
// program exits.
func TestMinimisedFollowsTheMapState(t *testing.T) {
	for _, n := range []string{"Xvfb", "xlogo", "xdotool"} {
		tool(t, n)
	}
	display, _ := startXvfb(t, "640x480x24")
	t.Setenv("DISPLAY", display)

	logo := exec.Command("xlogo")
	if err := logo.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = logo.Process.Kill(); _ = logo.Wait() }()
	out, err := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--class", "xlogo").Output()
	if err != nil {
		t.Fatalf("xdotool search: %v", err)
	}
	id, err := strconv.ParseUint(strings.Fields(string(out))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	want := func(step string, wantMin bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := w.Minimised(uintptr(id))
			if err == nil && got == wantMin {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: minimised %v (%v), want %v", step, got, err, wantMin)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	want("shown", false)
	if err := exec.Command("xdotool", "windowunmap", strconv.FormatUint(id, 10)).Run(); err != nil {
		t.Fatal(err)
	}
	want("unmapped", true)
	if err := exec.Command("xdotool", "windowmap", strconv.FormatUint(id, 10)).Run(); err != nil {
		t.Fatal(err)
	}
	want("mapped again", false)
	_ = logo.Process.Kill()
	_ = logo.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := w.Minimised(uintptr(id))
		if errors.Is(err, ErrNoWindow) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after xlogo exited: %v, want ErrNoWindow", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Minimised(uintptr(id)); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("after Close: %v, want ErrNoDisplay", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}
