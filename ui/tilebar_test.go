package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
)

func TestTileButtonsFollowTheState(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name          string
		state         session.State
		sound         bool
		max, speaker  bool
		retryShown    bool
		phaseContains string
	}{
		{"live with sound", session.StateLive, true, true, true, false, ""},
		{"live, no sound system", session.StateLive, false, true, false, false, ""},
		{"connecting", session.StateSignaling, true, true, true, false, "signaling"},
		{"failed", session.StateFailed, true, false, false, true, "refused"},
		{"retrying", session.StateRetrying, true, false, false, true, "retrying in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile := NewTile("Front door", &fakeControl{})
			w := test.NewTempWindow(t, tile)
			w.Resize(fyne.NewSize(400, 300))
			tile.SetSoundShown(tc.sound)
			st := session.Status{State: tc.state}
			if tc.state == session.StateFailed || tc.state == session.StateRetrying {
				st.Err = &session.RemoteError{Reason: "refused", Err: session.ErrUnauthorized}
				st.RetryAt = time.Now().Add(5 * time.Second)
			}
			tile.SetStatus(st)
			if tile.MaximiseVisible() != tc.max || tile.SpeakerVisible() != tc.speaker || tile.RetryVisible() != tc.retryShown {
				t.Fatalf("maximise %v speaker %v retry %v; want %v %v %v", tile.MaximiseVisible(), tile.SpeakerVisible(),
					tile.RetryVisible(), tc.max, tc.speaker, tc.retryShown)
			}
			if !strings.Contains(tile.Phase(), tc.phaseContains) {
				t.Fatalf("phase %q", tile.Phase())
			}
		})
	}
}

func TestTitleBarAbovePicture(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("A camera with a very long name indeed, longer than the tile", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(300, 200))
	tile.Refresh()
	if y := tile.picture.Position().Y; y != barHeight {
		t.Fatalf("picture starts at y=%v, want below the %d-point title bar", y, barHeight)
	}
	if tile.titleBG.Size().Height != barHeight || tile.titleBG.Size().Width != tile.Size().Width {
		t.Fatalf("title backing %v", tile.titleBG.Size())
	}
	titleEnd := tile.title.Position().X + tile.title.MinSize().Width
	if !strings.HasSuffix(tile.title.Text, "…") || titleEnd > tile.maxBtn.Position().X {
		t.Fatalf("title %q ends at %v, buttons start at %v", tile.title.Text, titleEnd, tile.maxBtn.Position().X)
	}
}

func TestRetryCountdownTicks(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("cam", &fakeControl{})
	test.NewTempWindow(t, tile)
	away := &session.RemoteError{Op: "whep", Code: "404", Reason: "stream not found", Err: session.ErrNotFound}
	tile.SetStatus(session.Status{State: session.StateRetrying, Err: away, Wait: session.WaitAway, RetryAt: time.Now().Add(2500 * time.Millisecond)})
	if got := tile.Phase(); got != "Publisher away · retrying in 3 s" {
		t.Fatalf("phase %q", got)
	}
	waitFor(t, "the countdown to tick", func() bool { return strings.HasSuffix(tile.Phase(), "retrying in 2 s") })
	waitFor(t, "the countdown to reach 1 s", func() bool { return strings.HasSuffix(tile.Phase(), "retrying in 1 s") })
	waitFor(t, "the wait to end", func() bool { return strings.HasSuffix(tile.Phase(), "retrying…") })
	if tile.counting {
		t.Fatal("the countdown goes on ticking after the wait is over")
	}
	tile.SetStatus(session.Status{State: session.StateRetrying, Err: away, Wait: session.WaitAway, RetryAt: time.Now().Add(time.Hour)})
	tile.SetStatus(session.Status{State: session.StateSignaling})
	if tile.counting {
		t.Fatal("the countdown runs on after the state changed")
	}
}

