package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// levelMeter is an audio level bar: an outlined, empty track when idle and
// a green fill for the level while a test runs.
type levelMeter struct {
	widget.BaseWidget
	Value float64 // 0 (silence or idle) to 1 (full scale)
	track *canvas.Rectangle
	fill  *canvas.Rectangle
}

func newLevelMeter() *levelMeter {
	m := &levelMeter{track: canvas.NewRectangle(color.Transparent),
		fill: canvas.NewRectangle(color.NRGBA{R: 0x2e, G: 0xc2, B: 0x4e, A: 0xff})}
	m.track.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	m.track.StrokeWidth = 1
	m.track.CornerRadius = 3
	m.ExtendBaseWidget(m)
	return m
}

// SetValue shows a level from 0 to 1.
func (m *levelMeter) SetValue(v float64) {
	m.Value = max(0, min(1, v))
	m.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (m *levelMeter) CreateRenderer() fyne.WidgetRenderer { return &meterRenderer{m: m} }

type meterRenderer struct{ m *levelMeter }

func (r *meterRenderer) Layout(size fyne.Size) {
	h := min(size.Height, 12)
	y := (size.Height - h) / 2
	r.m.track.Move(fyne.NewPos(0, y))
	r.m.track.Resize(fyne.NewSize(size.Width, h))
	r.m.fill.Move(fyne.NewPos(1, y+1))
	r.m.fill.Resize(fyne.NewSize(float32(r.m.Value)*(size.Width-2), h-2))
	if r.m.Value > 0 {
		r.m.fill.Show()
	} else {
		r.m.fill.Hide()
	}
}

func (r *meterRenderer) MinSize() fyne.Size { return fyne.NewSize(120, 12) }

func (r *meterRenderer) Refresh() {
	r.Layout(r.m.Size())
	canvas.Refresh(r.m)
}

func (r *meterRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.m.track, r.m.fill}
}
func (r *meterRenderer) Destroy() {}
