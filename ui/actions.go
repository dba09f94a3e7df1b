package ui

import (
	"context"
	"image/color"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
	model "github.com/lookout-app/lookout/session/wall"
)

// TileActions are what the tiles' snapshot and record buttons need.
type TileActions struct {
	// NewMuxer writes recordings (player/ffmpeg's muxer); nil disables
	// recording.
	NewMuxer record.NewMuxer
	// SkipAudioErr tells the muxer's audio errors a recording ignores.
	SkipAudioErr func(error) bool
	// Folder is where snapshots and recordings go unless the user chose
	// another in the settings.
	Folder string
	// Ext is the recordings' container, ".mkv" (default) or ".mp4".
	Ext string
	// OpenClip opens an event's clip for the clip player (player/ffmpeg's
	// OpenClip), its sound decoded to out; nil opens clips with the
	// desktop's player.
	OpenClip func(path string, out audio.Format) (ClipFile, error)
}

// prefFolder is the preference holding the folder chosen by the user.
const prefFolder = "capture_folder"

// runnerExtras are the parts of a runner that serve motion and tell the
// tile's decoration.
type runnerExtras struct {
	motion *motionWatch
	// deco is the tile's decoration, told when a recording ends by itself.
	deco *tileDeco
}

// frameExtras sees every frame the runner paints, off the Fyne goroutine:
// motion is measured on it.
func (r *runner) frameExtras(f *player.Frame) {
	if f == nil {
		return
	}
	if m := r.ext.motion; m != nil {
		m.observe(f)
	}
}

// Snapshot returns a picture at the stream's own size (the model asks the
// decoder for it and sets the tile's size back).
func (r *runner) Snapshot(ctx context.Context) (*player.Frame, error) { return r.mt.Snapshot(ctx) }

// StartRecording records the tile to path from its next keyframe; the
// recording is the model tile's and outlives its sessions.
func (r *runner) StartRecording(path string, newMux record.NewMuxer, skip func(error) bool) (*record.Recorder, error) {
	if r.stopped.Load() {
		return nil, session.ErrClosed
	}
	return r.mt.Record(path, newMux, skip)
}

// stopRecording ends the recording in progress without waiting for its
// file (the recorder's Done says when it is finalised); nil when none was.
func (r *runner) stopRecording() *record.Recorder { return r.mt.StopRecord() }

// Recording returns the recorder in progress, or nil.
func (r *runner) Recording() *record.Recorder { return r.mt.Recording() }

// tileDeco is what the actions and motion add to a tile: the snapshot and
// record buttons, the recording badge with its elapsed time, the motion
// highlight and the per-tile motion opt-in.
type tileDeco struct {
	t        *Tile
	snap     *tipButton
	rec      *tipButton
	watch    *tipButton
	badge    *canvas.Text
	badgeBG  *canvas.Rectangle
	note     *canvas.Text
	toast    *toast // what was saved, where, and Open folder (toast.go)
	motion   *outline
	moving   bool
	watching bool // notify and focus on motion
	rec0     *record.Recorder
	recStop  chan struct{}

	// onSnapshot and onRecord are set by the window.
	onSnapshot func()
	onRecord   func()
	// onWatch is told when the user opts the tile in or out of motion alerts.
	onWatch func(on bool)
	// watcher measures motion on the tile's frames; onMotion (set by the
	// window) hears when motion starts on a tile opted in.
	watcher  *motionWatch
	onMotion func()
}

var (
	recColor    = color.NRGBA{R: 0xe5, G: 0x25, B: 0x25, A: 0xff}
	motionColor = color.NRGBA{R: 0xff, G: 0xa5, B: 0x00, A: 0xff}
)

func newTileDeco(t *Tile) *tileDeco {
	d := &tileDeco{t: t}
	d.snap = newTipButton(theme.MediaPhotoIcon(), func() {
		if d.onSnapshot != nil {
			d.onSnapshot()
		}
	})
	d.rec = newTipButton(theme.MediaVideoIcon(), func() {
		if d.onRecord != nil {
			d.onRecord()
		}
	})
	d.watch = newTipButton(theme.VisibilityIcon(), func() { d.setWatching(!d.watching) })
	d.badge = canvas.NewText("", color.White)
	d.badge.TextStyle = fyne.TextStyle{Bold: true}
	d.badge.TextSize = theme.TextSize() * 0.9
	d.badgeBG = canvas.NewRectangle(recColor)
	d.badgeBG.CornerRadius = 4
	d.badge.Hide()
	d.badgeBG.Hide()
	d.note = canvas.NewText("", color.White)
	d.note.TextSize = theme.TextSize() * 0.8
	d.toast = newToast()
	d.motion = newOutline(motionColor, 3)
	d.motion.show(false)
	d.watcher = newMotionWatch(player.SensitivityMedium, func(on bool) {
		d.setMotion(on)
		if on && d.watching && d.onMotion != nil {
			d.onMotion()
		}
	})
	return d
}

