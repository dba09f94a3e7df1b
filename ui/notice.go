package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// soundNotice says once, in plain words, what the window's sound devices
// rule out for every tile; "" when nothing.
func soundNotice(snd *sound) string {
	switch {
	case snd == nil || snd.devs == nil:
		return "No sound system: camera sound and talk are off"
	case snd.speaker == nil && snd.mic == nil:
		return "No speaker or microphone: camera sound and talk are off"
	case snd.mic == nil:
		return "No microphone: talk is off"
	case snd.speaker == nil:
		return "No speaker: camera sound is off"
	}
	return ""
}

// soundDetails is the full reason behind soundNotice.
func soundDetails(snd *sound) string {
	why := "unknown"
	if snd != nil && snd.problem != "" {
		why = snd.problem
	}
	return "Reason: " + why + "\n\nChoose other devices in Pre-check… (Devices page), plug a headset in, " +
		"or start Lookout with --audio null to use silent devices."
}

// noticeBar is the status bar's device-wide notice with a Details button.
type noticeBar struct {
	label   *widget.Label
	details *widget.Button
	box     *fyne.Container
	text    string
	more    string
}

func newNoticeBar(parent func() fyne.Window) *noticeBar {
	n := &noticeBar{label: widget.NewLabel("")}
	n.label.Importance = widget.WarningImportance
	n.details = widget.NewButtonWithIcon("Details", theme.InfoIcon(), func() {
		dialog.ShowInformation(n.text, n.more, parent())
	})
	n.details.Importance = widget.LowImportance
	n.box = container.NewHBox(n.label, n.details)
	n.box.Hide()
	return n
}

// set shows text with more on demand, or hides the notice for "".
func (n *noticeBar) set(text, more string) {
	n.text, n.more = text, more
	n.label.SetText(text)
	if text == "" {
		n.box.Hide()
	} else {
		n.box.Show()
	}
}

// soundChanged updates the notice and the tiles after the devices changed.
func (win *window) soundChanged() {
	if text := soundNotice(win.snd); text != "" {
		win.notice.set(text, soundDetails(win.snd))
	} else {
		win.notice.set("", "")
	}
}

// hasSpeaker reports whether camera sound can be heard at all.
func (w *Wall) hasSpeaker() bool { return w.snd != nil && w.snd.speaker != nil }
