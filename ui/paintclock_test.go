package ui

import (
	"bufio"
	"image"
	"image/color"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/ui/x11"
)

// batchesAfter waits until the paint clock has handed more than from
// batches to the Fyne goroutine (or 10 s pass), lets three more
// ticks go by, and returns how many it handed over since. Other goroutines
// of earlier tests may queue UI calls of their own meanwhile; only the
// clock's count.
func batchesAfter(from int64) int64 {
	deadline := time.Now().Add(10 * time.Second)
	for painter.batches.Load() == from && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * painter.Interval()) // later ticks must not hand more over while one waits
	return painter.batches.Load() - from
}

// TestPaintClockBatches: pictures of several tiles reach them in one UI
// call per tick, one picture per tile per tick in the order they came (the
// second waits for the next tick instead of replacing the first), a
// stopped runner's tile gets nothing, a picture counts as painted when the
// canvas draws it (once, however often it is redrawn), and the clock stops
// with its last runner.
func TestPaintClockBatches(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	var runners []*runner
	for _, name := range []string{"a", "b", "c"} {
		tile := NewTile(name, &fakeControl{})
		tile.SetStatus(session.Status{State: session.StateLive})
		r := &runner{sink: player.NewPaced()}
		r.tile.Store(tile)
		runners = append(runners, r)
		painter.add(r)
	}
	runners[2].stopped.Store(true)
	red, green := color.RGBA{R: 10, A: 255}, color.RGBA{G: 200, A: 255}
	from := painter.batches.Load()
	for _, r := range runners {
		r.sink.PutFrame(frame(32, 18, red))
		r.sink.PutFrame(frame(32, 18, green))
	}
	for step, want := range []color.RGBA{red, green} {
		n := batchesAfter(from)
		if n != 1 {
			t.Fatalf("step %d: %d UI calls handed over for three tiles' pictures, want 1", step, n)
		}
		from += n // no other batch until this one runs
		drainUI()
		for i, r := range runners {
			if r.stopped.Load() {
				if r.widget().frame != nil {
					t.Errorf("step %d: stopped tile %d was handed a picture", step, i)
				}
				continue
			}
			if got := r.widget().TakePaints(); got != 0 {
				t.Errorf("step %d: tile %d counts %d pictures painted before the canvas drew any", step, i, got)
			}
			if g := r.widget().frame.Image.At(0, 0); g != want {
				t.Errorf("step %d: tile %d shows %v, want %v", step, i, g, want)
			}
			r.widget().drawPicture(32, 18)
			r.widget().drawPicture(32, 18) // a redraw of the same picture
			if got := r.widget().TakePaints(); got != 1 {
				t.Errorf("step %d: tile %d counts %d pictures painted, want 1", step, i, got)
			}
		}
	}
	for _, r := range runners {
		painter.remove(r)
		r.sink.Clear()
	}
	painter.mu.Lock()
	running := painter.stop != nil
	painter.mu.Unlock()
	if running {
		t.Fatal("the clock runs with no runner")
	}
}

// TestPaintIntervalFollowsTheFastestCamera: the tick is a little faster
// than the fastest camera, within a display's rate and 15 a second.
func TestPaintIntervalFollowsTheFastestCamera(t *testing.T) {
	for _, tc := range []struct {
		name string
		fps  float64
		want time.Duration
	}{
		{"unknown", 0, defaultPaintInterval},
		{"25 fps", 25, 38095238 * time.Nanosecond},
		{"30 fps", 30, 31746031 * time.Nanosecond},
		{"120 fps is held to 60", 120, minPaintInterval},
		{"2 fps is held to 15", 2, maxPaintInterval},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := paintIntervalFor(tc.fps)
			if got != tc.want {
				t.Errorf("paintIntervalFor(%v) = %v, want %v", tc.fps, got, tc.want)
			}
			if tc.fps >= 15 && tc.fps <= 60 && got >= time.Duration(float64(time.Second)/tc.fps) {
				t.Errorf("tick %v is not faster than the camera's %v fps", got, tc.fps)
			}
		})
	}
}