// objects are drawn over the picture, under the tile's focus border.
func (d *tileDeco) objects() []fyne.CanvasObject {
	return append(d.motion.objects(), d.badgeBG, d.badge, d.note, d.toast.box, d.snap, d.rec, d.watch)
}

// layout places the decoration in a tile of size; btn is the size of the
// tile's corner buttons, three of which sit at the right.
func (d *tileDeco) layout(size, btn fyne.Size) {
	d.motion.layout(size)
	for i, b := range []*tipButton{d.snap, d.rec, d.watch} {
		b.Resize(btn)
		b.Move(fyne.NewPos(size.Width-float32(4+i)*btn.Width, 0))
	}
	pad := theme.Padding()
	top := d.t.titleBG.Size().Height + pad
	bs := d.badge.MinSize()
	d.badgeBG.Resize(fyne.NewSize(bs.Width+4*pad, bs.Height+2*pad))
	d.badgeBG.Move(fyne.NewPos(pad, top))
	d.badge.Move(fyne.NewPos(3*pad, top+pad))
	d.note.Move(fyne.NewPos(2*pad, top+bs.Height+3*pad))
	d.toast.layout(size)
}

// follow offers the snapshot and record actions that apply to the tile in
// state st: a snapshot needs a live picture; a tile offline (failed, or
// waiting to retry) starts no recording, though one in progress can be
// stopped. Their keys follow the buttons (snapshot, toggleRecord).
func (d *tileDeco) follow(st session.State) {
	enable := func(b *tipButton, on bool) {
		if on == !b.Disabled() {
			return
		}
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(d.snap, st == session.StateLive)
	enable(d.rec, d.rec0 != nil || (st != session.StateFailed && st != session.StateRetrying))
}

// setWatching opts the tile in or out of motion alerts.
func (d *tileDeco) setWatching(on bool) {
	d.watching = on
	if on {
		d.watch.Importance = widget.WarningImportance
	} else {
		d.watch.Importance = widget.LowImportance
	}
	d.watch.Refresh()
	if d.onWatch != nil {
		d.onWatch(on)
	}
}

// setMotion shows or hides the motion highlight.
func (d *tileDeco) setMotion(on bool) {
	if on == d.moving {
		return
	}
	d.moving = on
	d.motion.show(on)
}

// ended is told, from any goroutine, that the recording in progress ended
// by itself (its file failed).
func (d *tileDeco) ended(path string, err error) {
	do(func() {
		if d.rec0 == nil || d.rec0.Path() != path {
			return
		}
		d.recording(nil)
		d.follow(d.t.Status().State)
		if err != nil {
			d.setNote("recording stopped: " + session.Reason(err))
			return
		}
		d.setNote("")
		d.toast.show("Recording", path)
	})
}

// setNote shows a short line under the badge (where a snapshot went).
func (d *tileDeco) setNote(s string) {
	d.note.Text = s
	d.note.Refresh()
}

// recording shows the badge of rec and keeps its time running until
// stopRecording; nil hides it.
func (d *tileDeco) recording(rec *record.Recorder) {
	if d.recStop != nil {
		close(d.recStop)
		d.recStop = nil
	}
	d.rec0 = rec
	if rec == nil {
		d.badge.Hide()
		d.badgeBG.Hide()
		d.rec.Importance = widget.LowImportance
		d.rec.SetIcon(theme.MediaVideoIcon())
		d.t.Refresh()
		return
	}
	d.rec.Importance = widget.DangerImportance
	d.rec.SetIcon(theme.MediaStopIcon())
	d.showElapsed()
	d.badge.Show()
	d.badgeBG.Show()
	d.t.Refresh()
	stop := make(chan struct{})
	d.recStop = stop
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-rec.Done(): // finalized; ended() hides the badge
				return
			case <-tick.C:
				do(func() {
					if d.rec0 == rec {
						d.showElapsed()
					}
				})
			}
		}
	}()
}

// showElapsed shows the recording's status on the badge, as the model
// words it (model.Badge): its time, waiting for the camera, the video a
// slow disk lost, the next file's number.
func (d *tileDeco) showElapsed() {
	d.badge.Text = model.Badge(d.rec0.Status())
	d.badge.Refresh()
	bs := d.badge.MinSize()
	pad := theme.Padding()
	d.badgeBG.Resize(fyne.NewSize(bs.Width+4*pad, bs.Height+2*pad))
}

// Recording reports whether the tile shows a recording in progress.
func (t *Tile) Recording() bool { return t.deco.rec0 != nil }

// RecordingText is the recording badge's text.
func (t *Tile) RecordingText() string { return t.deco.badge.Text }

// MotionShown reports whether the motion highlight shows.
func (t *Tile) MotionShown() bool { return t.deco.moving }

