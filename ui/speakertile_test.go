package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/een"
	"github.com/lookout-app/lookout/session/tuya"
)

// fakeSpeakerCtrl stands in for the sessions behind a speaker tile.
type fakeSpeakerCtrl struct {
	mu       sync.Mutex
	starts   int
	stops    int
	ended    func(error)
	startErr error
}

func (f *fakeSpeakerCtrl) Start(_ func(session.Status), ended func(error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return f.startErr
	}
	f.starts++
	f.ended = ended
	return nil
}

func (f *fakeSpeakerCtrl) Stop() {
	f.mu.Lock()
	f.stops++
	ended := f.ended
	f.ended = nil
	f.mu.Unlock()
	if ended != nil {
		ended(nil)
	}
}

func (f *fakeSpeakerCtrl) Remaining() (time.Duration, bool) {
	return 9*time.Minute + 30*time.Second, true
}
func (f *fakeSpeakerCtrl) SentLevel() audio.Level  { return audio.Level{RMSdBFS: -20} }
func (f *fakeSpeakerCtrl) HeardLevel() audio.Level { return audio.Level{RMSdBFS: -30} }

func TestSpeakerTileModes(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name  string
		dev   session.Device
		mode  string
		call  bool
		heard bool
	}{
		{"half duplex", session.Device{ID: "lobby", Type: session.TypeSpeaker, Talk: session.TalkHalf}, "half duplex · push to talk", false, false},
		{"full duplex", session.Device{ID: "gate", Type: session.TypeSpeaker, Talk: session.TalkFull}, "full duplex · call", true, true},
		{"send only", session.Device{ID: "dock", Type: session.TypeSpeaker, Talk: session.TalkHalf, SendOnly: true}, "send only · push to talk", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctrl := &fakeSpeakerCtrl{}
			tile := NewSpeakerTile(tc.dev.ID, tc.dev, ctrl)
			test.NewTempWindow(t, tile)
			if tile.Mode() != tc.mode || tile.CallVisible() != tc.call || tile.HeardVisible() != tc.heard {
				t.Fatalf("mode %q call %v heard %v", tile.Mode(), tile.CallVisible(), tile.HeardVisible())
			}
			if tc.call {
				test.Tap(tile.callBtn)
				if !tile.Active() || ctrl.starts != 1 || tile.callBtn.Text != "Hang up" {
					t.Fatalf("after Call: active %v starts %d button %q", tile.Active(), ctrl.starts, tile.callBtn.Text)
				}
				tile.showStatus(session.Status{State: session.StateLive})
				waitFor(t, "the meters and the time left", func() bool {
					return tile.SentLevel() > 0 && tile.HeardLevel() > 0 && strings.Contains(tile.StatusText(), "9m30s left")
				})
				test.Tap(tile.callBtn) // hang up
				drainUI()
				if tile.Active() || ctrl.stops != 1 || tile.callBtn.Text != "Call" || tile.StatusText() != "ready" {
					t.Fatalf("after Hang up: active %v stops %d button %q status %q", tile.Active(), ctrl.stops, tile.callBtn.Text, tile.StatusText())
				}
				return
			}
			tile.talkBtn.MouseDown(nil)
			if !tile.Active() || ctrl.starts != 1 {
				t.Fatalf("holding Talk: active %v starts %d", tile.Active(), ctrl.starts)
			}
			waitFor(t, "the sent meter", func() bool { return tile.SentLevel() > 0 })
			tile.talkBtn.MouseUp(nil)
			drainUI()
			if tile.Active() || ctrl.stops != 1 || tile.StatusText() != "ready" {
				t.Fatalf("released Talk: active %v stops %d status %q", tile.Active(), ctrl.stops, tile.StatusText())
			}
		})
	}
	tile := NewSpeakerTile("lobby", session.Device{Talk: session.TalkHalf}, &fakeSpeakerCtrl{startErr: errors.New("no microphone")})
	tile.Press()
	if tile.Active() || tile.StatusText() != "talk failed: no microphone" {
		t.Fatalf("a failed start shows %q (active %v)", tile.StatusText(), tile.Active())
	}
}

