package ui

import (
	"github.com/lookout-app/lookout/session"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// fakeSpeaker records writes; buffered is what it claims to hold.
type fakeSpeaker struct {
	writes   [][]int16
	buffered time.Duration
}

func (f *fakeSpeaker) Format() audio.Format { return SpeakerFormat }
func (f *fakeSpeaker) Write(p []int16) (int, error) {
	f.writes = append(f.writes, append([]int16(nil), p...))
	return len(p), nil
}
func (f *fakeSpeaker) Buffered() time.Duration { return f.buffered }
func (f *fakeSpeaker) Close() error            { return nil }

func TestRouterPlaysTheHeardTileWithAPlayoutDelay(t *testing.T) {
	sp := &fakeSpeaker{}
	r := newRouter(sp)
	frame := make([]int16, SpeakerFormat.Samples(20*time.Millisecond))
	a, b := r.sink("acc/a"), r.sink("acc/b")

	a.PlayAudio(frame, SpeakerFormat)
	if len(sp.writes) != 0 {
		t.Fatal("a tile nobody focused was played")
	}
	r.setHeard("acc/a")
	b.PlayAudio(frame, SpeakerFormat)
	a.PlayAudio(frame, SpeakerFormat)
	a.PlayAudio(frame, SpeakerFormat)
	if len(sp.writes) != 0 {
		t.Fatalf("played %d writes before 60 ms were buffered", len(sp.writes))
	}
	a.PlayAudio(frame, SpeakerFormat) // 60 ms now
	if len(sp.writes) != 1 || len(sp.writes[0]) != 3*len(frame) {
		t.Fatalf("writes %d, want one of 60 ms", len(sp.writes))
	}
	sp.buffered = 40 * time.Millisecond
	a.PlayAudio(frame, SpeakerFormat)
	if len(sp.writes) != 2 || len(sp.writes[1]) != len(frame) {
		t.Fatal("a running speaker did not get the next frame straight away")
	}
	r.setMuted("acc/a", true)
	a.PlayAudio(frame, SpeakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("a muted tile was played")
	}
	r.setMuted("acc/a", false)
	sp.buffered = 0 // ran dry: the delay is built up again
	a.PlayAudio(frame, SpeakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("played straight into an empty speaker after an underrun")
	}
	r.setSpeaker(nil)
	a.PlayAudio(frame, SpeakerFormat) // no speaker: nothing, no panic
}

// TestRouterListensToTheHeardTileOnly: a session decodes a tile's audio
// only while it is the heard tile, unmuted, with a speaker.
func TestRouterListensToTheHeardTileOnly(t *testing.T) {
	r := newRouter(&fakeSpeaker{})
	a, b := r.sink("acc/a").(session.Listener), r.sink("acc/b").(session.Listener)
	if a.Listening() || b.Listening() {
		t.Fatal("listening before any tile is heard")
	}
	r.setHeard("acc/a")
	if !a.Listening() || b.Listening() {
		t.Fatalf("heard a: a %v b %v", a.Listening(), b.Listening())
	}
	r.setMuted("acc/a", true)
	if a.Listening() {
		t.Fatal("a muted tile is listened to")
	}
	r.setMuted("acc/a", false)
	r.setSpeaker(nil)
	if a.Listening() {
		t.Fatal("listened to with no speaker")
	}
}
