package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWindowEndsWhenTheDisplayGoesAway: the real window under Xvfb on the
// demo site records a tile (Ctrl+R); once the recording has reached the
// disk, the X server is killed (SIGKILL), as when a session crashes. The
// window exits within 2 s with status 1 and a log line saying so, and the
// recording is a finalised file: ffprobe gives its duration (an
// unfinalised Matroska file has none) and ffmpeg decodes it without error.
// Before ui/x11 caught Xlib's IO error, Xlib printed "X connection to :N
// broken" and called exit(1) and the recording was left without its
// trailer (or the process died in glfwPollEvents).
func TestWindowEndsWhenTheDisplayGoesAway(t *testing.T) {
	windowTest(t)
	findTool(t, "xdotool")
	findTool(t, "ffprobe")
	findTool(t, "ffmpeg")
	dir := t.TempDir()
	w := openWindow(t, dir, filepath.Join(dir, "none.toml"), "--demo", "--log-level", "info", "--audio", "null")
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := wallStats(w.stderr.String())
		if len(st) > 0 && st[len(st)-1].live == st[len(st)-1].tiles && st[len(st)-1].tiles > 0 {
			break
		}
		select {
		case err := <-w.exited:
			t.Fatalf("lookout exited early (%v):\n%s", err, w.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no live wall within 60 s:\n%s", w.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The pointer over the wall gives the window the keyboard (no window
	// manager: the focus follows the pointer); Ctrl+R records the focused
	// tile, or the first one.
	g := w.geometry("^Lookout")
	w.click(g.Min.X+g.Dx()*3/5, g.Min.Y+g.Dy()/2)
	w.xdotool("key", "ctrl+r")
	// The recording reaches the disk at its first keyframe, once the
	// muxer's buffer is first written out.
	folder := filepath.Join(dir, "Videos", "Lookout")
	var file string
	var before int64
	deadline = time.Now().Add(20 * time.Second)
	for before == 0 {
		if m, _ := filepath.Glob(filepath.Join(folder, "*.mkv")); len(m) == 1 {
			if fi, err := os.Stat(m[0]); err == nil {
				file, before = m[0], fi.Size()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recording with data in %s within 20 s:\n%s", folder, w.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := w.xvfb.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var err error
	select {
	case err = <-w.exited:
		w.exited <- err // for openWindow's cleanup
	case <-time.After(2 * time.Second):
		t.Fatalf("lookout still runs 2 s after its X server was killed:\n%s", w.stderr.String())
	}
	took := time.Since(killed)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFail {
		t.Errorf("lookout ended with %v, want exit status %d:\n%s", err, exitFail, w.stderr.String())
	}
	if !strings.Contains(w.stderr.String(), `msg="the display went away; recordings saved, exiting"`) {
		t.Errorf("no log line about the lost display:\n%s", w.stderr.String())
	}
	t.Logf("exited %d ms after the X server was killed", took.Milliseconds())
	for _, l := range strings.Split(w.stderr.String(), "\n") {
		if strings.Contains(l, "X server went away") || strings.Contains(l, "shutdown_ms") {
			t.Log(l)
		}
	}

	p := ffprobe(t, file)
	d, perr := strconv.ParseFloat(p.Format.Duration, 64)
	if perr != nil || d <= 0 || !strings.HasPrefix(p.streams(), "video:h264") {
		t.Fatalf("the recording is not finalised: streams %q, duration %q", p.streams(), p.Format.Duration)
	}
	fi, serr := os.Stat(file)
	if serr != nil || fi.Size() <= before {
		t.Errorf("the recording did not grow past the %d bytes written before the loss (%v)", before, serr)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", file, "-map", "0:v", "-f", "null", "-").CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg cannot decode the recording: %v\n%s", err, out)
	}
	t.Logf("recording: %s, %.2f s, %d bytes", p.streams(), d, fi.Size())
}
