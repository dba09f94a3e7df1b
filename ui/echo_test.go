package ui

import (
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
	"github.com/lookout-app/lookout/session/een"
)

var erleRE = regexp.MustCompile(`ERLE (\d+) dB`)

// roomCall starts a call to the demo's EEN full-duplex speaker "gate"
// (it sends 440 Hz) in a simulated room where what the window plays comes
// back into the microphone 80 ms later at -6 dB, mixed with near (the
// near-end voice; nil: nobody speaks). It returns the tile once the call
// is talking; the call is hung up and everything closed at the test's end.
func roomCall(t *testing.T, near []int16) (*SpeakerTile, *speakerCtrl) {
	t.Helper()
	test.NewTempApp(t)
	srv, err := eendemo.Start(eendemo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ec, err := een.New(een.Config{Endpoint: srv.Endpoint(), Token: srv.Token(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ec.Close() })
	room, err := audio.NewRoom(audio.RoomOptions{Mic: MicFormat, Speaker: SpeakerFormat,
		Delay: 80 * time.Millisecond, EchoGain: -6, Near: near, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = room.Close() })
	snd := newSound(room, "", "", "")
	t.Cleanup(snd.close)
	if snd.clean == nil {
		t.Fatal("no cleaner")
	}
	win := &window{log: slog.New(slog.DiscardHandler), snd: snd, opt: Options{
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioDecoder: func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, r, ch, f)
		},
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
	}}
	win.accounts = []Account{{Name: "site", Kind: "een", Opener: ec}}
	done := make(chan struct{})
	ctrl := &speakerCtrl{done: done, source: "site/gate", full: true, factory: win.factory(win.accounts), snd: snd}
	t.Cleanup(func() { close(done); ctrl.close() })
	tile := NewSpeakerTile("gate", session.Device{ID: "gate", Type: session.TypeSpeaker, Talk: session.TalkFull}, ctrl)
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 300))
	return tile, ctrl
}

// TestCallShowsCleanedLevelAndERLE: a call (see roomCall) in which nobody
// speaks. The talk level bar shows the cleaned microphone, so it stays
// near empty (the raw microphone carries the echo 6 dB under what we
// hear), and the tile's hover shows the canceller's ERLE.
func TestCallShowsCleanedLevelAndERLE(t *testing.T) {
	tile, ctrl := roomCall(t, nil)
	test.Tap(tile.callBtn)
	waitFor(t, "the call to be talking", func() bool { return tile.Active() && tile.HeardLevel() > 0.3 })
	time.Sleep(3 * time.Second) // the canceller converges
	heard, sent := ctrl.HeardLevel().RMSdBFS, ctrl.SentLevel().RMSdBFS
	bar := tile.SentLevel()
	tile.MouseIn(nil)
	text := tile.StatsText()
	t.Logf("heard %.1f dBFS (the echo: %.1f raw); the bar shows %.1f dBFS cleaned (%.2f); hover %q", heard, heard-6, sent, bar, text)
	if sent > heard-6-20 {
		t.Errorf("the talk bar shows %.1f dBFS, want the cleaned level, 20 dB under the raw echo's %.1f", sent, heard-6)
	}
	if bar > 0.25 {
		t.Errorf("echo only, cancellation on: the bar is at %.2f, want near empty", bar)
	}
	m := erleRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the hover %q shows no ERLE during the call", text)
	}
	if db, _ := strconv.Atoi(m[1]); db < 15 {
		t.Errorf("ERLE %d dB during an echo-only call", db)
	}
	test.Tap(tile.callBtn) // hang up
	waitFor(t, "the call to end", func() bool { return !tile.Active() })
	time.Sleep(2500 * time.Millisecond) // the figure lapses with the call
	tile.MouseIn(nil)
	if strings.Contains(tile.StatsText(), "ERLE") {
		t.Errorf("after the call the hover still shows %q", tile.StatsText())
	}
}

// TestCallShowsERLEInDoubleTalk: a call (see roomCall) in which we talk
// over the echo: 1 kHz syllables at -18 dBFS (600 ms on, 400 off), the
// echo's level. The hover's ERLE is the canceller's on the echo (15 dB or
// more, as in the echo-only call: a plain energy ratio reads about 5 dB,
// since our voice is kept), and the talk level bar shows our cleaned
// voice: at least its level in the room while it speaks (-21 dBFS RMS;
// the automatic gain may raise it), where the echo alone leaves the bar
// near empty.
func TestCallShowsERLEInDoubleTalk(t *testing.T) {
	near := audio.Tone(1000, -18, MicFormat, time.Second)
	clear(near[MicFormat.Samples(600*time.Millisecond):])
	voice := audio.Measure(near[:MicFormat.Samples(600*time.Millisecond)], 1).RMSdBFS
	tile, ctrl := roomCall(t, near)
	test.Tap(tile.callBtn)
	waitFor(t, "the call to be talking", func() bool { return tile.Active() && tile.HeardLevel() > 0.3 })
	time.Sleep(3 * time.Second) // the canceller converges
	var peak float64 = -100
	for range 20 { // the bar over 2 s of syllables and pauses
		peak = max(peak, ctrl.SentLevel().RMSdBFS)
		time.Sleep(100 * time.Millisecond)
	}
	tile.MouseIn(nil)
	text := tile.StatsText()
	t.Logf("our voice %.1f dBFS in the room; the bar peaked at %.1f dBFS cleaned; hover %q", voice, peak, text)
	m := erleRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the hover %q shows no ERLE during the call", text)
	}
	if db, _ := strconv.Atoi(m[1]); db < 15 {
		t.Errorf("ERLE %d dB while both ends talk, want 15 or more", db)
	}
	if peak < voice-3 {
		t.Errorf("the talk bar peaked at %.1f dBFS, want our cleaned voice, %.1f or more", peak, voice)
	}
}

// erleControl is a fakeControl that reports an ERLE.
type erleControl struct {
	fakeControl
	db float64
}

func (c *erleControl) ERLE() (float64, bool) { return c.db, true }

// TestTileHoverShowsERLE: a camera tile whose control reports the echo
// canceller's figure shows it in the hover statistics, and "ERLE —" while
// a talk runs with no figure yet: a fresh cleaner has none.
func TestTileHoverShowsERLE(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &erleControl{db: 41.6}
	tile := NewTile("Gate", ctrl)
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.updateStats()
	if m := erleRE.FindStringSubmatch(tile.StatsText()); m == nil || m[1] != "42" {
		t.Fatalf("hover %q, want ERLE 42 dB", tile.StatsText())
	}
	snd := newSound(nil, "", "", "")
	defer snd.close()
	if snd.clean == nil {
		t.Fatal("no cleaner")
	}
	ctrl.db, _ = snd.erle(&mic{})
	tile.updateStats()
	if !strings.HasSuffix(tile.StatsText(), "ERLE —") {
		t.Errorf("hover %q with no figure yet, want ERLE —", tile.StatsText())
	}
	if _, ok := snd.erle(nil); ok {
		t.Error("a figure with no talk running")
	}
}
