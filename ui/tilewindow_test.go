package ui

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	model "github.com/lookout-app/lookout/session/wall"
)

// oneViewerLive makes the demo's cam1 allow one viewer (a second session
// would show as a second viewer), puts it and cam2 live on d's wall, and
// returns cam1, its tile and the tile's runner.
func oneViewerLive(t *testing.T, d *demoWindow) (*demo.CameraSim, *Tile, *runner) {
	t.Helper()
	cam := d.site.Camera("cam1")
	cam.LimitViewers(1)
	tile := d.live(t, "demo/cam1")
	d.live(t, "demo/cam2")
	return cam, tile, tile.ctrl.(*runner)
}

// TestTileInItsOwnWindow: a tile's title bar button opens it in a window
// of its own, full screen; its pictures show there from the same session
// (the demo camera, which allows one viewer, keeps one); the main wall's
// cell says where it is; the tile keeps playing while the main wall shows
// another tile maximised; closing the window puts it back in its cell,
// still on its one session.
func TestTileInItsOwnWindow(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(1280, 720))
	defer d.close()
	cam, tile, run := oneViewerLive(t, d)
	if !tile.IconShown(tile.winBtn) {
		t.Fatal("no own-window button in the tile's title bar")
	}
	test.Tap(tile.winBtn)
	drainUI()
	if len(d.win.others) != 1 || d.win.others[0].entry == nil {
		t.Fatalf("no tile window: %d windows", len(d.win.others))
	}
	vw := d.win.others[0]
	away, ok := vw.w.Content().(*Tile)
	if !ok || !vw.w.FullScreen() || !strings.Contains(vw.w.Title(), tile.Title) {
		t.Fatalf("the tile's window: content %T, full screen %v, title %q", vw.w.Content(), vw.w.FullScreen(), vw.w.Title())
	}
	// A widget of its own, bound to the same tile of the model: Fyne
	// keeps a drawn object's textures for its first window (issue 23).
	bound := func(what string, w *Tile) {
		t.Helper()
		if w.ctrl != TileControl(run) || run.widget() != w || d.win.wall.entries[0].tile != w || run.mt != d.win.wall.entries[0].run.mt {
			t.Fatalf("%s: the widget is not bound to the tile's runner and model tile", what)
		}
	}
	if away == tile {
		t.Fatal("the main window's tile widget is drawn in the tile's window too")
	}
	bound("in its own window", away)
	if slices.Contains(d.win.wall.grid.Objects, fyne.CanvasObject(away)) || slices.Contains(d.win.wall.grid.Objects, fyne.CanvasObject(tile)) {
		t.Fatal("the tile is in both windows")
	}
	cell := d.win.wall.grid.Objects[0]
	if got := labels(cell); !slices.Contains(got, tile.Title) || !slices.Contains(got, "in its own window") {
		t.Fatalf("the main wall's cell says %q", got)
	}
	picturesIn := func(what string, tile *Tile, c fyne.Canvas) {
		t.Helper()
		shown := tile.shown
		waitFor(t, what+": pictures", func() bool { return tile.shown >= shown+15 })
		if !tile.picture.Visible() {
			t.Fatalf("%s: no picture shown", what)
		}
		if img := c.Capture(); !varied(img, image.Rect(img.Bounds().Dx()/4, barHeight*2+img.Bounds().Dy()/4, img.Bounds().Dx()*3/4, img.Bounds().Dy()*3/4)) {
			t.Fatalf("%s: the window shows no picture", what)
		}
		if n := cam.Viewers(); n != 1 || tile.ctrl.(*runner) != run {
			t.Fatalf("%s: %d viewers of the camera, session replaced %v", what, n, tile.ctrl.(*runner) != run)
		}
	}
	picturesIn("in its own window", away, vw.w.Canvas())
	// The main wall shows only cam2: the tile away plays on.
	d.win.wall.ToggleMaximise("demo/cam2")
	drainUI()
	picturesIn("while the main wall shows cam2 maximised", away, vw.w.Canvas())
	d.win.wall.ToggleMaximise("demo/cam2")
	// Its button in the window brings it back, in a widget drawn in the
	// main window only.
	test.Tap(away.winBtn)
	drainUI()
	back, ok := d.win.wall.grid.Objects[0].(*Tile)
	if len(d.win.others) != 0 || !ok || back == away || back == tile {
		t.Fatalf("the tile is not back in a widget of the main window's: %d windows, cell %T", len(d.win.others), d.win.wall.grid.Objects[0])
	}
	bound("back on the wall", back)
	picturesIn("back on the wall", back, d.w.Canvas())
	// W opens the focused tile again; closing it there takes the window too.
	d.win.wall.focus(d.win.wall.entries[0])
	press(d.w.Canvas(), fyne.KeyW)
	drainUI()
	if len(d.win.others) != 1 || d.win.others[0].w.Content() != d.win.wall.entries[0].tile || d.win.wall.entries[0].tile == back {
		t.Fatal("W did not open the focused tile in its own window")
	}
	again := d.win.wall.entries[0].tile
	test.Tap(again.closeBtn)
	drainUI()
	if len(d.win.others) != 0 || d.win.wall.index("demo/cam1") >= 0 {
		t.Fatal("closing the tile in its window left the window or the tile")
	}
	waitFor(t, "cam1 to lose its viewer", func() bool { return cam.Viewers() == 0 })
}

