package ui

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
)

// TestMotionEventWritesAClipWithPreroll: the window's demo Yard camera
// (cam4) with its alerts on shows its still scene for longer than the
// pre-roll's span; an object crosses it; the tile's motion makes an event
// in the event list (which opens by itself) with the tile's picture as
// thumbnail, and a clip in the captures folder that begins at least 9 s
// before the event (ffprobe), plays, and is 0600. Ctrl+Shift+S while the
// clip is written adds an event in the same clip; ▶, in a window without a
// clip reader, opens the clip with the desktop's player; a click on an event maximises its tile.
func TestMotionEventWritesAClipWithPreroll(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (make test installs ffmpeg)")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(1280, 720))
	defer d.close()
	yard := d.site.Camera("cam4")
	yard.SetStill(true)
	yard.MoveEvery(0, 0) // only the test's own crossing below
	d.live(t, "demo/cam1")
	tile := d.live(t, "demo/cam4")
	tile.deco.setWatching(true)
	ev := d.win.eventsOf()
	ev.after = 3 * time.Second
	if ev.panel.Visible() {
		t.Fatal("the event list shows before any event")
	}
	mt := tile.ctrl.(*runner).mt
	for end := time.Now().Add(40 * time.Second); mt.Preroll().Span() < 11*time.Second; drainUI() {
		if time.Now().After(end) {
			t.Fatalf("the pre-roll reaches %v after 40 s", mt.Preroll().Span())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(ev.list) != 0 {
		t.Fatalf("%d events on a still scene", len(ev.list))
	}
	yard.MoveObject(2 * time.Second)
	waitFor(t, "a motion event", func() bool { return len(ev.list) > 0 })
	e := ev.list[0]
	if !e.motion || e.source != "demo/cam4" || e.thumb == nil || e.clip == nil {
		t.Fatalf("event %+v", e)
	}
	if b := e.thumb.Bounds(); b.Dx() != thumbWidth {
		t.Fatalf("thumbnail %v, want %d wide", b, thumbWidth)
	}
	if !ev.panel.Visible() || len(ev.box.Objects) != 1 {
		t.Fatalf("the event list shows %v with %d rows", ev.panel.Visible(), len(ev.box.Objects))
	}
	// The user's Save clip on the focused tile while the clip is written.
	d.w.Canvas().Focus(tile)
	d.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift})
	waitFor(t, "the saved event", func() bool { return len(ev.list) == 2 })
	saved := ev.list[1]
	if saved.motion || saved.clip != e.clip || !saved.extended {
		t.Fatalf("Save clip during the clip: motion %v, same clip %v, extended %v (%s)", saved.motion, saved.clip == e.clip, saved.extended, saved.note)
	}
	waitFor(t, "the clip written", func() bool { return e.written || e.err })
	if e.err {
		t.Fatal(e.note)
	}
	path := e.clip.Path()
	if filepath.Dir(path) != d.folder || !strings.HasPrefix(filepath.Base(path), "demo_cam4-") || !strings.HasSuffix(path, "-clip.mkv") {
		t.Fatalf("clip at %s, want demo_cam4-TIME-clip.mkv in %s", path, d.folder)
	}
	lead := e.at.Sub(e.clip.Start())
	_, dur := probe(t, path)
	t.Logf("event %.2f s into the clip of %.2f s (ffprobe)", lead.Seconds(), dur.Seconds())
	if lead < 9*time.Second || dur < lead+ev.after-500*time.Millisecond {
		t.Fatalf("clip of %v with the event %v in, want it at 9 s or later and %v after", dur, lead, ev.after)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg decode: %v\n%s", err, out)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("clip file: %v %v", fi, err)
	}
	if !strings.Contains(e.row.note.Text, filepath.Base(path)) || e.row.play.Disabled() {
		t.Fatalf("the row says %q (play disabled %v)", e.row.note.Text, e.row.play.Disabled())
	}
	// ▶ without a clip reader opens the clip with the desktop's player.
	open := openURL
	var opened *url.URL
	openURL = func(_ fyne.App, u *url.URL) error { opened = u; return nil }
	test.Tap(e.row.play)
	openURL = open
	if opened == nil || opened.Scheme != "file" || opened.Path != path {
		t.Fatalf("▶ opened %v, want file://%s", opened, path)
	}
	test.Tap(e.row)
	if d.win.wall.Maximised() != "demo/cam4" {
		t.Fatalf("a click on the event maximised %q", d.win.wall.Maximised())
	}
	waitFor(t, "the Yard on its main stream", func() bool { return mt.Quality() == session.QualityMain })
}
