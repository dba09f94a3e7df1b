package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tipDelay is how long the pointer rests on an icon before its name shows.
const tipDelay = 500 * time.Millisecond

var (
	tipBG   = color.NRGBA{R: 0x10, G: 0x12, B: 0x16, A: 0xf0}
	tipEdge = color.NRGBA{R: 0x60, G: 0x66, B: 0x70, A: 0xff}
)

// tooltip is the name of the icon the pointer rests on, with its key: a
// small label among its host's own objects (a tile's), drawn over them next
// to the icon. It is no pop-up and no overlay: it takes no focus and no
// click, so the window's keys stay the wall's while it shows (dialogOpen
// looks at the canvas's overlays). A host has one; its icons share it.
// Call it on the Fyne goroutine.
type tooltip struct {
	bg   *canvas.Rectangle
	text *canvas.Text
	// owner is the icon whose name shows, or waits tipDelay to show; words
	// says it as the icon's state is then.
	owner fyne.CanvasObject
	words func() string
	gen   int // the hover in progress; the timer of an older one does nothing
	timer *time.Timer
	// size is the host's, as its last layout placed the tip.
	size fyne.Size
}

func newTooltip() *tooltip {
	tt := &tooltip{bg: canvas.NewRectangle(tipBG), text: canvas.NewText("", color.White)}
	tt.bg.CornerRadius = 3
	tt.bg.StrokeColor = tipEdge
	tt.bg.StrokeWidth = 1
	tt.text.TextSize = theme.CaptionTextSize()
	tt.bg.Hide()
	tt.text.Hide()
	return tt
}

// objects go last among the host's objects: drawn over everything else.
func (tt *tooltip) objects() []fyne.CanvasObject { return []fyne.CanvasObject{tt.bg, tt.text} }

// arm starts the wait before o's name shows: the pointer came onto it.
func (tt *tooltip) arm(o fyne.CanvasObject, words func() string) {
	tt.hide()
	tt.owner, tt.words = o, words
	gen := tt.gen
	tt.timer = time.AfterFunc(tipDelay, func() {
		do(func() {
			if tt.gen == gen && tt.owner == o {
				tt.show()
			}
		})
	})
}

// drop hides o's name, or stops its wait: the pointer left it or pressed it.
func (tt *tooltip) drop(o fyne.CanvasObject) {
	if tt.owner == o {
		tt.hide()
	}
}

func (tt *tooltip) hide() {
	tt.gen++
	if tt.timer != nil {
		tt.timer.Stop()
		tt.timer = nil
	}
	tt.owner, tt.words = nil, nil
	if tt.bg.Visible() {
		tt.bg.Hide()
		tt.text.Hide()
		canvas.Refresh(tt.bg)
	}
}

func (tt *tooltip) show() {
	if tt.owner == nil || !tt.owner.Visible() {
		tt.hide()
		return
	}
	tt.text.Text = tt.words()
	tt.bg.Show()
	tt.text.Show()
	tt.layout(tt.size)
	tt.bg.Refresh()
	tt.text.Refresh()
}

// Text is the name shown, or "" while none shows.
func (tt *tooltip) Text() string {
	if !tt.bg.Visible() {
		return ""
	}
	return tt.text.Text
}

// layout places the name shown in a host of size: under its icon, or over
// it where the host has no room below (the Talk button at the foot), its
// right edge on the icon's unless that leaves the host; a name wider than
// the host is cut.
func (tt *tooltip) layout(size fyne.Size) {
	tt.size = size
	if !tt.bg.Visible() || tt.owner == nil {
		return
	}
	if !tt.owner.Visible() {
		tt.hide()
		return
	}
	pad := theme.Padding()
	tt.text.Text = fitText(tt.words(), tt.text.TextSize, tt.text.TextStyle, max(size.Width-6*pad, 1))
	ts := tt.text.MinSize()
	box := fyne.NewSize(ts.Width+4*pad, ts.Height+2*pad)
	at, is := tt.owner.Position(), tt.owner.Size()
	x := min(at.X+is.Width-box.Width, size.Width-box.Width-pad)
	x = max(x, pad)
	y := at.Y + is.Height + 2
	if y+box.Height > size.Height {
		y = max(at.Y-box.Height-2, 0)
	}
	tt.bg.Resize(box)
	tt.bg.Move(fyne.NewPos(x, y))
	tt.text.Move(fyne.NewPos(x+2*pad, y+pad))
}

// tip is what an icon needs for its name to show on hover: the words and
// the host's tooltip (nil: none shows).
type tip struct {
	words func() string
	on    *tooltip
}

func (p *tip) in(o fyne.CanvasObject) {
	if p.on != nil && p.words != nil {
		p.on.arm(o, p.words)
	}
}

func (p *tip) out(o fyne.CanvasObject) {
	if p.on != nil {
		p.on.drop(o)
	}
}

// tipButton is a flat icon button (widget.Button: importance, disabled)
// whose name shows on hover.
type tipButton struct {
	widget.Button
	tip
}

func newTipButton(icon fyne.Resource, tapped func()) *tipButton {
	b := &tipButton{}
	b.Icon, b.OnTapped = icon, tapped
	b.Importance = widget.LowImportance
	b.ExtendBaseWidget(b)
	return b
}

// MouseIn implements desktop.Hoverable.
func (b *tipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.in(b)
}

// MouseOut implements desktop.Hoverable.
func (b *tipButton) MouseOut() {
	b.Button.MouseOut()
	b.out(b)
}

// Tapped implements fyne.Tappable: the name goes as the button acts.
func (b *tipButton) Tapped(e *fyne.PointEvent) {
	b.out(b)
	b.Button.Tapped(e)
}
