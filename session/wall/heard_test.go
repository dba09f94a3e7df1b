package wall_test

import (
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

var speakerFormat = audio.Format{SampleRate: 48000, Channels: 2}

// fakeSpeaker records writes; buffered is what it claims to hold.
type fakeSpeaker struct {
	writes   [][]int16
	buffered time.Duration
}

func (f *fakeSpeaker) Format() audio.Format { return speakerFormat }
func (f *fakeSpeaker) Write(p []int16) (int, error) {
	f.writes = append(f.writes, append([]int16(nil), p...))
	return len(p), nil
}
func (f *fakeSpeaker) Buffered() time.Duration { return f.buffered }
func (f *fakeSpeaker) Close() error            { return nil }

func TestRouterPlaysTheHeardTileWithAPlayoutDelay(t *testing.T) {
	sp := &fakeSpeaker{}
	r := wall.NewRouter(sp)
	frame := make([]int16, speakerFormat.Samples(20*time.Millisecond))
	a, b := r.Sink("acc/a"), r.Sink("acc/b")

	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 0 {
		t.Fatal("a tile nobody focused was played")
	}
	r.SetHeard("acc/a")
	b.PlayAudio(frame, speakerFormat)
	a.PlayAudio(frame, speakerFormat)
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 0 {
		t.Fatalf("played %d writes before 60 ms were buffered", len(sp.writes))
	}
	a.PlayAudio(frame, speakerFormat) // 60 ms now
	if len(sp.writes) != 1 || len(sp.writes[0]) != 3*len(frame) {
		t.Fatalf("writes %d, want one of 60 ms", len(sp.writes))
	}
	sp.buffered = 40 * time.Millisecond
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 || len(sp.writes[1]) != len(frame) {
		t.Fatal("a running speaker did not get the next frame straight away")
	}
	r.SetMuted("acc/a", true)
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("a muted tile was played")
	}
	r.SetMuted("acc/a", false)
	sp.buffered = 0 // ran dry: the delay is built up again
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("played straight into an empty speaker after an underrun")
	}
	r.SetSpeaker(nil)
	a.PlayAudio(frame, speakerFormat) // no speaker: nothing, no panic
}

// TestRouterListensToTheHeardTileOnly: a session decodes a tile's audio
// only while it is the heard tile, unmuted, with a speaker.
func TestRouterListensToTheHeardTileOnly(t *testing.T) {
	r := wall.NewRouter(&fakeSpeaker{})
	a, b := r.Sink("acc/a").(session.Listener), r.Sink("acc/b").(session.Listener)
	if a.Listening() || b.Listening() {
		t.Fatal("listening before any tile is heard")
	}
	r.SetHeard("acc/a")
	if !a.Listening() || b.Listening() {
		t.Fatalf("heard a: a %v b %v", a.Listening(), b.Listening())
	}
	r.SetMuted("acc/a", true)
	if a.Listening() {
		t.Fatal("a muted tile is listened to")
	}
	r.SetMuted("acc/a", false)
	r.SetSpeaker(nil)
	if a.Listening() {
		t.Fatal("listened to with no speaker")
	}
}
