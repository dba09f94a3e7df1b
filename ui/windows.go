package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
	model "github.com/lookout-app/lookout/session/wall"
)

// A view can be opened in a window of its own (for a second monitor), full
// screen on the monitor it is on: a wall of its own whose tiles run while
// the window is open, whatever the main window shows; closing it ends
// them, and the view shows in the main window again when chosen there.

// ErrViewOpen is returned for a view shown in the main window, which a
// window of its own cannot take.
var ErrViewOpen = errors.New("the view is shown in the main window")

// ErrNoTile is returned for a tile a window of its own cannot take: not
// on the main wall, or an audio tile.
var ErrNoTile = errors.New("no such picture tile on the wall")

// viewWindow is a view in a window of its own, or a single tile of the
// main wall (entry set, view -1, no wall of its own).
type viewWindow struct {
	view   int
	w      fyne.Window
	wall   *Wall
	cancel context.CancelFunc
	// entry is the main wall's tile shown there: the same tile and the
	// same session, its cell standing in for it meanwhile.
	entry   *wallEntry
	onClose func() // the tile's OnClose on the wall, back when it returns
	// ending: the main window closes; the window stays recorded in the
	// views, as the next start reopens it.
	ending bool
	// dropped: the user closed the tile in its window while its view is
	// not shown; it leaves that view.
	dropped bool
}

// openViewWindow opens view i in a window of its own; fullScreen puts it
// full screen on its monitor. A view open in a window already is brought
// forward.
func (win *window) openViewWindow(ctx context.Context, i int, fullScreen bool) (*viewWindow, error) {
	v := win.wall.viewsModel()
	if i < 0 || i >= v.Len() {
		return nil, model.ErrNoView
	}
	if i == v.Current() {
		return nil, ErrViewOpen
	}
	if vw := win.windowOf(i); vw != nil {
		vw.w.RequestFocus()
		return vw, nil
	}
	// Its tiles in windows of their own end there: the view's window
	// opens them (a camera that takes one viewer would refuse a second).
	win.closeTileWindowsOf(i)
	x := v.List()[i]
	wctx, cancel := context.WithCancel(ctx)
	vw := &viewWindow{view: i, cancel: cancel, w: win.a.NewWindow("Lookout — " + x.Name)}
	vw.wall = NewWall(wctx, win.factory(win.accounts), win.log)
	vw.wall.setSound(win.snd)
	vw.wall.RoomOf = win.sidebar.roomMembers
	vw.wall.mode = x.Layout
	if vw.wall.mode == "" {
		vw.wall.mode = LayoutAuto
	}
	vw.wall.quiet = true
	for _, s := range x.Sources {
		win.openOn(vw.wall, s)
	}
	vw.wall.quiet = false
	vw.wall.setPage(x.Page)
	vw.wall.OnChange = func() {
		// What changes there is the view's: kept with the others.
		win.wall.viewsModel().UpdateView(vw.view, vw.wall.Mode(), vw.wall.Page(), vw.wall.savedSources())
		win.saveState()
	}
	vw.w.SetContent(vw.wall.Object())
	vw.w.Resize(fyne.NewSize(960, 600))
	vw.w.SetOnClosed(func() { win.closeViewWindow(vw) })
	win.others = append(win.others, vw)
	vw.w.Show()
	if fullScreen {
		vw.w.SetFullScreen(true)
	}
	_ = v.SetWindow(i, &model.OwnWindow{FullScreen: fullScreen}) // i is not the shown view
	win.saveState()
	return vw, nil
}

