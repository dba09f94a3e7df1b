package ui

import (
	"errors"
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// fakeControl stands in for a session behind a tile.
type fakeControl struct {
	mu      sync.Mutex
	retries int
	w, h    int
}

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
		{"failed", session.Status{State: session.StateFailed, Err: &session.RemoteError{Op: "token", Code: "1004", Reason: "sign invalid", Err: session.ErrUnauthorized}}, "sign invalid", true, false, false},
		{"retrying", session.Status{State: session.StateRetrying, Err: errors.New("camera busy"), RetryAt: time.Now().Add(5 * time.Second)}, "camera busy\nretrying in 5s", true, false, false},
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
	if !tile.stats.Visible() || tile.stats.Text == "" {
		t.Fatal("hover shows no stats")
	}
	want := "640x360 H264  30 fps  900 kbit/s  lost 0  jitter 0 ms"
	if tile.stats.Text != want {
		t.Fatalf("stats %q, want %q", tile.stats.Text, want)
	}
	tile.MouseOut()
	if tile.stats.Visible() {
		t.Fatal("stats still visible after hover")
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
