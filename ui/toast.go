package ui

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// How long a toast stays, then how long it takes to fade.
var (
	toastStay = 4 * time.Second
	toastFade = 600 * time.Millisecond
)

var toastColor = color.NRGBA{R: 0x20, G: 0x22, B: 0x26, A: 0xe6}

// toast is a short message at the foot of a tile's picture saying that a
// file was saved: its name, its folder, and *Open folder*. It stays
// toastStay, then fades; a newer one replaces it. Call it on the Fyne
// goroutine.
type toast struct {
	bg     *canvas.Rectangle
	title  *canvas.Text // "Snapshot saved"
	name   *canvas.Text
	where  *canvas.Text
	open   *widget.Button
	box    *fyne.Container
	dir    string
	full   [3]string // the lines uncut: what was saved, the file, its folder
	gen    int       // the toast shown; the timer of an older one does nothing
	timer  *time.Timer
	fading *fyne.Animation
	// onOpen opens a folder in the desktop's file manager.
	onOpen func(dir string)
}

func newToast() *toast {
	ts := &toast{bg: canvas.NewRectangle(toastColor)}
	ts.bg.CornerRadius = 6
	ts.title = canvas.NewText("", color.White)
	ts.title.TextStyle = fyne.TextStyle{Bold: true}
	ts.title.TextSize = theme.TextSize() * 0.9
	ts.name = canvas.NewText("", color.White)
	ts.name.TextSize = theme.TextSize() * 0.85
	ts.where = canvas.NewText("", color.NRGBA{R: 0xd0, G: 0xd0, B: 0xd0, A: 0xff})
	ts.where.TextSize = theme.TextSize() * 0.85
	ts.open = widget.NewButtonWithIcon("Open folder", theme.FolderOpenIcon(), func() {
		if ts.onOpen != nil && ts.dir != "" {
			ts.onOpen(ts.dir)
		}
	})
	ts.open.Importance = widget.LowImportance
	ts.box = container.NewWithoutLayout(ts.bg, ts.title, ts.name, ts.where, ts.open) // placed by layout
	ts.box.Hide()
	return ts
}

// show says that what (a snapshot, a recording) was saved at path.
func (ts *toast) show(what, path string) {
	ts.gen++
	gen := ts.gen
	if ts.timer != nil {
		ts.timer.Stop()
	}
	if ts.fading != nil {
		ts.fading.Stop()
		ts.fading = nil
	}
	ts.dir = filepath.Dir(path)
	ts.full = [3]string{what + " saved", filepath.Base(path), "in " + homeRelative(ts.dir)}
	ts.title.Text, ts.name.Text, ts.where.Text = ts.full[0], ts.full[1], ts.full[2]
	ts.setAlpha(1)
	ts.open.Show()
	ts.box.Show()
	ts.box.Refresh()
	ts.timer = time.AfterFunc(toastStay, func() { do(func() { ts.fade(gen) }) })
}

// fade fades the toast gen out, unless a newer one replaced it.
func (ts *toast) fade(gen int) {
	if gen != ts.gen || !ts.box.Visible() {
		return
	}
	ts.open.Hide() // a button cannot fade; it is not offered while fading
	ts.fading = fyne.NewAnimation(toastFade, func(p float32) {
		if gen != ts.gen {
			return
		}
		ts.setAlpha(1 - p)
		if p >= 1 {
			ts.box.Hide()
			ts.fading = nil
		}
		ts.box.Refresh()
	})
	ts.fading.Start()
}

// setAlpha sets the toast's opacity, 0 to 1.
func (ts *toast) setAlpha(a float32) {
	scale := func(c color.Color, full uint8) color.NRGBA {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		n.A = uint8(float32(full) * a)
		return n
	}
	ts.bg.FillColor = scale(ts.bg.FillColor, toastColor.A)
	ts.title.Color = scale(ts.title.Color, 0xff)
	ts.name.Color = scale(ts.name.Color, 0xff)
	ts.where.Color = scale(ts.where.Color, 0xff)
}

// stop hides the toast and stops its timer (the tile goes away).
func (ts *toast) stop() {
	ts.gen++
	if ts.timer != nil {
		ts.timer.Stop()
	}
	if ts.fading != nil {
		ts.fading.Stop()
		ts.fading = nil
	}
	ts.box.Hide()
}

// shown reports whether the toast shows.
func (ts *toast) shown() bool { return ts.box.Visible() }

// layout places the toast near the foot of a tile of size: three lines
// (what was saved, the file, its folder) with Open folder at their right,
// or under them in a tile too narrow for both; as wide as its text up to
// the tile's width, a line too long for it cut in its middle with "…".
func (ts *toast) layout(size fyne.Size) {
	pad := theme.Padding()
	btn := ts.open.MinSize()
	measure := func(t *canvas.Text) fyne.Size { return fyne.MeasureText(t.Text, t.TextSize, t.TextStyle) }
	ts.title.Text, ts.name.Text, ts.where.Text = ts.full[0], ts.full[1], ts.full[2]
	textW := max(measure(ts.title).Width, measure(ts.name).Width, measure(ts.where).Width)
	outer := size.Width - 2*pad // the most the toast may take
	side := 2*pad+textW+2*pad+btn.Width+2*pad <= outer || outer >= 2*(btn.Width+4*pad)
	room := outer - 4*pad
	if side {
		room -= btn.Width + 2*pad
	}
	for i, t := range []*canvas.Text{ts.title, ts.name, ts.where} {
		t.Text = fitMiddle(ts.full[i], t.TextSize, t.TextStyle, room)
	}
	textW = max(measure(ts.title).Width, measure(ts.name).Width, measure(ts.where).Width)
	y := 2 * pad
	for _, t := range []*canvas.Text{ts.title, ts.name, ts.where} {
		t.Move(fyne.NewPos(2*pad, y))
		y += measure(t).Height
	}
	textH := y - 2*pad
	var w, h float32
	if side {
		w = 2*pad + textW + 2*pad + btn.Width + 2*pad
		h = 4*pad + max(textH, btn.Height)
		ts.open.Move(fyne.NewPos(w-2*pad-btn.Width, (h-btn.Height)/2))
	} else {
		w = 4*pad + max(textW, btn.Width)
		h = 2*pad + textH + pad + btn.Height + 2*pad
		ts.open.Move(fyne.NewPos(2*pad, 2*pad+textH+pad))
	}
	w = min(w, outer)
	ts.open.Resize(btn)
	ts.bg.Resize(fyne.NewSize(w, h))
	ts.box.Resize(fyne.NewSize(w, h))
	// At the left, above the foot line where the hover stats show, clear
	// of the talk button at the right when the tile is wide enough.
	ts.box.Move(fyne.NewPos(pad, size.Height-h-4*pad-theme.TextSize()))
}

// fitMiddle cuts s in its middle with "…" until it fits width, keeping its
// end (a file's extension) in sight.
func fitMiddle(s string, size float32, style fyne.TextStyle, width float32) string {
	if width <= 0 || fyne.MeasureText(s, size, style).Width <= width {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		left := (n + 1) / 2
		t := string(r[:left]) + "…" + string(r[len(r)-(n-left):])
		if fyne.MeasureText(t, size, style).Width <= width {
			return t
		}
	}
	return "…"
}

// homeRelative writes a folder under the home folder as ~/….
func homeRelative(dir string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return dir
	}
	if rel, err := filepath.Rel(home, dir); err == nil && !strings.HasPrefix(rel, "..") {
		if rel == "." {
			return "~"
		}
		return filepath.Join("~", rel)
	}
	return dir
}
