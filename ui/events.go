package ui

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// The event list: motion on a tile with alerts on, or the user's Save clip
// (Ctrl+Shift+S, or the panel's button for the focused tile), writes an
// event clip of the tile (session/wall's Tile.SaveClip: its pre-roll and
// what follows) into the captures folder, and the panel at the wall's right
// lists each event with its time, camera, the tile's picture at that
// moment and its clip. A click on an event maximises its tile; its Play
// button plays the clip in the clip player (clipplayer.go).

// thumbWidth is the width of an event's thumbnail, in pixels.
const thumbWidth = 160

// maxEvents bounds the events the list keeps (the oldest go first).
const maxEvents = 100

// event is one row of the list.
type event struct {
	at           time.Time
	source       string
	title        string
	motion       bool // motion (true) or the user's Save clip
	thumb        image.Image
	clip         *model.Clip // nil when no clip could be written
	extended     bool        // the event went into the clip of an earlier one
	written, err bool
	note         string
	row          *eventRow
}

// events is the window's event list and its panel.
type events struct {
	win   *window
	list  []*event
	box   *fyne.Container // the rows, newest first
	panel *fyne.Container // the panel at the wall's right (hidden until used)
	count *widget.Button  // the status bar's toggle, with the number of events
	after time.Duration   // how long a clip goes on after its event
	// shownByUser: the user opened or closed the panel; an event no
	// longer opens it by itself.
	shownByUser bool
	// players are the clip players open (clipplayer.go).
	players []*clipView
}

// eventsOf returns the window's event list, making it on first use.
func (win *window) eventsOf() *events {
	if win.extra.events == nil {
		ev := &events{win: win, after: model.DefaultClipAfter}
		ev.box = container.NewVBox()
		title := widget.NewLabelWithStyle("Events", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		// The panel's controls give the keyboard back to the wall once
		// used, as the toolbar's do (backToWall).
		save := widget.NewButtonWithIcon("Save clip", theme.DocumentSaveIcon(), func() {
			win.onFocused(win.saveClip)
			win.backToWall()
		})
		hide := widget.NewButtonWithIcon("", theme.CancelIcon(), ev.toggle)
		hide.Importance = widget.LowImportance
		head := container.NewBorder(nil, nil, nil, container.NewHBox(save, hide), title)
		scroll := container.NewVScroll(ev.box)
		scroll.SetMinSize(fyne.NewSize(thumbWidth*3/4+170, 0))
		ev.panel = container.NewBorder(head, nil, nil, nil, scroll)
		ev.panel.Hide()
		ev.count = widget.NewButtonWithIcon("Events", theme.ListIcon(), ev.toggle)
		ev.count.Importance = widget.LowImportance
		win.extra.events = ev
	}
	return win.extra.events
}

// installEvents installs Ctrl+Shift+S (Save clip on the focused tile).
func (win *window) installEvents() {
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift},
		func() { win.onFocused(win.saveClip) })
}

// eventsButton is the status bar's Events button, which shows or hides
// the event list and counts its events (the status bar, not the toolbar:
// a 1024-pixel-wide window has no room left there).
func (win *window) eventsButton() fyne.CanvasObject { return win.eventsOf().count }

// wireEvents makes motion on t, with its alerts on, an event with a clip;
// the window calls it after wireTile for every tile.
func (win *window) wireEvents(source string, t *Tile) {
	alert := t.deco.onMotion
	t.deco.onMotion = func() {
		if alert != nil {
			alert()
		}
		win.clipEvent(source, t, true)
	}
}

// withEvents puts the event panel at the right of the window's body.
func (win *window) withEvents(body fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, win.eventsOf().panel, body)
}

// toggle shows or hides the panel (the user's choice).
func (ev *events) toggle() {
	ev.shownByUser = true
	ev.show(!ev.panel.Visible())
	ev.win.backToWall()
}

func (ev *events) show(on bool) {
	if on == ev.panel.Visible() {
		return
	}
	if on {
		ev.panel.Show()
	} else {
		ev.panel.Hide()
	}
	if c := canvasOf(ev.panel); c != nil {
		c.Content().Refresh()
	}
}

// saveClip is the user's Save clip on a tile: an event with a clip.
func (win *window) saveClip(source string, t *Tile) { win.clipEvent(source, t, false) }

// clipEvent records an event on t now (on the Fyne goroutine): its
// thumbnail is the picture the tile shows, and a clip of the tile's
// pre-roll and the next seconds is written into the captures folder.
func (win *window) clipEvent(source string, t *Tile, motion bool) {
	ev := win.eventsOf()
	e := &event{at: time.Now(), source: source, title: t.Title, motion: motion, thumb: thumbnail(t)}
	r, ok := t.ctrl.(*runner)
	switch {
	case win.opt.Actions == nil || win.opt.Actions.NewMuxer == nil:
		e.note, e.err = "no clip: recording is not available", true
	case !ok || r.stopped.Load():
		e.note, e.err = "no clip: the tile is not playing", true
	default:
		ev.startClip(e, r)
	}
	ev.add(e)
}

// startClip starts e's clip on r's tile of the model.
func (ev *events) startClip(e *event, r *runner) {
	win := ev.win
	dir := win.captureFolder()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		e.note, e.err = "no clip: "+err.Error(), true
		return
	}
	path := filepath.Join(dir, captureName(e.source, e.at, "-clip"+win.recordExt()))
	clip, extended, err := r.mt.SaveClip(model.ClipConfig{Path: path, At: e.at, After: ev.after,
		NewMuxer: win.opt.Actions.NewMuxer, SkipAudioErr: win.opt.Actions.SkipAudioErr,
		OnDone: func(c *model.Clip, err error) { do(func() { ev.clipDone(c, err) }) }})
	if err != nil {
		e.note, e.err = "no clip: "+session.Reason(err), true
		return
	}
	e.clip, e.extended = clip, extended
	e.note = "clip: recording…"
	if extended {
		e.note = "in the clip of " + clipTime(clip)
	}
}

