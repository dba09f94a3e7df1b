package ui

import (
	"errors"
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// fakeControl stands in for a session behind a tile. Its talk ends when
// StopTalk is called, as a released session.Talk does.
type fakeControl struct {
	mu      sync.Mutex
	retries int
	w, h    int
	talks   int
	stops   int
	muted   bool
	ended   func(error)
	talkErr error
}

func (f *fakeControl) StartTalk(ended func(error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.talkErr != nil {
		return f.talkErr
	}
	f.talks++
	f.ended = ended
	return nil
}

func (f *fakeControl) ServerReport() (session.ServerReport, bool) {
	return session.ServerReport{}, false
}

func (f *fakeControl) StopTalk() {
	f.mu.Lock()
	f.stops++
	ended := f.ended
	f.ended = nil
	f.mu.Unlock()
	if ended != nil {
		ended(nil)
	}
}

func (f *fakeControl) MicLevel() audio.Level { return audio.Level{RMSdBFS: -30} }
func (f *fakeControl) SetMuted(m bool)       { f.mu.Lock(); f.muted = m; f.mu.Unlock() }

func (f *fakeControl) Retry() { f.mu.Lock(); f.retries++; f.mu.Unlock() }
func (f *fakeControl) Stats() player.Stats {
	return player.Stats{Codec: "H264", Width: 640, Height: 360, FPS: 30, BitrateKbps: 900}
}
func (f *fakeControl) SetOutputSize(w, h int) { f.mu.Lock(); f.w, f.h = w, h; f.mu.Unlock() }

func frame(w, h int, c color.RGBA) *player.Frame {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return &player.Frame{Image: img, SourceWidth: 1280, SourceHeight: 720}
}

func TestTileStates(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{}
	tile := NewTile("Front door", ctrl)
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(400, 240))

	for _, tc := range []struct {
		name      string
		status    session.Status
		phase     string
		retry     bool
		busy      bool
		pictureOn bool
	}{
		{"signaling", session.Status{State: session.StateSignaling}, "signaling", false, true, false},
		{"ice", session.Status{State: session.StateICE}, "ICE", false, true, false},
		{"dtls", session.Status{State: session.StateDTLS}, "DTLS", false, true, false},
		{"waiting", session.Status{State: session.StateWaiting}, "waiting for picture", false, true, false},
		{"live", session.Status{State: session.StateLive}, "", false, false, true},
		{"failed", session.Status{State: session.StateFailed, Err: &session.RemoteError{Op: "token", Code: "1004", Reason: "sign invalid", Err: session.ErrUnauthorized}}, "Sign-in refused", true, false, false},
		{"retrying", session.Status{State: session.StateRetrying, Err: errors.New("camera busy"), RetryAt: time.Now().Add(5 * time.Second)}, "Failed · retrying in 5 s", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile.SetStatus(tc.status)
			if tc.pictureOn {
				tile.SetFrame(frame(320, 180, color.RGBA{R: 200}))
			}
			if got := tile.Phase(); got != tc.phase {
				t.Errorf("phase %q, want %q", got, tc.phase)
			}
			if tile.RetryVisible() != tc.retry {
				t.Errorf("retry visible %v, want %v", tile.RetryVisible(), tc.retry)
			}
			if tile.activity.Visible() != tc.busy {
				t.Errorf("spinner visible %v, want %v", tile.activity.Visible(), tc.busy)
			}
			if tile.picture.Visible() != tc.pictureOn {
				t.Errorf("picture visible %v, want %v", tile.picture.Visible(), tc.pictureOn)
			}
		})
	}

	// Retry is the button a person presses after a failure.
	tile.SetStatus(session.Status{State: session.StateFailed, Err: errors.New("Token not valid")})
	test.Tap(tile.retry)
	if ctrl.retries != 1 {
		t.Fatalf("retry pressed once, control saw %d", ctrl.retries)
	}
}

