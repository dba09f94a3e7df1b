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
	name   *canvas.Text
	where  *canvas.Text
	open   *widget.Button
	box    *fyne.Container
	dir    string
	full   [2]string // the name's and the folder's lines, uncut
	gen    int // the toast shown; the timer of an older one does nothing
	timer  *time.Timer
	fading *fyne.Animation
	// onOpen opens a folder in the desktop's file manager.
	onOpen func(dir string)
}

func newToast() *toast {
	ts := &toast{bg: canvas.NewRectangle(toastColor)}
	ts.bg.CornerRadius = 6
	ts.name = canvas.NewText("", color.White)
	ts.name.TextStyle = fyne.TextStyle{Bold: true}
	ts.name.TextSize = theme.TextSize() * 0.9
	ts.where = canvas.NewText("", color.NRGBA{R: 0xd0, G: 0xd0, B: 0xd0, A: 0xff})
	ts.where.TextSize = theme.TextSize() * 0.85
	ts.open = widget.NewButtonWithIcon("Open folder", theme.FolderOpenIcon(), func() {
		if ts.onOpen != nil && ts.dir != "" {
			ts.onOpen(ts.dir)
		}
	})
	ts.open.Importance = widget.LowImportance
	text := container.NewVBox(ts.name, ts.where)
	ts.box = container.NewStack(ts.bg, container.NewPadded(container.NewBorder(nil, nil, nil, container.NewCenter(ts.open), text)))
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
	ts.full = [2]string{what + " saved: " + filepath.Base(path), "in " + homeRelative(ts.dir)}
	ts.name.Text, ts.where.Text = ts.full[0], ts.full[1]
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

// layout places the toast at the foot of a tile of size, as wide as its
// text up to the tile's width; a name too long for it is cut with "…".
func (ts *toast) layout(size fyne.Size) {
	pad := theme.Padding()
	btn := ts.open.MinSize()
	room := size.Width - 2*pad - btn.Width - 4*pad
	ts.name.Text = fitMiddle(ts.full[0], ts.name.TextSize, ts.name.TextStyle, room)
	ts.where.Text = fitMiddle(ts.full[1], ts.where.TextSize, ts.where.TextStyle, room)
	min := ts.box.MinSize()
	w := min.Width
	if w > size.Width-2*pad {
		w = size.Width - 2*pad
	}
	ts.box.Resize(fyne.NewSize(w, min.Height))
	ts.box.Move(fyne.NewPos((size.Width-w)/2, size.Height-min.Height-2*pad))
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