// TestRetrySaysThePolicy: the tile words each retry policy, never
// "retrying in 0 s".
func TestRetrySaysThePolicy(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		st   session.Status
		want string
	}{
		{"publisher away", session.Status{State: session.StateRetrying, Wait: session.WaitAway,
			Err: &session.RemoteError{Reason: "stream not found", Err: session.ErrNotFound}, RetryAt: now.Add(11200 * time.Millisecond)},
			"Publisher away · retrying in 12 s"},
		{"credentials", session.Status{State: session.StateRetrying, Wait: session.WaitCredentials,
			Err: &session.RemoteError{Reason: "sign invalid", Err: session.ErrUnauthorized}, RetryAt: now.Add(4*time.Minute + 10*time.Second)},
			"Credentials refused · renewing in 4:10"},
		{"codec", session.Status{State: session.StateRetrying, Wait: session.WaitCodec,
			Err: session.ErrUnsupportedCodec, RetryAt: now.Add(65 * time.Second)},
			"No common codec · retrying in 1:05"},
		{"offline", session.Status{State: session.StateRetrying, Wait: session.WaitOffline,
			Err: &session.RemoteError{Reason: "device is offline", Err: session.ErrOffline}, RetryAt: now.Add(25 * time.Second)},
			"Device offline · checking again in 25 s"},
		{"other", session.Status{State: session.StateRetrying, Wait: session.WaitFailure,
			Err: session.ErrBusy, RetryAt: now.Add(1500 * time.Millisecond)},
			"Busy · retrying in 2 s"},
		{"over", session.Status{State: session.StateRetrying, Wait: session.WaitFailure,
			Err: session.ErrBusy, RetryAt: now.Add(-time.Millisecond)},
			"Busy · retrying…"},
		{"just over", session.Status{State: session.StateRetrying, Wait: session.WaitFailure,
			Err: session.ErrBusy, RetryAt: now},
			"Busy · retrying…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryText(tc.st, now); got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}

func TestUndoAfterRemove(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	for _, id := range []string{"c1", "c2", "c3"} {
		win.wall.Add("acc/"+id, "Cam "+id)
	}
	for _, how := range []string{"Delete key and Undo button", "close button and Ctrl+Z"} {
		t.Run(how, func(t *testing.T) {
			tile := win.wall.Tiles()[1]
			if how == "Delete key and Undo button" {
				win.w.Canvas().Focus(tile)
				press(win.w.Canvas(), fyne.KeyDelete)
			} else {
				test.Tap(tile.closeBtn)
			}
			if got := strings.Join(win.wall.Sources(), " "); got != "acc/c1 acc/c3" {
				t.Fatalf("after removal %s", got)
			}
			if !win.undoBar.box.Visible() || !strings.Contains(win.undoBar.label.Text, "Removed Cam c2") {
				t.Fatalf("undo offer %v %q", win.undoBar.box.Visible(), win.undoBar.label.Text)
			}
			if how == "Delete key and Undo button" {
				test.Tap(win.undoBar.btn)
			} else {
				win.undo() // what the Ctrl+Z shortcut runs
			}
			if got := strings.Join(win.wall.Sources(), " "); got != "acc/c1 acc/c2 acc/c3" || win.undoBar.box.Visible() {
				t.Fatalf("after undo %s (offer still shown %v)", got, win.undoBar.box.Visible())
			}
		})
	}
	if win.wall.Undo() {
		t.Fatal("a second undo did something")
	}
}

// noMic is a sound system with a speaker and no microphone.
type noMic struct{ wavDevices }

func (d *noMic) Devices() (capture, playback []audio.DeviceInfo, err error) {
	_, playback, err = d.wavDevices.Devices()
	return nil, playback, err
}

func TestSoundProblemSaidOnce(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name    string
		snd     func(t *testing.T) *sound
		notice  string
		speaker bool
	}{
		{"no sound system", func(*testing.T) *sound { return newSound(nil, "miniaudio: no backend", "", "") },
			"No sound system: camera sound and talk are off", false},
		{"no microphone", func(t *testing.T) *sound { return newSound(&noMic{wavDevices{dir: t.TempDir()}}, "", "", "") },
			"No microphone: talk is off", true},
		{"all there", func(t *testing.T) *sound { return newSound(&wavDevices{dir: t.TempDir()}, "", "", "") }, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := &fakeOpener{opened: map[string]session.Quality{}}
			win := newTestWindow(t, op, nil)
			snd := tc.snd(t)
			defer snd.close()
			win.snd = snd
			win.wall.setSound(snd)
			win.soundChanged()
			for _, id := range []string{"c1", "c2"} {
				win.wall.Add("acc/"+id, id)
				win.wall.SetTalk("acc/"+id, session.TalkFull)
			}
			shown := ""
			if win.notice.box.Visible() {
				shown = win.notice.label.Text
			}
			if shown != tc.notice {
				t.Fatalf("notice %q, want %q", shown, tc.notice)
			}
			for _, tile := range win.wall.Tiles() {
				if tile.TalkNote() != "" || tile.SpeakerVisible() != tc.speaker {
					t.Fatalf("tile note %q, speaker shown %v", tile.TalkNote(), tile.SpeakerVisible())
				}
			}
		})
	}
}