func TestTileScalesDecoderToItsPixels(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{}
	tile := NewTile("Garage", ctrl)
	w := test.NewTempWindow(t, tile)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(400, 400))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetFrame(frame(64, 36, color.RGBA{G: 200}))
	ctrl.mu.Lock()
	gotW, gotH := ctrl.w, ctrl.h
	ctrl.mu.Unlock()
	// 1280x720 fitted into a 400 wide box keeps 16:9.
	if gotW != 400 || gotH != 224 {
		t.Fatalf("decoder asked for %dx%d, want 400x224", gotW, gotH)
	}
}

func TestTileHoverShowsStats(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Lobby", &fakeControl{})
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	if tile.stats.Visible() {
		t.Fatal("stats visible before hover")
	}
	tile.MouseIn(nil)
	if !tile.stats.Visible() || tile.StatsText() == "" {
		t.Fatal("hover shows no stats")
	}
	want := "640x360 H264  30 fps  900 kbit/s  lost 0  jitter 0 ms"
	if tile.StatsText() != want {
		t.Fatalf("stats %q, want %q", tile.stats.Text, want)
	}
	tile.MouseOut()
	if tile.stats.Visible() {
		t.Fatal("stats still visible after hover")
	}
}

// reportingControl is a fakeControl whose server reports on the stream.
type reportingControl struct {
	fakeControl
	rep session.ServerReport
}

func (r *reportingControl) ServerReport() (session.ServerReport, bool) { return r.rep, true }

func TestTileHoverShowsServerReport(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &reportingControl{rep: session.ServerReport{Status: "PLAYBACK_PROBLEM", Info: "Packets lost", VideoKbps: 685.3, FPS: 30}}
	tile := NewTile("Lobby", ctrl)
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	tile.MouseIn(nil)
	want := "640x360 H264  30 fps  900 kbit/s  lost 0  jitter 0 ms\nserver: PLAYBACK_PROBLEM (Packets lost)  685 kbit/s  30 fps"
	if tile.StatsText() != want {
		t.Fatalf("stats %q, want %q", tile.stats.Text, want)
	}
}

func TestFitSize(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		sw, sh, bw, bh, wantW, wantH int
	}{
		{"wide box", 1280, 720, 800, 300, 532, 300},
		{"tall box", 1280, 720, 320, 400, 320, 180},
		{"no upscale", 640, 360, 1920, 1080, 640, 360},
		{"unknown source", 0, 0, 320, 180, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, h := fitSize(tc.sw, tc.sh, tc.bw, tc.bh)
			if w != tc.wantW || h != tc.wantH {
				t.Fatalf("fitSize = %dx%d, want %dx%d", w, h, tc.wantW, tc.wantH)
			}
		})
	}
}

func TestSpaceOnFocusedTileTalks(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{}
	tile := NewTile("Front door", ctrl)
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(400, 240))
	tile.SetTalk(session.TalkFull, "")
	tile.SetStatus(session.Status{State: session.StateLive})
	if !tile.TalkVisible() || !tile.TalkEnabled() {
		t.Fatal("a two-way device shows no usable Talk button")
	}
	w.Canvas().Focus(tile)
	focused, ok := w.Canvas().Focused().(desktop.Keyable)
	if !ok || focused != tile {
		t.Fatal("the tile does not take key presses when focused")
	}
	// Pressing and releasing Space is what the driver delivers as KeyDown
	// and KeyUp to the focused object.
	focused.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !tile.Talking() || ctrl.talks != 1 {
		t.Fatalf("Space down: talking %v, %d talks started", tile.Talking(), ctrl.talks)
	}
	if !tile.level.Visible() {
		t.Fatal("no mic level bar while talking")
	}
	focused.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace}) // key repeat starts nothing new
	if ctrl.talks != 1 {
		t.Fatalf("key repeat started %d talks", ctrl.talks)
	}
	focused.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	drainUI()
	if tile.Talking() || ctrl.stops != 1 {
		t.Fatalf("Space up: talking %v, %d stops", tile.Talking(), ctrl.stops)
	}
	if tile.level.Visible() {
		t.Fatal("mic level bar still shown after release")
	}
	// Holding the Talk button does the same.
	tile.talkBtn.MouseDown(&desktop.MouseEvent{})
	if !tile.Talking() {
		t.Fatal("holding Talk does not talk")
	}
	tile.talkBtn.MouseUp(&desktop.MouseEvent{})
	drainUI()
	if tile.Talking() || ctrl.talks != 2 || ctrl.stops != 2 {
		t.Fatalf("Talk button: talking %v after release, %d talks, %d stops", tile.Talking(), ctrl.talks, ctrl.stops)
	}
}