// labels returns the texts of the labels under o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// varied reports whether r of img holds more than a few colours (a
// picture, not a plain backing).
func varied(img image.Image, r image.Rectangle) bool {
	seen := map[[3]uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 7 {
		for x := r.Min.X; x < r.Max.X; x += 7 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{cr >> 8, cg >> 8, cb >> 8}] = true
		}
	}
	return len(seen) > 20
}

// TestTileWindowCarriesTheTile: the widget of a tile's own window shows
// what the wall's showed (a recording's badge, the zoom, mute and motion
// alerts) and its buttons and keys act on the same tile of the model: its
// record button stops that recording, its snapshot button saves, Ctrl+S
// there snapshots it, W there takes it back; the widget back on the wall
// shows the same again, a third one.
func TestTileWindowCarriesTheTile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tile := d.live(t, "demo/cam1")
	d.live(t, "demo/cam2")
	run := tile.ctrl.(*runner)
	test.Tap(tile.deco.rec)
	if !tile.Recording() {
		t.Fatalf("no recording: %q", tile.deco.note.Text)
	}
	rec := run.Recording()
	at, size := tile.picture.Position(), tile.picture.Size()
	for range 3 {
		tile.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: at.Add(fyne.NewPos(size.Width/4, size.Height/4))}, Scrolled: fyne.Delta{DY: 10}})
	}
	zoom := tile.Zoom()
	// A zoomed tile plays the main stream: its session is started anew,
	// through states of its own; both widgets are compared once it is live.
	waitFor(t, "the zoomed tile live on the main stream", func() bool {
		return run.mt.Quality() == session.QualityMain && tile.Status().State == session.StateLive
	})
	tile.SetMuted(true)
	tile.deco.setWatching(true)

	test.Tap(tile.winBtn)
	drainUI()
	if len(d.win.others) != 1 {
		t.Fatalf("%d windows", len(d.win.others))
	}
	vw := d.win.others[0]
	away := vw.w.Content().(*Tile)
	same := func(what string, w *Tile) {
		t.Helper()
		if w.ctrl != TileControl(run) || run.widget() != w || run.ext.deco != w.deco || run.ext.motion != w.deco.watcher {
			t.Fatalf("%s: not bound to the tile's runner", what)
		}
		if !w.Recording() || w.deco.rec0 != rec || !w.deco.badge.Visible() || w.Zoom() != zoom || !w.Muted() || !w.deco.watching ||
			w.Title != tile.Title {
			t.Fatalf("%s: recording %v, badge %v, zoom %v (want %v), muted %v, watching %v, title %q",
				what, w.Recording(), w.deco.badge.Visible(), w.Zoom(), zoom, w.Muted(), w.deco.watching, w.Title)
		}
		// The state is the session's now, which may have moved on since
		// the widget it replaces was left (under -race a stall can start a
		// new attempt): the widget follows the model's.
		waitFor(t, what+": the session's state shown", func() bool { return w.Status().State == run.mt.Status().State })
	}
	if away == tile {
		t.Fatal("the same widget in both windows")
	}
	same("in its own window", away)
	if away.winBtn.tip.words() != "Back to the wall" || !away.IconShown(away.winBtn) {
		t.Fatalf("the own-window button there says %q", away.winBtn.tip.words())
	}
	waitFor(t, "the badge's time running there", func() bool { return strings.HasPrefix(away.RecordingText(), "● REC 00:0") && rec.Elapsed() > 0 })
	if c := fyne.CurrentApp().Driver().CanvasForObject(away); c != vw.w.Canvas() || c.Focused() != fyne.Focusable(away) {
		t.Fatal("the tile's window does not hold its widget focused: its keys go elsewhere")
	}
	// Ctrl+S there snapshots the tile.
	vw.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl})
	waitFor(t, "the snapshot's toast there", away.deco.toast.shown)
	if !strings.Contains(filepath.Base(d.win.extra.lastCapture), "cam1") {
		t.Fatalf("the snapshot taken there is %q", d.win.extra.lastCapture)
	}
	// W there takes it back; the wall's new widget shows the same.
	press(vw.w.Canvas(), fyne.KeyW)
	drainUI()
	back := d.win.wall.entries[0].tile
	if len(d.win.others) != 0 || back == away || back == tile || d.win.wall.grid.Objects[0] != back {
		t.Fatal("W in the tile's window did not bring the tile back in a widget of the wall's")
	}
	same("back on the wall", back)
	// Its record button stops the recording the first widget started.
	test.Tap(back.deco.rec)
	if back.Recording() || run.Recording() != nil {
		t.Fatal("the record button back on the wall did not stop the recording")
	}
	<-rec.Done()
}