// openTileWindow opens the main wall's tile of source in a window of its
// own: the tile itself moves there with its session (no second session of
// the camera), and its cell says where it is. Its session runs whatever
// page, tile or view the main window shows (model.Views.Runs); closing the
// window puts the tile back in its cell when the view shown holds it, and
// ends it otherwise. A tile open in a window already is brought forward; a
// tile of a view not shown is started for its window (the next start
// reopening it).
func (win *window) openTileWindow(source string, fullScreen bool) (*viewWindow, error) {
	var e *wallEntry
	if i := win.wall.index(source); i >= 0 {
		e = win.wall.entries[i]
	} else if e = win.wall.own[source]; e == nil {
		var err error
		if e, err = win.offWallEntry(source); err != nil {
			return nil, err
		}
	}
	if e.speaker != nil {
		return nil, ErrNoTile
	}
	for _, o := range win.others {
		if o.entry == e {
			o.w.RequestFocus()
			return o, nil
		}
	}
	vw := &viewWindow{view: -1, entry: e, w: win.a.NewWindow("Lookout — " + e.tile.Title), onClose: e.tile.OnClose}
	vw.w.Resize(fyne.NewSize(960, 600))
	vw.w.SetOnClosed(func() { win.closeViewWindow(vw) })
	win.others = append(win.others, vw)
	if win.wall.own == nil {
		win.wall.own = map[string]*wallEntry{}
	}
	win.wall.own[source] = e
	vw.w.Show()
	// The cell stands in and the tile leaves the main window, once the
	// new window is made (its GL context with it).
	e.away = awayCell(e.tile.Title, func() { vw.w.Close() })
	if win.wall.maxed == e {
		win.wall.maxed = nil
	}
	win.wall.apply()
	// The window gets a widget of its own, bound to the same tile of the
	// model: Fyne 2.7 keeps a drawn object's canvas and textures for the
	// first window it was drawn in, so an object drawn in two windows
	// comes back black (issue 23).
	t := win.wall.renewTile(e)
	t.OnClose = func() {
		// Off the wall: the window goes too; closed while another view
		// shows, the tile leaves the view it was opened from.
		if win.wall.index(source) < 0 {
			win.wall.viewsModel().RemoveTile(source)
			vw.dropped = true
		}
		vw.w.Close()
		vw.onClose()
	}
	t.OnOwnWindow = func() { vw.w.Close() }
	t.ownWindow = true
	onWall := t.zoom.onZoom
	t.zoom.onZoom = func() {
		onWall()
		if win.wall.index(source) >= 0 || e.run == nil {
			return
		}
		// Its view is not shown, so no cell sets its stream: a zoomed
		// tile plays the main stream, as on the wall.
		q := session.QualitySub
		if t.zoom.z.Zoomed() {
			q = session.QualityMain
		}
		e.run.mt.SetQuality(q)
	}
	t.OnKey = func(k *fyne.KeyEvent) { win.tileWindowKey(vw, k) }
	vw.w.SetContent(t)
	win.tileWindowKeys(vw)
	vw.w.Canvas().Focus(t) // its keys act on the tile there
	if fullScreen {
		vw.w.SetFullScreen(true)
	}
	if _, ok := win.wall.viewsModel().TileWindowOf(source); !ok {
		win.rememberTileWindow(source, fullScreen, true)
	}
	return vw, nil
}

// offWallEntry starts the tile of source for a window of its own, off the
// main wall: a view not shown had it in a window at the last run.
func (win *window) offWallEntry(source string) (*wallEntry, error) {
	d, known := win.sidebar.deviceOf(source)
	if _, audio := win.savedAudio[source]; audio || known && d.Type == session.TypeSpeaker {
		return nil, ErrNoTile
	}
	title := source
	if known {
		title = cmp.Or(d.Name, source)
	}
	e := win.wall.newEntry(source, title)
	e.talk = d.Talk
	e.tile.SetTalk(d.Talk, win.wall.talkWhy())
	win.wall.start(e, session.QualitySub)
	if e.run == nil {
		return nil, fmt.Errorf("%q: %w: %s", source, ErrNoTile, e.tile.Status().Reason())
	}
	return e, nil
}

// renewTile gives entry e a new widget, bound to the same tile of the
// model (its session, recording and zoom go on), showing what the old one
// showed, and returns it. The old widget is left to the window it was
// drawn in: a widget is never drawn in two windows.
func (w *Wall) renewTile(e *wallEntry) *Tile {
	old := e.tile
	old.stopTalk() // push-to-talk is held on the widget it started on
	t := w.makeTile(e, old.Title)
	t.SetTalk(old.talk, old.talkWhy)
	t.SetSoundShown(old.soundShown)
	t.SetHeard(old.heard)
	t.muted = old.muted
	t.updateSpeaker()
	t.zoom.z = old.zoom.z
	t.SetStatus(old.status)
	if e.run != nil {
		e.run.bind(t)
	}
	if old.frame != nil {
		t.SetFrame(old.frame) // the last picture, dimmed if it is old
		old.frame.Release()
		old.frame = nil
	}
	d := old.deco
	t.deco.setWatching(d.watching)
	t.deco.setMotion(d.moving)
	if rec := d.rec0; rec != nil {
		d.recording(nil)
		t.deco.recording(rec)
	}
	t.deco.setNote(d.note.Text)
	t.deco.follow(t.status.State)
	e.tile = t
	return t
}

