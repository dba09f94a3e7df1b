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

// toolRow lays its objects out in a row, as an HBox does, with one of two
// alternatives in the place of wide: wide itself when the row has room for
// it, narrow otherwise. Its minimum is the row with narrow, so a small
// window keeps every control of the row in sight where wide alone would
// push the last ones out.
type toolRow struct {
	wide, narrow fyne.CanvasObject
}

// newToolRow is a row of objects in which wide and narrow (both among
// them) take turns.
func newToolRow(wide, narrow fyne.CanvasObject, objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(&toolRow{wide: wide, narrow: narrow}, objects...)
}

// widths is the row's width with wide and with narrow in it.
func (r *toolRow) widths(objects []fyne.CanvasObject) (withWide, withNarrow float32) {
	pad := theme.Padding()
	var rest float32
	n := 0
	for _, o := range objects {
		switch o {
		case r.wide, r.narrow:
			continue
		}
		if o.Visible() {
			rest += o.MinSize().Width
			n++
		}
	}
	rest += pad * float32(n) // n others and the alternative: n gaps
	return rest + r.wide.MinSize().Width, rest + r.narrow.MinSize().Width
}

func (r *toolRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	_, w := r.widths(objects)
	var h float32
	for _, o := range objects {
		if o == r.wide || o.Visible() || o == r.narrow {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(w, h)
}

func (r *toolRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	full, _ := r.widths(objects)
	show, hide := r.narrow, r.wide
	if full <= size.Width {
		show, hide = r.wide, r.narrow
	}
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
		o.Resize(fyne.NewSize(m.Width, m.Height))
		x += m.Width + theme.Padding()
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