// clipDone marks the events of c written (or failed).
func (ev *events) clipDone(c *model.Clip, err error) {
	for _, e := range ev.list {
		if e.clip != c {
			continue
		}
		e.written = err == nil
		switch {
		case err != nil:
			e.note, e.err = "clip failed: "+session.Reason(err), true
		case len(c.Paths()) == 0:
			e.note, e.err = "no clip: no picture came", true
		case e.extended:
			e.note = "in the clip of " + clipTime(c)
		default:
			e.note = "clip: " + filepath.Base(c.Path())
		}
		e.row.update()
	}
}

func clipTime(c *model.Clip) string {
	if ev := c.Events(); len(ev) > 0 {
		return ev[0].Format("15:04:05")
	}
	return filepath.Base(c.Path())
}

// add puts e at the top of the list.
func (ev *events) add(e *event) {
	e.row = newEventRow(ev, e)
	ev.list = append(ev.list, e)
	ev.box.Objects = append([]fyne.CanvasObject{e.row}, ev.box.Objects...)
	if len(ev.list) > maxEvents {
		ev.list = ev.list[1:]
		ev.box.Objects = ev.box.Objects[:maxEvents]
	}
	ev.box.Refresh()
	ev.count.SetText(fmt.Sprintf("Events (%d)", len(ev.list)))
	if !ev.shownByUser {
		ev.show(true)
	}
}

// open maximises e's tile (showing its page), if it is still on the wall.
func (ev *events) open(e *event) {
	w := ev.win.wall
	if w == nil || w.index(e.source) < 0 {
		return
	}
	w.Add(e.source, e.title) // shows its page
	if w.Maximised() != e.source {
		w.ToggleMaximise(e.source)
	}
	ev.win.updateStatus()
	ev.win.backToWall()
}

// thumbnail is a copy of the picture t shows, thumbWidth wide (nil when
// it shows none).
func thumbnail(t *Tile) image.Image {
	f := t.frame
	if f == nil || f.Image == nil || !t.hasPicture {
		return nil
	}
	src := f.Image
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil
	}
	w := min(thumbWidth, b.Dx())
	h := max(1, b.Dy()*w/b.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := b.Min.Y + y*b.Dy()/h
		for x := 0; x < w; x++ {
			sx := b.Min.X + x*b.Dx()/w
			si := src.PixOffset(sx, sy)
			di := dst.PixOffset(x, y)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// eventRow is one event in the panel: thumbnail, time and camera, its
// clip; a tap maximises the tile.
type eventRow struct {
	widget.BaseWidget
	ev    *events
	e     *event
	thumb *canvas.Image
	when  *widget.Label
	title *widget.Label
	note  *widget.Label
	play  *widget.Button
	bg    *canvas.Rectangle
}

func newEventRow(ev *events, e *event) *eventRow {
	r := &eventRow{ev: ev, e: e}
	r.thumb = canvas.NewImageFromImage(e.thumb)
	if e.thumb == nil {
		r.thumb = canvas.NewImageFromResource(theme.MediaVideoIcon())
	}
	r.thumb.FillMode = canvas.ImageFillContain
	r.thumb.SetMinSize(fyne.NewSize(thumbWidth*3/4, thumbWidth*27/64))
	kind := "Saved clip"
	if e.motion {
		kind = "Motion"
	}
	r.when = widget.NewLabelWithStyle(e.at.Format("15:04:05")+" · "+kind, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.title = widget.NewLabel(e.title)
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.note = widget.NewLabel("")
	r.note.Truncation = fyne.TextTruncateEllipsis
	r.note.SizeName = theme.SizeNameCaptionText
	r.play = widget.NewButtonWithIcon("", theme.MediaPlayIcon(), func() { ev.playClip(e) })
	r.play.Importance = widget.LowImportance
	r.bg = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	r.bg.CornerRadius = 4
	r.ExtendBaseWidget(r)
	r.update()
	return r
}

// update shows the event's clip state.
func (r *eventRow) update() {
	r.note.SetText(r.e.note)
	if r.e.written {
		r.play.Enable()
	} else {
		r.play.Disable()
	}
}

// Tapped implements fyne.Tappable: the event's tile fills the wall.
func (r *eventRow) Tapped(*fyne.PointEvent) { r.ev.open(r.e) }

// CreateRenderer implements fyne.Widget.
func (r *eventRow) CreateRenderer() fyne.WidgetRenderer {
	lines := container.New(&tightRows{}, r.when, r.title, r.note)
	text := container.NewBorder(nil, nil, nil, container.NewCenter(r.play), lines)
	body := container.NewBorder(nil, nil, container.NewCenter(r.thumb), nil, text)
	return widget.NewSimpleRenderer(container.NewStack(r.bg, container.NewPadded(body)))
}

// tightRows stacks labels without the padding between them that a VBox
// adds to the labels' own.
type tightRows struct{}

func (tightRows) rowHeight(o fyne.CanvasObject) float32 {
	return o.MinSize().Height - 2*theme.Padding()
}

func (l tightRows) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y-theme.Padding()))
		o.Resize(fyne.NewSize(size.Width, h))
		y += l.rowHeight(o)
	}
}

func (l tightRows) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += l.rowHeight(o)
	}
	return s
}
