package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
)

// TestNoTalkButtonWithoutSpeaker opens the demo site's cameras from the
// sidebar as a user does: the Yard camera, whose webrtc-configs names a
// microphone and no speaker (hardware_capability [1], though its call
// modes name two-way chat), shows no Talk button; the Front door camera,
// which has a speaker, shows one.
func TestNoTalkButtonWithoutSpeaker(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	waitFor(t, "the device lists", d.win.sidebar.Loaded)
	for _, tc := range []struct {
		source, title string
		talk          bool
	}{
		{"demo/cam1", "Front door", true},
		{"demo/cam4", "Yard", false},
	} {
		d.win.openSource(tc.source, tc.title)
		tile := d.win.wall.Tiles()[d.win.wall.index(tc.source)]
		waitFor(t, tc.source+" live", func() bool { return tile.Status().State == session.StateLive && tile.picture.Visible() })
		if tile.TalkVisible() != tc.talk {
			t.Fatalf("%s: Talk button shown %v, want %v", tc.source, tile.TalkVisible(), tc.talk)
		}
	}
}
