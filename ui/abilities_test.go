package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
)

// TestTileAudioFollowsTheCamera opens the demo site's cameras from the
// sidebar as a user does, on a desk with a speaker and a microphone. The
// Yard camera, whose webrtc-configs names a microphone and no speaker
// (hardware_capability [1], though its call modes name two-way chat),
// shows no Talk button; the Porch camera, with a speaker and no
// microphone ([2]), shows a Talk button and no speaker (mute) button; the
// Front door camera, which has both, shows both.
func TestTileAudioFollowsTheCamera(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoSiteWindow(t, fyne.NewSize(900, 600), demo.Config{Cameras: 5})
	defer d.close()
	snd := newSound(&wavDevices{dir: t.TempDir()}, "", "", "")
	defer snd.close()
	d.win.snd = snd
	d.win.wall.setSound(snd)
	waitFor(t, "the device lists", d.win.sidebar.Loaded)
	for _, tc := range []struct {
		source, title string
		talk, speaker bool
	}{
		{"demo/cam1", "Front door", true, true},
		{"demo/cam4", "Yard", false, true},
		{"demo/cam5", "Porch", true, false},
	} {
		d.win.openSource(tc.source, tc.title)
		tile := d.win.wall.Tiles()[d.win.wall.index(tc.source)]
		waitFor(t, tc.source+" live", func() bool { return tile.Status().State == session.StateLive && tile.picture.Visible() })
		if tile.TalkVisible() != tc.talk || tile.SpeakerVisible() != tc.speaker {
			t.Errorf("%s: Talk button shown %v, speaker button %v; want %v, %v", tc.source, tile.TalkVisible(), tile.SpeakerVisible(), tc.talk, tc.speaker)
		}
	}
}
