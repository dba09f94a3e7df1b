package ui

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// TileControl is what a tile asks of the session behind it; the wall's
// runner implements it and widget tests use a fake.
type TileControl interface {
	Retry()
	Stats() player.Stats
	SetOutputSize(width, height int)
}

// Tile shows one source: its picture when live, otherwise the phase of the
// connection or the failure with a Retry button. Hovering shows statistics.
type Tile struct {
	widget.BaseWidget

	Title string
	ctrl  TileControl

	// OnClose, OnMaximise and OnFocus are set by the wall.
	OnClose    func()
	OnMaximise func()
	OnFocus    func()

	bg       *canvas.Rectangle
	border   *canvas.Rectangle
	picture  *canvas.Image
	title    *canvas.Text
	phase    *widget.Label
	activity *widget.Activity
	retry    *widget.Button
	stats    *canvas.Text
	statsBG  *canvas.Rectangle
	closeBtn *widget.Button
	maxBtn   *widget.Button

	status   session.Status
	paints   int // pictures shown since the last PaintsSince
	hovered  bool
	focused  bool
	srcW     int
	srcH     int
	pixelW   int
	pixelH   int
	lastSize fyne.Size
}

var (
	tileBG     = color.NRGBA{R: 0x12, G: 0x14, B: 0x18, A: 0xff}
	overlayBG  = color.NRGBA{A: 0xb0}
	focusColor = color.NRGBA{R: 0x3d, G: 0x8b, B: 0xff, A: 0xff}
)

// NewTile makes a tile for a source titled title.
func NewTile(title string, ctrl TileControl) *Tile {
	t := &Tile{Title: title, ctrl: ctrl}
	t.bg = canvas.NewRectangle(tileBG)
	t.border = canvas.NewRectangle(color.Transparent)
	t.border.StrokeWidth = 2
	t.picture = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	t.picture.FillMode = canvas.ImageFillContain
	t.picture.ScaleMode = canvas.ImageScaleFastest
	t.picture.Hide()
	t.title = canvas.NewText(title, color.White)
	t.title.TextSize = theme.TextSize() * 0.9
	t.phase = widget.NewLabel("")
	t.phase.Alignment = fyne.TextAlignCenter
	t.phase.Wrapping = fyne.TextWrapWord
	t.activity = widget.NewActivity()
	t.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), func() {
		if t.ctrl != nil {
			t.ctrl.Retry()
		}
	})
	t.retry.Hide()
	t.stats = canvas.NewText("", color.White)
	t.stats.TextSize = theme.TextSize() * 0.8
	t.stats.TextStyle = fyne.TextStyle{Monospace: true}
	t.statsBG = canvas.NewRectangle(overlayBG)
	t.stats.Hide()
	t.statsBG.Hide()
	t.closeBtn = widget.NewButtonWithIcon("", theme.CancelIcon(), func() {
		if t.OnClose != nil {
			t.OnClose()
		}
	})
	t.closeBtn.Importance = widget.LowImportance
	t.maxBtn = widget.NewButtonWithIcon("", theme.ViewFullScreenIcon(), func() {
		if t.OnMaximise != nil {
			t.OnMaximise()
		}
	})
	t.maxBtn.Importance = widget.LowImportance
	t.ExtendBaseWidget(t)
	t.SetStatus(session.Status{State: session.StateIdle})
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	middle := container.NewVBox(t.activity, t.phase, container.NewCenter(t.retry))
	objs := []fyne.CanvasObject{t.bg, t.picture, middle, t.statsBG, t.stats, t.title, t.closeBtn, t.maxBtn, t.border}
	return &tileRenderer{t: t, middle: middle, objs: objs}
}

// SetStatus shows a session state; call it on the Fyne goroutine.
func (t *Tile) SetStatus(st session.Status) {
	t.status = st
	live := st.State == session.StateLive
	switch st.State {
	case session.StateLive:
		t.phase.SetText("")
	case session.StateRetrying:
		wait := time.Until(st.RetryAt).Round(time.Second)
		t.phase.SetText(fmt.Sprintf("%s\nretrying in %s", st.Reason(), max(wait, 0)))
	case session.StateFailed:
		t.phase.SetText(st.Reason())
	case session.StateIdle:
		t.phase.SetText("starting")
	case session.StateClosed:
		t.phase.SetText("closed")
	default:
		t.phase.SetText(st.State.String())
	}
	busy := !live && st.State != session.StateFailed && st.State != session.StateClosed && st.State != session.StateRetrying
	if busy {
		t.activity.Show()
		t.activity.Start()
	} else {
		t.activity.Stop()
		t.activity.Hide()
	}
	if st.State == session.StateFailed || st.State == session.StateRetrying {
		t.retry.Show()
	} else {
		t.retry.Hide()
	}
	if live {
		t.phase.Hide()
	} else {
		t.phase.Show()
		t.picture.Hide()
	}
	t.Refresh()
}

// SetTitle changes the name shown in the corner.
func (t *Tile) SetTitle(title string) {
	t.Title = title
	t.title.Text = title
	t.title.Refresh()
}

// TakePaints returns how many pictures the tile was given since the last
// call, and resets the count.
func (t *Tile) TakePaints() int {
	n := t.paints
	t.paints = 0
	return n
}

// Status returns the state shown.
func (t *Tile) Status() session.Status { return t.status }

// Phase returns the text shown in place of the picture ("" when live).
func (t *Tile) Phase() string { return t.phase.Text }

// RetryVisible reports whether the Retry button shows.
func (t *Tile) RetryVisible() bool { return t.retry.Visible() }