// TestPaintClockPutsWhileFyneIsBehind: against a real X server (Xvfb), a
// tile whose pictures go through a child window gets every picture put
// into it at the clock's ticks while the Fyne goroutine runs none of the
// clock's calls (the test's UI queue is not drained: Fyne behind, as
// under load), and Fyne, once it runs, gets the newest of them.
func TestPaintClockPutsWhileFyneIsBehind(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xwininfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("LOOKOUT_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s not found", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
	r0, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "320x240x24", "-nolisten", "tcp", "-noreset")
	xvfb.ExtraFiles = []*os.File{wr}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	defer func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }()
	line, err := bufio.NewReader(r0).ReadString('\n')
	r0.Close()
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v", err)
	}
	t.Setenv("DISPLAY", ":"+strings.TrimSpace(line))
	out, err := exec.Command("xwininfo", "-root").Output()
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[0] == "xwininfo:" && f[1] == "Window" && f[2] == "id:" {
			root, err = strconv.ParseUint(strings.TrimPrefix(f[3], "0x"), 16, 32)
		}
	}
	if root == 0 || err != nil {
		t.Fatalf("no root window id in xwininfo's %q (%v)", out, err)
	}
	p, err := x11.OpenPresenter(uintptr(root))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := p.NewSurface(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Place(image.Rect(0, 0, 32, 18), nil, true); err != nil {
		t.Fatal(err)
	}

	test.NewTempApp(t)
	drainUI()
	tile := NewTile("a", &fakeControl{})
	tile.SetStatus(session.Status{State: session.StateLive})
	tp := &tilePresent{wp: &windowPresenter{p: p, id: uintptr(root)}, surf: s}
	tp.on.Store(true)
	tile.present.Store(tp)
	r := &runner{sink: player.NewPaced()}
	r.tile.Store(tile)
	painter.add(r)
	defer func() {
		painter.remove(r)
		r.sink.Clear()
		drainUI()
	}()
	var last color.RGBA
	for i := 1; i <= 5; i++ {
		last = color.RGBA{R: uint8(40 * i), G: 10, B: 200, A: 255}
		r.sink.PutFrame(frame(32, 18, last))
		deadline := time.Now().Add(5 * time.Second)
		for tp.drawn.Load() < int64(i) {
			if time.Now().After(deadline) {
				t.Fatalf("picture %d not put within 5 s while the Fyne goroutine is behind (%d put)", i, tp.drawn.Load())
			}
			time.Sleep(time.Millisecond)
		}
		img, err := x11.Grab(image.Rect(0, 0, 32, 18))
		if err != nil {
			t.Fatal(err)
		}
		if g := img.RGBAAt(5, 5); g != last {
			t.Fatalf("picture %d: the child window shows %v, want %v", i, g, last)
		}
	}
	if n := painter.batches.Load(); n == 0 {
		t.Fatal("the clock handed nothing to the Fyne goroutine")
	}
	drainUI() // the clock's first call, with the first picture
	time.Sleep(3 * painter.Interval())
	drainUI() // the next tick's, with the pictures held meanwhile
	if g := tile.frame.Image.At(0, 0); g != last {
		t.Fatalf("once the Fyne goroutine ran, the tile keeps %v, want the newest picture %v", g, last)
	}
}

// TestPaintClockRestsWithoutPictures: on the X11 path, a clock whose tiles
// have no picture to hand over and no child window shown (a wall of failed
// tiles) makes no UI call at all; once a tile's pictures go through its
// child window, each tick syncs the child windows with the layout again,
// pictures or not.
func TestPaintClockRestsWithoutPictures(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	if err := setRenderer(RendererX11); err != nil {
		t.Fatal(err)
	}
	defer renderer.Store("")
	tile := NewTile("a", &fakeControl{})
	tile.SetStatus(session.Status{State: session.StateRetrying, RetryAt: time.Now().Add(time.Minute)})
	r := &runner{sink: player.NewPaced()}
	r.tile.Store(tile)
	painter.add(r)
	defer func() {
		painter.remove(r)
		drainUI()
	}()
	ticks := painter.ticks.Load()
	from := painter.batches.Load()
	for painter.ticks.Load() < ticks+10 {
		time.Sleep(painter.Interval())
	}
	if n := painter.batches.Load() - from; n != 0 {
		t.Fatalf("%d UI calls in 10 ticks without a picture or a child window, want none", n)
	}
	tile.present.Store(&tilePresent{})
	tile.present.Load().on.Store(true)
	n := batchesAfter(from)
	tile.present.Store(nil) // no X server behind it: nothing to drop
	if n == 0 {
		t.Fatal("no UI call with a child window shown: its place would not follow the layout")
	}
}
