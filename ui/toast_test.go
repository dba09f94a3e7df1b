package ui

import (
	"errors"
	"image/color"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

// TestSnapshotToast: a snapshot is told by a toast at the foot of the
// tile that names the file and its folder and offers Open folder, which
// opens that folder; the toast then fades and goes, leaving nothing on the
// picture.
func TestSnapshotToast(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	stay := toastStay
	toastStay = 1500 * time.Millisecond
	defer func() { toastStay = stay }()
	var opened atomic.Pointer[url.URL]
	open := openURL
	openURL = func(_ fyne.App, u *url.URL) error { opened.Store(u); return nil }
	defer func() { openURL = open }()

	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tile := d.live(t, "demo/cam1")
	if tile.deco.toast.shown() {
		t.Fatal("a toast shows before anything was saved")
	}
	test.Tap(tile.deco.snap)
	waitFor(t, "the snapshot's toast", tile.deco.toast.shown)
	shownAt := time.Now()
	path := d.win.extra.lastCapture
	ts := tile.deco.toast
	if ts.title.Text != "Snapshot saved" || ts.name.Text != filepath.Base(path) {
		t.Errorf("the toast says %q, %q; want Snapshot saved, %q", ts.title.Text, ts.name.Text, filepath.Base(path))
	}
	if got, want := ts.where.Text, "in "+homeRelative(d.folder); got != want || !strings.HasSuffix(ts.where.Text, filepath.Base(d.folder)) {
		t.Errorf("the toast's folder line is %q, want %q", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the snapshot's file: %v %v, want -rw-------", fi.Mode(), err)
	}
	if tile.deco.note.Text != "" {
		t.Errorf("a note stays on the picture: %q", tile.deco.note.Text)
	}
	if !ts.open.Visible() || ts.open.Text != "Open folder" {
		t.Fatalf("the toast offers %q (visible %v), want Open folder", ts.open.Text, ts.open.Visible())
	}
	// Over the picture, at its foot, inside the tile.
	pos, size, tsz := ts.box.Position(), ts.box.Size(), tile.Size()
	if pos.X < 0 || pos.X+size.Width > tsz.Width || pos.Y+size.Height > tsz.Height || pos.Y < tsz.Height/2 {
		t.Errorf("the toast is at %v size %v in a tile of %v", pos, size, tsz)
	}
	test.Tap(ts.open)
	if u := opened.Load(); u == nil || u.Scheme != "file" || u.Path != d.folder {
		t.Fatalf("Open folder opened %v, want file://%s", u, d.folder)
	}
	waitFor(t, "the toast to go", func() bool { return !ts.shown() })
	if took := time.Since(shownAt); took < toastStay {
		t.Errorf("the toast went after %v, before its %v", took, toastStay)
	}
	if c := color.NRGBAModel.Convert(ts.bg.FillColor).(color.NRGBA); c.A != 0 {
		t.Errorf("the toast's background went at alpha %d, want faded to 0", c.A)
	}
}

// TestToastFitsANarrowTile: in a small tile the toast keeps inside it,
// cutting the file's name in its middle and keeping its extension.
func TestToastFitsANarrowTile(t *testing.T) {
	test.NewTempApp(t)
	ts := newToast()
	ts.show("Snapshot", filepath.Join(t.TempDir(), "a-very-long-camera-name_on-the-wall-20261206-194512.000.png"))
	defer ts.stop()
	size := fyne.NewSize(260, 160)
	ts.layout(size)
	if p, s := ts.box.Position(), ts.box.Size(); p.X < 0 || p.X+s.Width > size.Width {
		t.Fatalf("the toast is at %v size %v in a tile %v wide", p, s, size.Width)
	}
	if n := ts.name.Text; !strings.Contains(n, "…") || !strings.HasSuffix(n, ".png") || !strings.HasPrefix(n, "a-very") {
		t.Errorf("the name line is %q, want it cut in the middle", n)
	}
	ts.layout(fyne.NewSize(1600, 900))
	if n := ts.name.Text; strings.Contains(n, "…") {
		t.Errorf("in a wide tile the name line is still cut: %q", n)
	}
}

// TestOfflineTileOffersNoSnapshotOrRecord: an offline camera's tile has
// its snapshot and record buttons disabled, and Ctrl+S and Ctrl+R on it do
// nothing: no note, no recording, no file.
func TestOfflineTileOffersNoSnapshotOrRecord(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	d.win.wall.Add("demo/attic", "demo/attic")
	tile := d.win.wall.Tiles()[d.win.wall.index("demo/attic")]
	waitFor(t, "the attic camera offline", func() bool {
		st := tile.Status().State
		return st == session.StateRetrying || st == session.StateFailed
	})
	if !tile.deco.snap.Disabled() || !tile.deco.rec.Disabled() {
		t.Fatalf("an offline tile offers snapshot (%v) or record (%v)", !tile.deco.snap.Disabled(), !tile.deco.rec.Disabled())
	}
	d.w.Canvas().Focus(tile)
	for _, k := range []fyne.KeyName{fyne.KeyS, fyne.KeyR} {
		d.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierControl})
	}
	drainUI()
	time.Sleep(200 * time.Millisecond)
	drainUI()
	if tile.Recording() || tile.ctrl.(*runner).Recording() != nil || tile.deco.note.Text != "" || tile.deco.toast.shown() {
		t.Fatalf("a key acted on the offline tile: recording %v, note %q", tile.Recording(), tile.deco.note.Text)
	}
	if files, _ := os.ReadDir(d.folder); len(files) != 0 {
		t.Fatalf("files made for an offline tile: %v", files)
	}
	// A live tile offers both.
	live := d.live(t, "demo/cam1")
	if live.deco.snap.Disabled() || live.deco.rec.Disabled() {
		t.Fatal("a live tile does not offer snapshot and record")
	}
}

