package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/audio"
)

// speakerHover is a speaker tile's hover statistics, as a camera tile's:
// the levels sent and heard and, while a call runs, the echo canceller's
// ERLE.
type speakerHover struct {
	label   *widget.Label
	hovered bool
	text    string
}

func newSpeakerHover() speakerHover {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return speakerHover{label: l}
}

// update sets the text from the levels and the control's ERLE.
func (h *speakerHover) update(sent, heard audio.Level, ctrl any) {
	h.text = fmt.Sprintf("sent %.0f dBFS  heard %.0f dBFS", max(sent.RMSdBFS, -99), max(heard.RMSdBFS, -99)) + erleText(ctrl)
	h.label.SetText(h.text)
}

// StatsText is the hover text (shown while the pointer is on the tile).
func (t *SpeakerTile) StatsText() string { return t.hover.text }

// MouseIn implements desktop.Hoverable: show the statistics.
func (t *SpeakerTile) MouseIn(*desktop.MouseEvent) {
	t.hover.hovered = true
	t.hover.update(t.ctrl.SentLevel(), t.ctrl.HeardLevel(), t.ctrl)
	t.hover.label.Show()
}

// MouseMoved implements desktop.Hoverable.
func (t *SpeakerTile) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (t *SpeakerTile) MouseOut() {
	t.hover.hovered = false
	t.hover.label.Hide()
}