// TestTuyaAndEENInTheWindow opens the window on a config with a Tuya and
// an EEN account of the demo site: the sidebar lists the cameras and the
// speakers, the wall holds both kinds of tile, and a call through the
// full-duplex speaker reaches it and meters what comes back.
func TestTuyaAndEENInTheWindow(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := test.NewTempApp(t)
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	tc, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(), HTTPClient: hc, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	ec, err := een.New(een.Config{Endpoint: site.EEN().Endpoint(), Token: site.EEN().Token(), HTTPClient: hc, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	defer hc.CloseIdleConnections()

	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		DefaultTiles: 1,
		NewDecoder:   func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioDecoder: func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, r, ch, f)
		},
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
	}}
	win.build(ctx, []Account{
		{Name: "demo", Kind: "tuya", Directory: tc, Opener: tc},
		{Name: "site", Kind: "een", Directory: ec, Opener: ec},
	})
	win.sidebar.Wait()
	drainUI()
	if got := win.sidebar.children("a:demo"); len(got) != 2 {
		t.Errorf("demo lists %v", got)
	}
	speakers := win.sidebar.children("a:site")
	if strings.Join(speakers, " ") != "d:site/dock d:site/gate d:site/lobby" {
		t.Fatalf("site lists %v", speakers)
	}
	row := newDeviceRow(win.sidebar)
	win.sidebar.updateNode("d:site/gate", false, row)
	if row.label.Text != "gate" || row.detail.Text != "speaker · full duplex · gate" {
		t.Errorf("gate's row shows %q / %q", row.label.Text, row.detail.Text)
	}
	if got := strings.Join(win.wall.Sources(), " "); got != "demo/cam1" {
		t.Fatalf("a first start put %s on the wall, want the camera", got)
	}
	// Double-clicking the speakers in the sidebar puts them on the wall as
	// audio tiles.
	for _, id := range []string{"lobby", "gate", "dock"} {
		r := newDeviceRow(win.sidebar)
		win.sidebar.updateNode("d:site/"+id, false, r)
		test.DoubleTap(r)
	}
	if got := strings.Join(win.wall.Sources(), " "); got != "demo/cam1 site/lobby site/gate site/dock" {
		t.Fatalf("the wall holds %s", got)
	}
	tiles := win.wall.Speakers()
	modes := []string{}
	for _, s := range tiles {
		modes = append(modes, s.Title+": "+s.Mode())
	}
	if got := strings.Join(modes, ", "); got != "lobby: half duplex · push to talk, gate: full duplex · call, dock: send only · push to talk" {
		t.Fatalf("speaker tiles: %s", got)
	}
	waitFor(t, "the camera tile to go live", func() bool { return win.wall.Tiles()[0].Status().State == session.StateLive })
	if n := win.wall.Live(); n != 1 {
		t.Errorf("with no microphone the status bar counts %d live tiles, want the camera alone", n)
	}

	// A microphone that plays a tone: the call to gate carries it.
	f := MicFormat
	win.snd.mic = &mic{open: func() (audio.Capturer, error) {
		return audio.NewWAVCapturer(audio.Tone(600, -12, f, time.Second), f, true), nil
	}}
	if n := win.wall.Live(); n != 4 {
		t.Errorf("with a microphone the status bar counts %d live tiles, want the camera and three ready speakers", n)
	}
	gate := tiles[1]
	if gate.StatusText() != "talk unavailable: no microphone" {
		t.Errorf("with no microphone gate shows %q", gate.StatusText())
	}
	test.Tap(gate.callBtn)
	waitFor(t, "the call to be talking", func() bool { return strings.HasPrefix(gate.StatusText(), "talking") })
	waitFor(t, "the speaker to hear us and the tile to hear it", func() bool {
		recs := site.EEN().Speaker("gate").Sessions()
		return len(recs) == 1 && recs[0].Packets > 10 && gate.SentLevel() > 0 && gate.HeardLevel() > 0
	})
	if !strings.Contains(gate.StatusText(), "left") {
		t.Errorf("status %q does not show the time left", gate.StatusText())
	}
	test.Tap(gate.callBtn) // hang up
	waitFor(t, "the call to end", func() bool { return !gate.Active() && site.EEN().Speaker("gate").Active() == 0 })

	// The busy speaker says so.
	dock := tiles[2]
	dock.talkBtn.MouseDown(nil)
	waitFor(t, "dock to refuse", func() bool { return !dock.Active() })
	if !strings.Contains(dock.StatusText(), "busy") {
		t.Errorf("dock shows %q", dock.StatusText())
	}
	if n := win.wall.Live(); n != 3 {
		t.Errorf("after dock refused the status bar counts %d live tiles, want 3", n)
	}
	cancel()
	win.shutdown()
}

// TestSpeakerTileSpaceTalks: a click gives a speaker tile the keyboard
// (and its focus frame); Space talks while held on a push-to-talk speaker,
// key repeat starts nothing new, and on a full-duplex speaker one press
// starts the call and the next hangs up.
func TestSpeakerTileSpaceTalks(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	space := &fyne.KeyEvent{Name: fyne.KeySpace}
	for _, tc := range []struct {
		name string
		talk session.Talk
		// presses: each is a Space down-and-up; wantStarts and wantStops
		// after all of them, and whether the tile is still active.
		presses               int
		wantStarts, wantStops int
		active                bool
	}{
		{"half duplex, one press", session.TalkHalf, 1, 1, 1, false},
		{"full duplex, one press", session.TalkFull, 1, 1, 0, true},
		{"full duplex, two presses", session.TalkFull, 2, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctrl := &fakeSpeakerCtrl{}
			tile := NewSpeakerTile("lobby", session.Device{ID: "lobby", Type: session.TypeSpeaker, Talk: tc.talk}, ctrl)
			w := test.NewTempWindow(t, tile)
			w.Resize(fyne.NewSize(300, 200))
			test.Tap(tile)
			if !tile.Focused() || !tile.ring.visible() {
				t.Fatalf("after a click: focused %v, frame shown %v", tile.Focused(), tile.ring.visible())
			}
			for range tc.presses {
				tile.KeyDown(space)
				tile.KeyDown(space) // key repeat
				if !tile.Active() && tc.talk == session.TalkHalf {
					t.Fatal("not talking while Space is held")
				}
				tile.KeyUp(space)
				drainUI()
			}
			ctrl.mu.Lock()
			starts, stops := ctrl.starts, ctrl.stops
			ctrl.mu.Unlock()
			if starts != tc.wantStarts || stops != tc.wantStops || tile.Active() != tc.active {
				t.Errorf("starts %d stops %d active %v; want %d %d %v", starts, stops, tile.Active(), tc.wantStarts, tc.wantStops, tc.active)
			}
			w.Canvas().Unfocus()
			if tile.Focused() || tile.ring.visible() {
				t.Error("still shown focused after losing the keyboard")
			}
		})
	}
}
