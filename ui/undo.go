package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	model "github.com/lookout-app/lookout/session/wall"
)

// Undo puts the last tile the user removed back in its place while its
// Undo is offered (the wall model's Undo: for model.UndoFor), and reports
// whether there was one. A room's member tile comes back as the room's
// while the room is open; a closed room comes back with its members.
func (w *Wall) Undo() bool {
	r, ok := w.undo.Take(w.now())
	if !ok || w.index(r.Source) >= 0 {
		return false
	}
	if g := w.roomOpen(r.Room); g != nil && w.index(r.Room) >= 0 {
		if !g.room.Restore(r.Source) {
			return false // the member left the room meanwhile
		}
		e := w.add(r.Source, r.Title, false)
		e.room, e.member = r.Room, r.Member
		e.talk = r.Talk
		e.tile.SetTalk(r.Talk, w.talkWhy())
		w.placeRoom(r.Room, g.room.Order())
		w.apply()
		w.changed()
		return true
	}
	w.Add(r.Source, r.Title)
	w.SetTalk(r.Source, r.Talk)
	w.moveTo(r.Source, r.Index)
	return true
}

// Undoable reports whether a removal is on offer now.
func (w *Wall) Undoable() bool {
	_, ok := w.undo.Offered(w.now())
	return ok
}

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
	timer = time.AfterFunc(model.UndoFor, func() {
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
