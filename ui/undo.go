package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
)

// removal is the last tile taken off the wall, kept for Undo.
type removal struct {
	source, title string
	index         int
	talk          session.Talk
}

// Undo puts the last removed tile back in its place and reports whether
// there was one.
func (w *Wall) Undo() bool {
	r := w.lastRemoved
	if r == nil {
		return false
	}
	w.lastRemoved = nil
	if w.index(r.source) >= 0 {
		return false
	}
	w.Add(r.source, r.title)
	w.SetTalk(r.source, r.talk)
	w.moveTo(r.source, r.index)
	return true
}

// undoFor is how long the status bar offers Undo after a removal.
const undoFor = 10 * time.Second

// undoBar offers to put a removed tile back.
type undoBar struct {
	label *widget.Label
	btn   *widget.Button
	box   *fyne.Container
	timer *time.Timer
}

func newUndoBar(undo func()) *undoBar {
	u := &undoBar{label: widget.NewLabel("")}
	u.btn = widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), undo)
	u.box = container.NewHBox(u.label, u.btn)
	u.box.Hide()
	return u
}

// offer shows "Removed <title>" with Undo for a while.
func (u *undoBar) offer(title string) {
	u.label.SetText("Removed " + title + " (Ctrl+Z)")
	u.box.Show()
	if u.timer != nil {
		u.timer.Stop()
	}
	var timer *time.Timer
	timer = time.AfterFunc(undoFor, func() {
		do(func() {
			if u.timer == timer {
				u.hide()
			}
		})
	})
	u.timer = timer
}

func (u *undoBar) hide() {
	if u.timer != nil {
		u.timer.Stop()
		u.timer = nil
	}
	u.box.Hide()
}

// undo puts the last removed tile back.
func (win *window) undo() {
	win.undoBar.hide()
	if win.wall.Undo() {
		win.updateStatus()
	}
}