// tileWindowKeys gives a tile's window the keys of its tile: W takes it
// back to the wall, F toggles full screen, Ctrl+S and Ctrl+R take a
// snapshot and record, as on the wall.
func (win *window) tileWindowKeys(vw *viewWindow) {
	c := vw.w.Canvas()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) { win.tileWindowKey(vw, k) })
	onTile := func(f func(string, *Tile)) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if c.Overlays().Top() == nil {
				f(vw.entry.source, vw.entry.tile)
			}
		}
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl}, onTile(win.snapshot))
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierControl}, onTile(win.toggleRecord))
}

// tileWindowKey handles a key typed in a tile's window that its tile does
// not use itself.
func (win *window) tileWindowKey(vw *viewWindow, k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyW:
		vw.w.Close()
	case fyne.KeyF:
		vw.w.SetFullScreen(!vw.w.FullScreen())
	}
}

// rememberTileWindow records the shown view's tile of source in a window
// of its own (open) or back on the wall, and saves.
func (win *window) rememberTileWindow(source string, fullScreen, open bool) {
	if err := win.wall.Views().SetTileWindow(source, fullScreen, open); err != nil {
		win.log.Debug("tile window not remembered", "source", source, "err", err)
	}
	win.saveState()
}

// reopenWindows opens the windows the saved views were in at the last
// run: the views, and the tiles of any view in windows of their own.
func (win *window) reopenWindows(ctx context.Context) {
	v := win.wall.viewsModel()
	list := v.List()
	for i, x := range list {
		if x.Window == nil {
			continue
		}
		if _, err := win.openViewWindow(ctx, i, x.Window.FullScreen); err != nil {
			win.log.Warn("cannot reopen the view's window", "view", x.Name, "err", err)
			_ = v.SetWindow(i, nil)
		}
	}
	for _, x := range list {
		for _, t := range x.TileWindows {
			if _, err := win.openTileWindow(t.Source, t.FullScreen); err != nil {
				win.log.Warn("cannot reopen the tile's window", "source", t.Source, "err", err)
				_ = v.SetTileWindow(t.Source, false, false)
			}
		}
	}
}

// tileWindowAsked opens a tile in its own window, full screen, as its
// title bar button asks.
func (win *window) tileWindowAsked(source string) {
	if _, err := win.openTileWindow(source, true); err != nil {
		win.viewError(err)
	}
}

// awayCell is what a tile's cell shows while the tile is in a window of
// its own; its button closes that window.
func awayCell(title string, back func()) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	where := widget.NewLabelWithStyle("in its own window", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	btn := widget.NewButtonWithIcon("Bring back", theme.ComputerIcon(), back)
	return container.NewStack(canvas.NewRectangle(barBG),
		container.NewCenter(container.NewVBox(name, where, container.NewCenter(btn))))
}

// closeViewWindow ends a view window's tiles (once) and forgets it; a
// tile's window gives the tile back to its cell, its session running on,
// when the view shown holds it, and otherwise ends it as a tile of a view
// not shown (its recording finalised and said where it is).
func (win *window) closeViewWindow(vw *viewWindow) {
	for k, o := range win.others {
		if o == vw {
			win.others = append(win.others[:k], win.others[k+1:]...)
			if e := vw.entry; e != nil {
				win.closeTileWindow(vw, e)
			} else {
				vw.wall.Close()
				vw.cancel()
				if !vw.ending {
					_ = win.wall.viewsModel().SetWindow(vw.view, nil)
					win.saveState()
				}
			}
			win.updateStatus()
			return
		}
	}
}

// closeTileWindow takes tile e out of its closed window vw: back to its
// cell, or ended.
func (win *window) closeTileWindow(vw *viewWindow, e *wallEntry) {
	vw.w.SetContent(widget.NewLabel("")) // the tile leaves the closed window
	e.away = nil
	delete(win.wall.own, e.source)
	onWall := win.wall.index(e.source) >= 0
	back := onWall
	if !vw.ending {
		// The model says where the tile goes; the wall shows that view.
		back = win.wall.Views().CloseTileWindow(e.source) && onWall
		win.saveState()
	}
	switch {
	case win.wall.closed:
	case back:
		// A new widget in the main window: the one of the closed
		// window was drawn there only.
		win.wall.renewTile(e)
		win.wall.apply()
	default:
		win.endOffWall(e, !vw.ending && !vw.dropped)
	}
}

