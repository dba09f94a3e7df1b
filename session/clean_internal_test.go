package session

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// fakeCleaner records what the talk path asks of it and inverts the
// samples it cleans.
type fakeCleaner struct {
	f      audio.Format
	resets int
	cleans int
	at     time.Time
}

func (c *fakeCleaner) Format() audio.Format { return c.f }
func (c *fakeCleaner) Reset()               { c.resets++ }
func (c *fakeCleaner) Clean(mic []int16, at time.Time) error {
	c.cleans++
	c.at = at
	for i := range mic {
		mic[i] = -mic[i]
	}
	return nil
}

// TestCleanMic: a talk's microphone goes through the cleaner, reset once
// per talk, with the block's capture time; a microphone in another format
// than the cleaner's, or no cleaner, is left as it is.
func TestCleanMic(t *testing.T) {
	f := audio.Format{SampleRate: 48000, Channels: 1}
	tone := audio.Tone(1000, -6, f, 100*time.Millisecond)
	cl := &fakeCleaner{f: f}
	s := &Session{cfg: Config{Cleaner: cl}, log: slog.New(slog.DiscardHandler)}
	c := s.cleanMic(audio.NewWAVCapturer(tone, f, false))
	p := make([]int16, f.Samples(10*time.Millisecond))
	if _, err := c.Read(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if cl.resets != 1 || cl.cleans != 1 || p[10] != -tone[10] {
		t.Fatalf("resets %d, cleans %d, sample %d for %d: want 1, 1 and the cleaned sample", cl.resets, cl.cleans, p[10], tone[10])
	}
	if d := time.Since(cl.at); d < 10*time.Millisecond || d > 5*time.Second {
		t.Fatalf("the block was captured %v ago by the cleaner's account, want at least its 10 ms", d)
	}

	other := audio.Format{SampleRate: 16000, Channels: 1}
	raw := audio.NewWAVCapturer(audio.Tone(1000, -6, other, 100*time.Millisecond), other, false)
	if got := s.cleanMic(raw); got != raw || cl.resets != 1 {
		t.Fatalf("a 16 kHz microphone was wrapped (%T) or reset the cleaner (%d)", got, cl.resets)
	}
	none := &Session{log: slog.New(slog.DiscardHandler)}
	if got := none.cleanMic(raw); got != raw {
		t.Fatalf("no cleaner: %T", got)
	}
}