// captureFolder is where snapshots and recordings go.
func (win *window) captureFolder() string {
	if f := win.a.Preferences().String(prefFolder); f != "" {
		return f
	}
	if a := win.opt.Actions; a != nil && a.Folder != "" {
		return a.Folder
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "Lookout")
	}
	return "."
}

// prefExt is the preference holding the recordings' container.
const prefExt = "record_ext"

// recordExt is the recordings' container: the user's choice, else the
// window's default, else MKV.
func (win *window) recordExt() string {
	if e := win.a.Preferences().String(prefExt); e == ".mkv" || e == ".mp4" {
		return e
	}
	if a := win.opt.Actions; a != nil && a.Ext != "" {
		return a.Ext
	}
	return ".mkv"
}

// captureName is a file name for source at now with ext.
func captureName(source string, now time.Time, ext string) string {
	s := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(source)
	return s + "-" + now.Format("20060102-150405.000") + ext
}

// wireTile connects a tile's action buttons to its runner; the window calls
// it whenever a tile is added.
func (win *window) wireTile(source string, t *Tile) {
	d := t.deco
	d.onSnapshot = func() { win.snapshot(source, t) }
	d.onRecord = func() { win.toggleRecord(source, t) }
	d.onWatch = d.watcher.setWatching
	d.onMotion = func() { win.motionAlert(source, t) }
	d.toast.onOpen = win.openFolder
	d.watcher.setLevel(win.sensitivity())
	d.follow(t.Status().State)
	if win.opt.Actions == nil || win.opt.Actions.NewMuxer == nil {
		d.rec.Hide()
	}
}

// openURL opens u with the desktop (a test replaces it).
var openURL = func(a fyne.App, u *url.URL) error { return a.OpenURL(u) }

// openFolder shows dir in the desktop's file manager.
func (win *window) openFolder(dir string) {
	if err := openURL(win.a, &url.URL{Scheme: "file", Path: dir}); err != nil {
		win.log.Warn("open folder", "folder", dir, "err", err)
	}
}

// snapshot writes the tile's picture at the stream's size as PNG, puts the
// file's path on the clipboard and says where it went in a toast. A tile
// that shows no live picture offers no snapshot: its button is disabled
// and the key does nothing.
func (win *window) snapshot(source string, t *Tile) {
	r, ok := t.ctrl.(*runner)
	if !ok || r.stopped.Load() || t.deco.snap.Disabled() {
		return
	}
	dir := win.captureFolder()
	path := filepath.Join(dir, captureName(source, time.Now(), ".png"))
	t.deco.setNote("snapshot…")
	go func() {
		life, stop := until(r.done)
		ctx, cancel := context.WithTimeout(life, 3*time.Second)
		f, err := r.Snapshot(ctx)
		cancel()
		stop()
		if err == nil {
			err = model.WritePNG(path, f.Image)
		}
		do(func() {
			if err != nil {
				t.deco.setNote("snapshot failed: " + session.Reason(err))
				return
			}
			t.deco.setNote("")
			t.deco.toast.show("Snapshot", path)
			win.a.Clipboard().SetContent(path)
			win.extra.lastCapture = path
		})
	}()
}

// toggleRecord starts or stops recording a tile. An offline tile starts
// none (its button is disabled and the key does nothing); stopping never
// waits for the disk on the Fyne goroutine.
func (win *window) toggleRecord(source string, t *Tile) {
	r, ok := t.ctrl.(*runner)
	if !ok || win.opt.Actions == nil || win.opt.Actions.NewMuxer == nil || t.deco.rec.Disabled() {
		return
	}
	if t.Recording() {
		t.deco.recording(nil)
		t.deco.follow(t.Status().State)
		rec := r.stopRecording()
		if rec == nil {
			return
		}
		// Finalising waits for the disk: never on the Fyne goroutine.
		// The wall's Close waits for it.
		win.wall.stopping.Add(1)
		go func() {
			defer win.wall.stopping.Done()
			<-rec.Done()
			err := rec.Close()
			do(func() { win.recordingSaved(t, rec, err) })
		}()
		return
	}
	ext := win.recordExt()
	dir := win.captureFolder()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.deco.setNote("cannot record: " + err.Error())
		return
	}
	path := filepath.Join(dir, captureName(source, time.Now(), ext))
	rec, err := r.StartRecording(path, win.opt.Actions.NewMuxer, win.opt.Actions.SkipAudioErr)
	if err != nil {
		t.deco.setNote("cannot record: " + session.Reason(err))
		return
	}
	t.deco.setNote("")
	t.deco.recording(rec)
}

// recordingSaved says on t how the recording rec the user stopped was
// finalised: a toast with its folder, or the error.
func (win *window) recordingSaved(t *Tile, rec *record.Recorder, err error) {
	if err != nil {
		t.deco.setNote("recording failed: " + session.Reason(err))
		return
	}
	files := rec.Paths()
	if len(files) == 0 {
		t.deco.setNote("nothing recorded: no picture came")
		return
	}
	t.deco.toast.show("Recording", files[len(files)-1])
}
