package ui

import (
	"image/color"

	"fyne.io/fyne/v2"

	"github.com/lookout-app/lookout/session"
)

// A speaker tile takes the keyboard like a camera tile: a click focuses
// it, and Space talks. On a push-to-talk speaker (half duplex, send only)
// Space talks while held; on a full-duplex speaker a press starts the call
// and the next press hangs up. Key repeat starts nothing new.

// Tapped focuses the tile.
func (t *SpeakerTile) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(t); c != nil {
		c.Focus(t)
	}
}

// FocusGained implements fyne.Focusable.
func (t *SpeakerTile) FocusGained() {
	t.focused = true
	t.ring.set(focusColor, 2)
}

// FocusLost implements fyne.Focusable; a push-to-talk held with Space ends.
func (t *SpeakerTile) FocusLost() {
	t.focused = false
	if t.spaceHeld && t.dev.Talk != session.TalkFull {
		t.Stop()
	}
	t.spaceHeld = false
	t.ring.set(color.Transparent, 2)
}

// Focused reports whether the tile has the keyboard.
func (t *SpeakerTile) Focused() bool { return t.focused }

// TypedRune implements fyne.Focusable.
func (t *SpeakerTile) TypedRune(rune) {}

// TypedKey implements fyne.Focusable: Delete closes the tile.
func (t *SpeakerTile) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyDelete && t.OnClose != nil {
		t.OnClose()
	}
}

// KeyDown starts talking (push-to-talk) or starts or ends the call.
func (t *SpeakerTile) KeyDown(e *fyne.KeyEvent) {
	if e.Name != fyne.KeySpace || t.spaceHeld {
		return
	}
	t.spaceHeld = true
	if t.dev.Talk == session.TalkFull && t.active {
		t.Stop()
		return
	}
	t.start()
}

// KeyUp releases push-to-talk.
func (t *SpeakerTile) KeyUp(e *fyne.KeyEvent) {
	if e.Name != fyne.KeySpace {
		return
	}
	t.spaceHeld = false
	if t.dev.Talk != session.TalkFull {
		t.Stop()
	}
}