// TestTileWindowOutlivesViewSwitches: a tile in a window of its own stays
// there while the main window shows another view and comes back to it:
// the same session (the demo camera allows one viewer), live, its pictures
// advancing, counted by the main status bar, its cell saying where it is
// when its view shows. Closed while its view shows, it is back in its
// cell; closed while another view shows, it ends as a tile of a view not
// shown, its recording finalised and said in the main window.
func TestTileWindowOutlivesViewSwitches(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(1280, 720))
	defer d.close()
	cam, tile, run := oneViewerLive(t, d)
	mt := run.mt
	test.Tap(tile.winBtn)
	drainUI()
	if len(d.win.others) != 1 {
		t.Fatalf("%d windows", len(d.win.others))
	}
	vw := d.win.others[0]
	away := vw.w.Content().(*Tile)
	runsOn := func(what string) {
		t.Helper()
		shown := away.shown
		waitFor(t, what+": pictures in the tile's window", func() bool { return away.shown >= shown+15 })
		select {
		case <-mt.Done():
			t.Fatalf("%s: the tile's session ended", what)
		default:
		}
		if len(d.win.others) != 1 || d.win.others[0] != vw || vw.w.Content() != away || away.ctrl != TileControl(run) || run.mt != mt ||
			away.Status().State != session.StateLive || cam.Viewers() != 1 {
			t.Fatalf("%s: window kept %v, widget kept %v, runner kept %v, %s, %d viewers", what,
				len(d.win.others) == 1 && d.win.others[0] == vw, vw.w.Content() == away, away.ctrl == TileControl(run), away.Status().State, cam.Viewers())
		}
	}
	cellSays := func(what string) {
		t.Helper()
		i := d.win.wall.index("demo/cam1")
		if i < 0 || d.win.wall.entries[i].run != run {
			t.Fatalf("%s: the tile is not on its view's wall with its runner", what)
		}
		if got := labels(d.win.wall.grid.Objects[i]); !slices.Contains(got, "in its own window") {
			t.Fatalf("%s: the cell says %q", what, got)
		}
	}
	cellSays("opened")

	// The main window shows another view: the tile plays on there.
	if err := d.win.newView("Parking"); err != nil {
		t.Fatal(err)
	}
	d.live(t, "demo/cam3")
	runsOn("while Parking shows")
	if d.win.wall.index("demo/cam1") >= 0 {
		t.Fatal("Parking shows the tile of Entrances")
	}
	// Zoomed there, it plays the main stream, as on the wall; and back.
	at, size := away.picture.Position(), away.picture.Size()
	for range 3 {
		away.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: at.Add(fyne.NewPos(size.Width/2, size.Height/2))}, Scrolled: fyne.Delta{DY: 10}})
	}
	waitFor(t, "the zoomed tile live on the main stream", func() bool {
		return mt.Quality() == session.QualityMain && away.Status().State == session.StateLive
	})
	away.SetZoom(model.Zoom{}) // as a double-click with Ctrl does
	waitFor(t, "the tile live on the sub stream again", func() bool {
		return mt.Quality() == session.QualitySub && away.Status().State == session.StateLive
	})
	runsOn("zoomed and back while Parking shows")
	waitFor(t, "the status bar counting both", func() bool {
		live, tiles, _ := d.win.allTiles()
		return live == 2 && tiles == 2
	})
	// And back: its cell says where it is, the same tile plays on.
	d.win.showView(0)
	cellSays("its view shown again")
	runsOn("its view shown again")

	// Closed while its view shows: back in its cell, still on its session.
	vw.w.Close()
	drainUI()
	back, ok := d.win.wall.grid.Objects[0].(*Tile)
	if len(d.win.others) != 0 || !ok || back.ctrl != TileControl(run) || run.mt != mt {
		t.Fatalf("not back in its cell on its session: %d windows, cell %T", len(d.win.others), d.win.wall.grid.Objects[0])
	}
	shown := back.shown
	waitFor(t, "pictures back in its cell", func() bool { return back.shown >= shown+15 })

	// Again, recording in its window, then closed while Parking shows: it
	// ends, its recording finalised and told.
	test.Tap(back.winBtn)
	drainUI()
	vw = d.win.others[0]
	away = vw.w.Content().(*Tile)
	d.win.showView(1)
	// Its keys act on it there: Ctrl+S snapshots, Ctrl+R records.
	keys := vw.w.Canvas().(fyne.Shortcutable)
	keys.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl})
	waitFor(t, "the snapshot's toast there", away.deco.toast.shown)
	if !strings.Contains(filepath.Base(d.win.extra.lastCapture), "cam1") {
		t.Fatalf("the snapshot taken there is %q", d.win.extra.lastCapture)
	}
	keys.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierControl})
	rec := run.Recording()
	if rec == nil || !away.Recording() {
		t.Fatalf("no recording: %q", away.deco.note.Text)
	}
	runsOn("recording while Parking shows")
	waitFor(t, "a second recorded", func() bool { return rec.Elapsed() >= time.Second })
	vw.w.Close()
	drainUI()
	if len(d.win.others) != 0 {
		t.Fatal("the window or its tile stayed")
	}
	select {
	case <-rec.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the recording was not finalised")
	}
	<-mt.Done()
	waitFor(t, "cam1 to lose its viewer", func() bool { return cam.Viewers() == 0 })
	waitFor(t, "the main window telling where the recording is", func() bool { return d.w.Canvas().Overlays().Top() != nil })
	files := rec.Paths()
	if len(files) == 0 {
		t.Fatal("no file recorded")
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Size() == 0 {
		t.Fatalf("the recording's file: %v", err)
	}
	var said []string
	for _, o := range test.LaidOutObjects(d.w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			said = append(said, l.Text)
		}
	}
	if !slices.ContainsFunc(said, func(s string) bool { return strings.Contains(s, files[len(files)-1]) }) {
		t.Fatalf("the main window says %q", said)
	}
	if live, tiles, _ := d.win.allTiles(); tiles != 1 || live > 1 {
		t.Fatalf("the status bar counts %d tiles, %d live", tiles, live)
	}
	// Entrances still holds it: shown again, it runs a new session there.
	d.win.showView(0)
	if got := d.win.wall.Sources(); !slices.Contains(got, "demo/cam1") {
		t.Fatalf("Entrances holds %v", got)
	}
	waitFor(t, "cam1 live on Entrances again", func() bool {
		i := d.win.wall.index("demo/cam1")
		return i >= 0 && d.win.wall.entries[i].tile.Status().State == session.StateLive
	})
}

// TestTileWindowAlertsWhileItsViewIsHidden: a tile with motion alerts on,
// in a window of its own while the main window shows another view, lights
// there when its camera sees motion; it is shown (in its window), so no
// notification is sent for it.
func TestTileWindowAlertsWhileItsViewIsHidden(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	cam := d.site.Camera("cam2")
	cam.SetStill(true)
	tile := d.live(t, "demo/cam2")
	tile.deco.setWatching(true)
	test.Tap(tile.winBtn)
	drainUI()
	away := d.win.others[0].w.Content().(*Tile)
	if err := d.win.newView("Parking"); err != nil {
		t.Fatal(err)
	}
	d.live(t, "demo/cam3")
	// Its watcher learns the still picture first.
	until := time.Now().Add(3500 * time.Millisecond)
	for drainUI(); time.Now().Before(until); drainUI() {
		if away.MotionShown() {
			t.Fatal("a still picture lit the tile")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cam.MoveObject(2 * time.Second)
	waitFor(t, "the tile in its window to light", away.MotionShown)
	if sent := d.win.extra.notes.Sent(); slices.Contains(sent, model.MotionAlert("demo/cam2", away.Title).Title) {
		t.Fatalf("a notification for a tile shown in its own window: %q", sent)
	}
}
