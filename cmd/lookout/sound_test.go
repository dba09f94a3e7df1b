package main

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/ui"
)

// TestOpenAudioRoom: --audio room is the simulated room: the window's
// speaker and microphone open in its formats, and what the speaker plays
// comes back into the microphone (80 ms late, -6 dB) with the near-end
// voice at 1 kHz.
func TestOpenAudioRoom(t *testing.T) {
	t.Parallel()
	g := &globals{log: slog.New(slog.DiscardHandler)}
	if s, why := openAudio("none", g); s != nil || why == "" {
		t.Fatalf("none: %v %q", s, why)
	}
	s, why := openAudio(audioBackend("room"), g)
	if s == nil {
		t.Fatalf("room: %s", why)
	}
	defer func() { _ = s.Close() }()
	sp, err := s.OpenPlayback("", ui.SpeakerFormat)
	if err != nil {
		t.Fatal(err)
	}
	mic, err := s.OpenCapture("", ui.MicFormat)
	if err != nil {
		t.Fatal(err)
	}
	// Start the microphone, then play 300 ms of 440 Hz at -6 dBFS.
	if _, err := mic.Read(context.Background(), make([]int16, ui.MicFormat.Samples(10*time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Write(audio.Tone(440, -6, ui.SpeakerFormat, 300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	p := make([]int16, ui.MicFormat.Samples(400*time.Millisecond))
	if _, err := mic.Read(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	// The echo's 300 ms lie within these 400 ms once it arrives 80 ms late.
	echo := audio.ToneLevel(p[ui.MicFormat.Samples(150*time.Millisecond):ui.MicFormat.Samples(300*time.Millisecond)], 48000, 440)
	if math.Abs(echo-(-12)) > 1.5 {
		t.Errorf("the echo of -6 dBFS arrives at %.1f dBFS, want about -12", echo)
	}
	if near := audio.ToneLevel(p, 48000, 1000); near < -30 {
		t.Errorf("the near-end voice reads %.1f dBFS at 1 kHz", near)
	}
}
