package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// layoutPicker is a row of layout buttons; the one in use is highlighted.
type layoutPicker struct {
	buttons  map[string]*widget.Button
	box      *fyne.Container
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
	p.mark(selected)
	return p
}

func (p *layoutPicker) choose(m string) {
	p.mark(m)
	if p.onChange != nil {
		p.onChange(m)
	}
}

// mark highlights the button of layout m.
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