// closeGate is a muxer whose Close waits for release: a disk slow to
// finalise the file.
type closeGate struct {
	record.Muxer
	closing chan<- struct{}
	release <-chan struct{}
}

func (m closeGate) Close() error {
	m.closing <- struct{}{}
	<-m.release
	return m.Muxer.Close()
}

// TestStopRecordingOffTheFyneGoroutine: stopping a recording returns to the
// window at once while its file is still being finalised (a slow disk);
// the toast says it was saved once it is.
func TestStopRecordingOffTheFyneGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	closing, release := make(chan struct{}, 1), make(chan struct{})
	var forced atomic.Bool
	d.win.opt.Actions.NewMuxer = func(s record.Streams) (record.Muxer, error) {
		m, err := newTestMuxer(s)
		if err != nil {
			return nil, err
		}
		return closeGate{m, closing, release}, nil
	}
	tile := d.live(t, "demo/cam1")
	test.Tap(tile.deco.rec)
	rec := tile.ctrl.(*runner).Recording()
	if rec == nil {
		t.Fatalf("no recording: %q", tile.deco.note.Text)
	}
	waitFor(t, "1 s recorded", func() bool { return rec.Elapsed() >= time.Second })
	// Should Stop finalise on this goroutine, the tap would never return:
	// release the disk after a while, and tell.
	tapped := make(chan struct{})
	go func() {
		select {
		case <-tapped:
		case <-time.After(10 * time.Second):
			forced.Store(true)
			close(release)
		}
	}()
	test.Tap(tile.deco.rec)
	close(tapped)
	if forced.Load() {
		t.Fatal("stopping the recording waited for the disk on the Fyne goroutine")
	}
	if tile.Recording() {
		t.Fatal("the record button did not stop the recording")
	}
	<-closing // finalising, and the window is free
	drainUI()
	if tile.deco.toast.shown() {
		t.Fatal("the toast said saved before the file was finalised")
	}
	close(release)
	waitFor(t, "the toast saying the recording was saved", func() bool {
		return tile.deco.toast.shown() && tile.deco.toast.title.Text == "Recording saved" && tile.deco.toast.name.Text == filepath.Base(rec.Path())
	})
	if _, got := probe(t, rec.Path()); got < 900*time.Millisecond {
		t.Fatalf("the file is %v long", got)
	}
}

// failingDisk is a muxer whose writes fail once it took n pictures.
type failingDisk struct {
	record.Muxer
	n *atomic.Int64
}

var errNoSpace = errors.New("no space left on device")

func (m failingDisk) WriteVideo(au []byte, pts time.Duration, key bool) error {
	if m.n.Add(-1) < 0 {
		return errNoSpace
	}
	return m.Muxer.WriteVideo(au, pts, key)
}

// TestRecordingWriteErrorOnTheTile: a recording whose file fails (the disk
// full) ends, and the tile says so with the reason; its badge goes and the
// record button offers a new recording.
func TestRecordingWriteErrorOnTheTile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	n := new(atomic.Int64)
	n.Store(25) // a second of pictures
	d.win.opt.Actions.NewMuxer = func(s record.Streams) (record.Muxer, error) {
		m, err := newTestMuxer(s)
		return failingDisk{m, n}, err
	}
	tile := d.live(t, "demo/cam1")
	test.Tap(tile.deco.rec)
	if !tile.Recording() {
		t.Fatalf("no recording: %q", tile.deco.note.Text)
	}
	waitFor(t, "the tile to say the recording stopped", func() bool { return !tile.Recording() })
	if got := tile.deco.note.Text; !strings.HasPrefix(got, "recording stopped: ") || !strings.Contains(got, errNoSpace.Error()) || !tile.deco.note.Visible() {
		t.Fatalf("the tile says %q, want the recording stopped with the disk's error", got)
	}
	if tile.deco.badge.Visible() || tile.deco.rec.Disabled() {
		t.Errorf("after the failure: badge shown %v, record disabled %v", tile.deco.badge.Visible(), tile.deco.rec.Disabled())
	}
}
