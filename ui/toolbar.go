package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// layoutPicker is a row of layout buttons, the one in use highlighted, and
// the same choice as a drop-down (compact) for a toolbar too narrow for the
// row (toolRow shows one of the two).
type layoutPicker struct {
	buttons  map[string]*widget.Button
	box      *fyne.Container // the buttons
	row      *fyne.Container // "Layout" and the buttons
	compact  *widget.Select
	selected string
	onChange func(string)
}

func newLayoutPicker(selected string, onChange func(string)) *layoutPicker {
	p := &layoutPicker{buttons: map[string]*widget.Button{}, box: container.NewHBox(), onChange: onChange}
	for _, m := range Layouts {
		b := widget.NewButton(m, func() { p.choose(m) })
		p.buttons[m] = b
		p.box.Add(b)
	}
	p.row = container.NewHBox(widget.NewLabel("Layout"), p.box)
	p.compact = widget.NewSelect(Layouts, nil)
	p.compact.PlaceHolder = LayoutAuto // a Select is as wide as its placeholder
	p.mark(selected)
	p.compact.OnChanged = func(m string) {
		if m != p.selected {
			p.choose(m)
		}
	}
	return p
}

func (p *layoutPicker) choose(m string) {
	p.mark(m)
	if p.onChange != nil {
		p.onChange(m)
	}
}

// mark highlights the button of layout m and shows it in the drop-down.
func (p *layoutPicker) mark(m string) {
	p.selected = m
	for name, b := range p.buttons {
		if name == m {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	if p.compact.Selected != m {
		p.compact.Selected = m // no OnChanged: the choice is made already
		p.compact.Refresh()
	}
}

// toolRow lays its objects out in a row, as an HBox does, in a scroll
// container, with one of two alternatives in the place of wide: wide
// itself when the scroll's visible width has room for the objects up to
// and including last with wide among them, narrow otherwise. The objects
// after last are the first to go out of sight (the row scrolls to them).
type toolRow struct {
	wide, narrow, last fyne.CanvasObject
	scroll             *container.Scroll
}

// newToolRow is a scrolling row of objects in which wide and narrow (both
// among them) take turns.
func newToolRow(wide, narrow, last fyne.CanvasObject, objects ...fyne.CanvasObject) *container.Scroll {
	r := &toolRow{wide: wide, narrow: narrow, last: last}
	r.scroll = container.NewHScroll(container.New(r, objects...))
	return r.scroll
}

// width is the row's width through upTo (nil: all of it) with alt in the
// place of the two alternatives.
func (r *toolRow) width(objects []fyne.CanvasObject, alt, upTo fyne.CanvasObject) float32 {
	var w float32
	n := 0
	for _, o := range objects {
		switch {
		case o == r.wide || o == r.narrow:
			if o != alt {
				continue
			}
		case !o.Visible():
			continue
		}
		w += o.MinSize().Width
		n++
		if o == upTo {
			break
		}
	}
	return w + theme.Padding()*float32(max(n-1, 0))
}

// shown is the alternative the row shows now.
func (r *toolRow) shown() fyne.CanvasObject {
	if r.wide.Visible() {
		return r.wide
	}
	return r.narrow
}

func (r *toolRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		if o == r.wide || o == r.narrow || o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(r.width(objects, r.shown(), nil), h)
}

func (r *toolRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	room := size.Width
	if r.scroll != nil && r.scroll.Size().Width > 0 {
		room = r.scroll.Size().Width // what is in sight, not the row's length
	}
	show, hide := r.narrow, r.wide
	if r.width(objects, r.wide, r.last) <= room {
		show, hide = r.wide, r.narrow
	}
	flipped := !show.Visible() || hide.Visible()
	if hide.Visible() {
		hide.Hide()
	}
	if !show.Visible() {
		show.Show()
	}
	x := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		o.Move(fyne.NewPos(x, (size.Height-m.Height)/2))
		o.Resize(m)
		x += m.Width + theme.Padding()
	}
	if flipped && r.scroll != nil {
		r.scroll.Refresh() // the row's length changed with the alternative
	}
}

// typedKey handles the wall's keys wherever the focus is: the canvas gives
// them here when nothing is focused, the tiles pass on those they do not use.
func (win *window) typedKey(e *fyne.KeyEvent) {
	if win.dialogOpen() {
		return // the keys are the dialog's
	}
	if win.shortcutKey(e) {
		win.updateStatus()
		return
	}
	switch e.Name {
	case fyne.KeyPageUp:
		win.wall.PrevPage()
	case fyne.KeyPageDown:
		win.wall.NextPage()
	case fyne.KeyEscape:
		if m := win.wall.Maximised(); m != "" {
			win.wall.ToggleMaximise(m)
		}
	}
	win.updateStatus()
}
