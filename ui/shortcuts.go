package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// shortcutSheet lists the keyboard shortcuts as the `?` sheet shows them.
var shortcutSheet = [][2]string{
	{"← → ↑ ↓", "move the focus between tiles"},
	{"Enter", "maximise the focused tile, or restore the grid"},
	{"W", "open the focused tile in a window of its own (full screen)"},
	{"Space (hold)", "talk through the focused tile"},
	{"F", "full screen on or off"},
	{"Ctrl+S", "snapshot of the focused tile (PNG; its path is copied)"},
	{"Ctrl+R", "start or stop recording the focused tile"},
	{"Ctrl+Shift+S", "save a clip of the focused tile: the last 10 s and the next 20 s"},
	{"Ctrl+← / Ctrl+→", "move the focused tile"},
	{"Page Up / Page Down", "previous or next page of tiles"},
	{"Delete", "take the focused tile off the wall"},
	{"Ctrl+Z", "put back the tile taken off last"},
	{"Esc", "restore the grid from a maximised tile"},
	{"Ctrl+P", "pre-check: devices, codecs and each account's network"},
	{"Ctrl+1 … Ctrl+9", "show the first nine views"},
	{"Mouse wheel / drag", "zoom into a tile / pan it; Ctrl+double-click: whole picture"},
	{"?", "this sheet"},
}

// passRune hands a typed character to the window's handler.
func passRune(t *Tile, r rune) {
	if c := canvasOf(t); c != nil && c.OnTypedRune() != nil {
		c.OnTypedRune()(r)
	}
}

func canvasOf(o fyne.CanvasObject) fyne.Canvas {
	if a := fyne.CurrentApp(); a != nil {
		return a.Driver().CanvasForObject(o)
	}
	return nil
}

// installShortcuts adds the window's shortcuts to its canvas.
func (win *window) installShortcuts() {
	c := win.w.Canvas()
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl},
		func() { win.onFocused(win.snapshot) })
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierControl},
		func() { win.onFocused(win.toggleRecord) })
	c.SetOnTypedRune(func(r rune) {
		if r == '?' && !win.dialogOpen() {
			win.showShortcuts()
		}
	})
}

// shortcut adds a wall shortcut to the window's canvas: it acts only while
// no dialog is open over the wall.
func (win *window) shortcut(s fyne.Shortcut, f func()) {
	win.w.Canvas().AddShortcut(s, func(fyne.Shortcut) {
		if !win.dialogOpen() {
			f()
		}
	})
}

// dialogOpen reports whether a dialog (or any pop-up) is open over the
// wall: the wall's keys are then the dialog's, typed outside an entry or
// not.
func (win *window) dialogOpen() bool { return win.w.Canvas().Overlays().Top() != nil }

// backToWall gives the keyboard back to the wall after a toolbar control
// took it: to the tile the user chose last when it shows, else to the
// window (whose keys are the wall's). Nothing moves while a dialog is open.
func (win *window) backToWall() {
	if win.wall == nil || win.dialogOpen() {
		return
	}
	c := win.w.Canvas()
	if e := win.wall.focused; e != nil && slices.Contains(win.wall.visible(), e) {
		if f, ok := e.object().(fyne.Focusable); ok {
			if c.Focused() != f {
				c.Focus(f)
			}
			return
		}
	}
	c.Unfocus()
}

// onFocused runs f on the focused tile (the first visible one if none is).
func (win *window) onFocused(f func(source string, t *Tile)) {
	if e := win.focusedEntry(); e != nil {
		f(e.source, e.tile)
	}
}

func (win *window) focusedEntry() *wallEntry {
	if win.wall == nil {
		return nil
	}
	if e := win.wall.focused; e != nil && win.wall.index(e.source) >= 0 {
		return e
	}
	if vis := win.wall.visible(); len(vis) > 0 {
		return vis[0]
	}
	return nil
}

// shortcutKey handles the window's plain keys (arrows, Enter, F, W); it
// reports whether it did.
func (win *window) shortcutKey(e *fyne.KeyEvent) bool {
	switch e.Name {
	case fyne.KeyF:
		win.w.SetFullScreen(!win.w.FullScreen())
	case fyne.KeyLeft:
		win.moveFocus(-1, 0)
	case fyne.KeyRight:
		win.moveFocus(1, 0)
	case fyne.KeyUp:
		win.moveFocus(0, -1)
	case fyne.KeyDown:
		win.moveFocus(0, 1)
	case fyne.KeyReturn, fyne.KeyEnter:
		if f := win.focusedEntry(); f != nil {
			win.wall.ToggleMaximise(f.source)
		}
	case fyne.KeyW:
		if f := win.focusedEntry(); f != nil {
			win.tileWindowAsked(f.source) // windows.go
		}
	default:
		return false
	}
	return true
}

// moveFocus focuses the tile dx columns and dy rows away from the focused
// one, on the page shown.
func (win *window) moveFocus(dx, dy int) {
	if win.wall == nil {
		return
	}
	vis := win.wall.visible()
	if len(vis) == 0 {
		return
	}
	cur := -1
	for i, e := range vis {
		if e == win.wall.focused {
			cur = i
		}
	}
	next := 0
	if cur >= 0 {
		cols := win.wall.columns(len(vis))
		next = cur + dx + dy*cols
		if next < 0 || next >= len(vis) {
			return
		}
	}
	win.w.Canvas().Focus(vis[next].tile)
}

// showShortcuts opens the sheet of keyboard shortcuts.
func (win *window) showShortcuts() {
	grid := container.NewGridWithColumns(2)
	for _, s := range shortcutSheet {
		k := widget.NewLabel(s[0])
		k.TextStyle = fyne.TextStyle{Bold: true}
		grid.Add(k)
		grid.Add(widget.NewLabel(s[1]))
	}
	d := dialog.NewCustom("Keyboard shortcuts", "Close", grid, win.w)
	win.extra.sheet = d
	d.Show()
}