// endOffWall ends tile e, in a window of its own until now while its view
// is not shown, as the tile of a view not shown ends. Its recording, if
// any, is finalised; tell says where the file is (the window closed: the
// user did not stop the recording, so the main window says it ended).
func (win *window) endOffWall(e *wallEntry, tell bool) {
	if e.run != nil && tell {
		if rec := e.run.stopRecording(); rec != nil {
			title := e.tile.Title
			e.tile.deco.recording(nil)
			// Finalising waits for the disk: never on the Fyne
			// goroutine; the wall's Close waits for it.
			win.wall.stopping.Add(1)
			go func() {
				defer win.wall.stopping.Done()
				err := rec.Close()
				do(func() { win.offWallRecordingSaved(title, rec, err) })
			}()
		}
	}
	win.wall.stop(e)
}

// offWallRecordingSaved tells in the main window that the recording of a
// tile whose window closed while its view was not shown ended, and where
// it is.
func (win *window) offWallRecordingSaved(title string, rec *record.Recorder, err error) {
	msg := title + "'s window closed while its view is not shown, so its recording ended"
	files := rec.Paths()
	switch {
	case err != nil:
		msg += ": " + session.Reason(err)
	case len(files) == 0:
		msg += ": nothing recorded, no picture came"
	default:
		msg += ". Saved as\n" + files[len(files)-1]
	}
	win.log.Info("recording ended with its tile's window", "title", title, "files", len(files), "err", err)
	if win.wall.closed {
		return
	}
	dialog.ShowInformation("Recording saved", msg, win.w)
}

// closeViewWindows ends every view window's tiles (the main window
// closes; Fyne closes the windows themselves).
func (win *window) closeViewWindows() {
	for _, o := range win.others {
		o.ending = true
	}
	for len(win.others) > 0 {
		win.closeViewWindow(win.others[0])
	}
}

// closeTileWindowsOf closes the windows of view i's tiles: the view is
// deleted (they go back to its cells first) or opens in a window of its
// own.
func (win *window) closeTileWindowsOf(i int) {
	v := win.wall.viewsModel()
	for _, o := range slices.Clone(win.others) {
		if o.entry == nil {
			continue
		}
		if j, ok := v.TileWindowOf(o.entry.source); ok && j == i {
			o.w.Close()
		}
	}
}

// dropOwn ends the tiles in windows of their own that the wall does not
// hold (the wall closes).
func (w *Wall) dropOwn() {
	for s, e := range w.own {
		if w.index(s) < 0 {
			w.stop(e)
		}
		delete(w.own, s)
	}
}

// running returns the tiles that run: the wall's, and those in windows of
// their own off it (their view not shown), which are watched for motion
// and alerts as the wall's are.
func (w *Wall) running() []*wallEntry {
	out := slices.Clone(w.entries)
	for s, e := range w.own {
		if w.index(s) < 0 {
			out = append(out, e)
		}
	}
	return out
}

// viewsShifted follows an insertion (by +1) or a deletion (by -1) of the
// view at index at: the view windows keep their views.
func (win *window) viewsShifted(at, by int) {
	for _, o := range win.others {
		if o.view >= at {
			o.view += by
		}
	}
}

// windowOf returns the window showing view i, or nil.
func (win *window) windowOf(i int) *viewWindow {
	for _, o := range win.others {
		if o.view == i {
			return o
		}
	}
	return nil
}

// openOn adds source to wall w as the window knows it (viewOpen for
// another wall).
func (win *window) openOn(w *Wall, source string) {
	main := win.wall
	win.wall = w
	defer func() { win.wall = main }()
	win.viewOpen(source)
}

// allTiles counts the tiles of every window: live, in all, and their
// decode rate, for the main window's status bar.
func (win *window) allTiles() (live, tiles int, decoded float64) {
	live, tiles, decoded = win.wall.Live(), len(win.wall.entries), win.wall.DecodeFPS()
	for _, o := range win.others {
		if e := o.entry; e != nil {
			if win.wall.index(e.source) >= 0 {
				continue // a tile of the main wall: counted there
			}
			tiles++ // its view is not shown: counted here
			if e.run != nil {
				if e.tile.Status().State == session.StateLive {
					live++
				}
				decoded += e.run.Stats().FPS
			}
			continue
		}
		live += o.wall.Live()
		tiles += len(o.wall.entries)
		decoded += o.wall.DecodeFPS()
	}
	return live, tiles, decoded
}

// viewWindowError tells why a view could not open in a window.
func (win *window) viewWindowError(err error) {
	if errors.Is(err, ErrViewOpen) {
		win.viewError(fmt.Errorf("%w: choose another view here first", err))
		return
	}
	win.viewError(err)
}