// SetFrame shows a decoded picture; call it on the Fyne goroutine.
func (t *Tile) SetFrame(f *player.Frame) {
	if f == nil || f.Image == nil {
		return
	}
	if f.SourceWidth != t.srcW || f.SourceHeight != t.srcH {
		t.srcW, t.srcH = f.SourceWidth, f.SourceHeight
		t.resizeOutput()
	}
	t.picture.Image = f.Image
	if t.status.State == session.StateLive {
		t.picture.Show()
	}
	t.picture.Refresh()
	t.paints++
	if t.hovered {
		t.updateStats()
	}
}

// resizeOutput asks the decoder for pictures that fit the tile's pixels, so
// scaling is done once by swscale and never by the GPU.
func (t *Tile) resizeOutput() {
	if t.ctrl == nil || t.pixelW == 0 || t.pixelH == 0 {
		return
	}
	w, h := fitSize(t.srcW, t.srcH, t.pixelW, t.pixelH)
	t.ctrl.SetOutputSize(w, h)
}

// fitSize is the largest size with the source's aspect ratio inside the box,
// rounded down to even numbers as swscale prefers; (0, 0) while the source
// size is unknown keeps the decoder's own size.
func fitSize(srcW, srcH, boxW, boxH int) (int, int) {
	if srcW <= 0 || srcH <= 0 || boxW <= 0 || boxH <= 0 {
		return 0, 0
	}
	w, h := boxW, boxW*srcH/srcW
	if h > boxH {
		w, h = boxH*srcW/srcH, boxH
	}
	if w > srcW || h > srcH { // never upscale in software
		return srcW, srcH
	}
	return max(w&^1, 2), max(h&^1, 2)
}

func (t *Tile) updateStats() {
	if t.ctrl == nil {
		return
	}
	s := t.ctrl.Stats()
	t.stats.Text = fmt.Sprintf("%dx%d %s  %.0f fps  %.0f kbit/s  lost %d  jitter %.0f ms",
		s.Width, s.Height, s.Codec, s.FPS, s.BitrateKbps, s.PacketsLost, s.JitterMs)
	t.stats.Refresh()
}

// MouseIn implements desktop.Hoverable: show the statistics overlay.
func (t *Tile) MouseIn(*desktop.MouseEvent) {
	t.hovered = true
	t.updateStats()
	t.stats.Show()
	t.statsBG.Show()
	t.Refresh()
}

// MouseMoved implements desktop.Hoverable.
func (t *Tile) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (t *Tile) MouseOut() {
	t.hovered = false
	t.stats.Hide()
	t.statsBG.Hide()
	t.Refresh()
}

// Tapped focuses the tile.
func (t *Tile) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp(); c != nil {
		if w := c.Driver().CanvasForObject(t); w != nil {
			w.Focus(t)
		}
	}
}

// DoubleTapped maximises or restores the tile.
func (t *Tile) DoubleTapped(*fyne.PointEvent) {
	if t.OnMaximise != nil {
		t.OnMaximise()
	}
}

// FocusGained implements fyne.Focusable.
func (t *Tile) FocusGained() {
	t.focused = true
	if t.OnFocus != nil {
		t.OnFocus()
	}
	t.Refresh()
}

// FocusLost implements fyne.Focusable.
func (t *Tile) FocusLost() {
	t.focused = false
	t.Refresh()
}

// TypedRune implements fyne.Focusable.
func (t *Tile) TypedRune(rune) {}

// TypedKey maximises on Enter and closes on Delete.
func (t *Tile) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if t.OnMaximise != nil {
			t.OnMaximise()
		}
	case fyne.KeyDelete:
		if t.OnClose != nil {
			t.OnClose()
		}
	}
}

type tileRenderer struct {
	t      *Tile
	middle *fyne.Container
	objs   []fyne.CanvasObject
}

func (r *tileRenderer) Layout(size fyne.Size) {
	t := r.t
	t.bg.Resize(size)
	t.border.Resize(size)
	t.picture.Move(fyne.NewPos(0, 0))
	t.picture.Resize(size)
	pad := theme.Padding()
	btn := t.closeBtn.MinSize()
	t.closeBtn.Resize(btn)
	t.closeBtn.Move(fyne.NewPos(size.Width-btn.Width, 0))
	t.maxBtn.Resize(btn)
	t.maxBtn.Move(fyne.NewPos(size.Width-2*btn.Width, 0))
	t.title.Move(fyne.NewPos(pad*2, pad))
	ms := r.middle.MinSize()
	w := min(size.Width-4*pad, max(ms.Width, size.Width*0.8))
	r.middle.Resize(fyne.NewSize(w, ms.Height))
	r.middle.Move(fyne.NewPos((size.Width-w)/2, (size.Height-ms.Height)/2))
	ts := t.stats.MinSize()
	t.statsBG.Resize(fyne.NewSize(size.Width, ts.Height+2*pad))
	t.statsBG.Move(fyne.NewPos(0, size.Height-ts.Height-2*pad))
	t.stats.Move(fyne.NewPos(pad*2, size.Height-ts.Height-pad))
	if size != t.lastSize {
		t.lastSize = size
		scale := float32(1)
		if c := fyne.CurrentApp(); c != nil {
			if cv := c.Driver().CanvasForObject(t); cv != nil {
				scale = cv.Scale()
			}
		}
		t.pixelW, t.pixelH = int(size.Width*scale), int(size.Height*scale)
		t.resizeOutput()
	}
}

func (r *tileRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 90) }

func (r *tileRenderer) Refresh() {
	t := r.t
	if t.focused {
		t.border.StrokeColor = focusColor
	} else {
		t.border.StrokeColor = color.Transparent
	}
	t.border.Refresh()
	r.Layout(t.Size())
	canvas.Refresh(t)
}

func (r *tileRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *tileRenderer) Destroy()                     {}
