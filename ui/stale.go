package ui

import (
	"image/color"

	"fyne.io/fyne/v2/canvas"

	"github.com/lookout-app/lookout/session"
)

// A tile whose picture stopped (the session's media watchdog, a hang-up, a
// retry) keeps its last picture dimmed under the reason, with the time it
// stopped: an old picture is never shown as if it were live.

// dimColor darkens the old picture enough that it cannot pass for live.
var dimColor = color.NRGBA{R: 0x12, G: 0x14, B: 0x18, A: 0xc0}

func newDim() *canvas.Rectangle {
	r := canvas.NewRectangle(dimColor)
	r.Hide()
	return r
}

// staleLine is what a tile says about its last picture once it stopped
// moving, or "" while live or before any picture.
func staleLine(st session.Status) string {
	if st.State == session.StateLive || st.LastPicture.IsZero() {
		return ""
	}
	return "no picture since " + st.LastPicture.Format("15:04:05")
}

// showStale dims the last picture in every state but live (phaseText
// names its time, under the short line, also as the countdown ticks).
func (t *Tile) showStale(st session.Status) {
	if st.State == session.StateLive {
		t.dim.Hide()
		return
	}
	line := staleLine(st)
	if line == "" || !t.hasPicture {
		t.dim.Hide()
		t.picture.Hide()
		return
	}
	t.picture.Show()
	t.dim.Show()
}

// Stale reports whether the tile shows an old picture, dimmed.
func (t *Tile) Stale() bool { return t.dim.Visible() && t.picture.Visible() }
