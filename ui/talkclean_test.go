package ui

import (
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
)

// TestTalkCleaning: the window cleans the talk microphone. Every session
// gets the window's cleaner, the speaker the router plays on hands the
// cleaner its reference, and the two settings (noise suppression,
// automatic gain; on by default) are stored and applied at once.
func TestTalkCleaning(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	snd := newSound(&wavDevices{dir: t.TempDir()}, "", "", "")
	defer snd.close()
	win.snd = snd
	if snd.clean == nil {
		t.Fatal("no cleaner")
	}
	cfg, err := win.factory(win.accounts)("acc/c1", session.QualityMain)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cleaner != session.MicCleaner(snd.cleaner) {
		t.Fatalf("session cleaner %v, want the window's", cfg.Cleaner)
	}

	// What the heard tile plays reaches the cleaner as its reference.
	snd.router.setHeard("acc/c1")
	sink := snd.router.sink("acc/c1")
	for range 5 {
		sink.PlayAudio(audio.Tone(440, -12, SpeakerFormat, 20*time.Millisecond), SpeakerFormat)
	}
	if n := snd.clean.Referenced(); n < 4800 {
		t.Fatalf("the cleaner heard %d frames of 100 ms played, want 4800", n)
	}

	if d, a := win.talkStages(); !d || !a {
		t.Fatalf("defaults: noise suppression %v, gain %v; want both on", d, a)
	}
	win.applyTalkStages()
	if d, a := snd.clean.Stages(); !d || !a {
		t.Fatalf("cleaner: noise suppression %v, gain %v; want both on", d, a)
	}
	win.setTalkStages(false, true)
	if d, a := snd.clean.Stages(); d || !a {
		t.Fatalf("after turning noise suppression off: %v, %v", d, a)
	}
	if win.a.Preferences().Bool(prefNoiseSuppression) || !win.a.Preferences().Bool(prefAutoGain) {
		t.Fatal("the choice was not stored")
	}
}