func TestTalkButtonFollowsTheDevice(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name            string
		talk            session.Talk
		why             string
		visible, usable bool
		note            string
	}{
		{"listen-only camera", session.TalkNone, "", false, false, ""},
		{"unknown", "", "", false, false, ""},
		{"half duplex", session.TalkHalf, "", true, true, ""},
		{"no microphone", session.TalkFull, "no microphone (alsa: no devices)", true, false, ""}, // said once in the status bar
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile := NewTile("cam", &fakeControl{})
			test.NewTempWindow(t, tile)
			tile.SetStatus(session.Status{State: session.StateLive})
			tile.SetTalk(tc.talk, tc.why)
			if tile.TalkVisible() != tc.visible || tile.TalkEnabled() != tc.usable || tile.TalkNote() != tc.note {
				t.Fatalf("visible %v usable %v note %q; want %v %v %q", tile.TalkVisible(), tile.TalkEnabled(), tile.TalkNote(), tc.visible, tc.usable, tc.note)
			}
			tile.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
			if tile.Talking() && !tc.usable {
				t.Fatal("Space talks although talk is unavailable")
			}
		})
	}
}

func TestTalkRefusedShowsWhy(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{talkErr: errors.New("not connected")}
	tile := NewTile("cam", ctrl)
	test.NewTempWindow(t, tile)
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetTalk(session.TalkFull, "")
	tile.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if tile.Talking() || tile.TalkNote() != "talk failed: not connected" {
		t.Fatalf("talking %v, note %q", tile.Talking(), tile.TalkNote())
	}
}

// TestTalkOnlyWhileTheSessionCarriesIt: a two-way camera's Talk button
// shows while its tile is live or stalled (no pictures, its sound may
// still flow), not while it connects, waits to retry or has failed, where
// it could not be used and, on a 4x4 tile at 1024x640, covered Details;
// a talk under way keeps its button until it ends.
func TestTalkOnlyWhileTheSessionCarriesIt(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{}
	tile := NewTile("cam", ctrl)
	test.NewTempWindow(t, tile)
	tile.SetTalk(session.TalkFull, "")
	retry := session.Status{State: session.StateRetrying, RetryAt: time.Now().Add(time.Minute)}
	for _, step := range []struct {
		st   session.Status
		want bool
	}{
		{session.Status{State: session.StateIdle}, false},
		{session.Status{State: session.StateLive}, true},
		{session.Status{State: session.StateStalled}, true},
		{retry, false},
		{session.Status{State: session.StateFailed}, false},
		{session.Status{State: session.StateLive}, true},
	} {
		tile.SetStatus(step.st)
		if tile.TalkVisible() != step.want {
			t.Fatalf("%v: Talk shown %v, want %v", step.st.State, tile.TalkVisible(), step.want)
		}
	}
	tile.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !tile.Talking() {
		t.Fatal("Space on a live tile does not talk")
	}
	tile.SetStatus(retry)
	if !tile.TalkVisible() {
		t.Fatal("the Talk button went while a talk was under way")
	}
	tile.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	drainUI()
	if tile.Talking() || tile.TalkVisible() {
		t.Fatalf("after the talk: talking %v, Talk shown %v", tile.Talking(), tile.TalkVisible())
	}
	tile.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if tile.Talking() {
		t.Fatal("Space talks on a tile waiting to retry")
	}
}

func TestMuteAndHeard(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &fakeControl{}
	tile := NewTile("cam", ctrl)
	test.NewTempWindow(t, tile)
	tile.SetHeard(true)
	test.Tap(tile.speaker)
	if !tile.Muted() || !ctrl.muted {
		t.Fatal("speaker button does not mute")
	}
	test.Tap(tile.speaker)
	if tile.Muted() || ctrl.muted {
		t.Fatal("speaker button does not unmute")
	}
}
