package ui

import (
	"bufio"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/peer"
)

// TestMinimisedWallIsOnlyTheNetwork: two demo cameras on the wall,
// encoded, sent over loopback and decoded for real. Minimised, the tiles
// stay connected (live, their packets still received) while their
// decoders decode no picture, the paint clock stops ticking, the program
// runs on one processor and the peers' sockets are read in batches; shown
// again, the processors and the sockets' waits come back,
// the clock ticks and both tiles show new pictures (from the keyframe each
// asks for at once).
func TestMinimisedWallIsOnlyTheNetwork(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	procs := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { oneProcWhileIdle(false); peer.SetIdle(false) }) // should a check fail half-way
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tiles := []*Tile{d.live(t, "demo/cam1"), d.live(t, "demo/cam2")}
	waitFor(t, "the paint clock ticking", func() bool { return painter.ticks.Load() > 0 })

	d.win.setMinimised(true)
	// The clock hears of it on its own goroutine; give it a moment, then
	// watch over a second (the demo sends 25 pictures a second, the clock
	// ticks about as often).
	time.Sleep(200 * time.Millisecond)
	ticks := painter.ticks.Load()
	frames := make([]uint64, len(tiles))
	packets := make([]uint64, len(tiles))
	for i, tile := range tiles {
		st := tile.ctrl.Stats()
		frames[i], packets[i] = st.Frames, st.PacketsReceived
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("minimised, the program runs on %d processors, want 1", got)
	}
	if !peer.Idle() {
		t.Error("minimised, the peers' sockets still wait for each packet")
	}
	time.Sleep(time.Second)
	drainUI()
	if n := painter.ticks.Load() - ticks; n != 0 {
		t.Errorf("minimised, the paint clock ticked %d times in a second", n)
	}
	for i, tile := range tiles {
		st := tile.ctrl.Stats()
		if st.Frames != frames[i] {
			t.Errorf("minimised, tile %d decoded %d pictures", i, st.Frames-frames[i])
		}
		if st.PacketsReceived <= packets[i] {
			t.Errorf("minimised, tile %d received no packet: it must stay connected", i)
		}
		if s := tile.Status().State; s != session.StateLive {
			t.Errorf("minimised, tile %d is %v, want live", i, s)
		}
	}

	shown := make([]uint64, len(tiles))
	for i, tile := range tiles {
		shown[i] = tile.shown
	}
	restored := time.Now()
	d.win.setMinimised(false)
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("shown again, the program runs on %d processors, want %d", got, procs)
	}
	if peer.Idle() {
		t.Error("shown again, the peers' sockets are still read in batches")
	}
	waitFor(t, "new pictures on both tiles", func() bool {
		for i, tile := range tiles {
			if tile.shown == shown[i] {
				return false
			}
		}
		return true
	})
	t.Logf("new pictures on both tiles %d ms after the window was shown again", time.Since(restored).Milliseconds())
	if painter.ticks.Load() == ticks {
		t.Error("shown again, the paint clock does not tick")
	}
}

// TestMinimisedWallWatchesAlertTiles: two still demo cameras, one with
// motion alerts on. Minimised, the other decodes nothing while the watched
// one keeps decoding (so the program keeps its processors and the clock
// its ticks), and an object crossing it lights its motion frame while the
// window is still minimised.
func TestMinimisedWallWatchesAlertTiles(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	procs := runtime.GOMAXPROCS(0)
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tq, tb := d.quietAndWatched(t)

	d.win.setMinimised(true)
	defer d.win.setMinimised(false)
	time.Sleep(200 * time.Millisecond)
	fq, fb := tq.ctrl.Stats().Frames, tb.ctrl.Stats().Frames
	time.Sleep(time.Second)
	drainUI()
	if n := tq.ctrl.Stats().Frames - fq; n != 0 {
		t.Errorf("minimised, the tile without alerts decoded %d pictures", n)
	}
	if n := tb.ctrl.Stats().Frames - fb; n == 0 {
		t.Error("minimised, the tile with motion alerts on decoded no picture")
	}
	if got := runtime.GOMAXPROCS(0); got != procs || peer.Idle() {
		t.Errorf("minimised with a watched tile, the program runs on %d processors (want %d), sockets read in batches %v", got, procs, peer.Idle())
	}
	if tb.MotionShown() {
		t.Fatal("the still camera shows motion before anything moved")
	}
	start := time.Now()
	d.site.Camera("cam2").MoveObject(2 * time.Second)
	waitFor(t, "motion on the watched tile, minimised", tb.MotionShown)
	t.Logf("motion on the watched tile %v after the object started moving, minimised", time.Since(start))
	if tq.MotionShown() {
		t.Error("the tile without alerts shows motion")
	}
}

// TestShownWindowReadsSocketsInBatches: a window on an X server (Xvfb)
// has the peers' sockets read in batches of a few milliseconds while it
// runs (peer.SetShown), and each packet as it arrives once it closed.
func TestShownWindowReadsSocketsInBatches(t *testing.T) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		if os.Getenv("LOOKOUT_REQUIRE_TOOLS") != "" {
			t.Fatal("Xvfb not found")
		}
		t.Skip("Xvfb not found")
	}
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset")
	xvfb.ExtraFiles = []*os.File{wr}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	defer func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v", err)
	}
	t.Setenv("DISPLAY", ":"+strings.TrimSpace(line))
	t.Cleanup(func() { peer.SetShown(false) }) // should a check fail half-way

	win := &window{log: slog.New(slog.DiscardHandler)}
	m := win.newMinimisedWatch()
	if m == nil {
		t.Fatal("no X connection to watch the window with")
	}
	if !peer.Shown() {
		t.Error("while the window runs, the peers' sockets wait for each packet")
	}
	m.close()
	if peer.Shown() {
		t.Error("the window closed, the peers' sockets are still read in batches")
	}
}
