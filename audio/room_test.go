package audio

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestRoomEcho: a click played on the speaker reaches the microphone
// exactly Delay later, at EchoGain, mixed with the near-end voice.
func TestRoomEcho(t *testing.T) {
	mic := Format{SampleRate: 48000, Channels: 1}
	for _, d := range []time.Duration{30 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		r, err := NewRoom(RoomOptions{Mic: mic, Speaker: Format{SampleRate: 48000, Channels: 2}, Delay: d, EchoGain: -6, Near: []int16{100}})
		if err != nil {
			t.Fatal(err)
		}
		click := make([]int16, 2*480)
		click[0], click[1] = 20000, 20000
		if _, err := r.Speaker().Write(click); err != nil {
			t.Fatal(err)
		}
		got := make([]int16, mic.Samples(200*time.Millisecond))
		if _, err := r.Microphone().Read(context.Background(), got); err != nil {
			t.Fatal(err)
		}
		at := mic.Samples(d)
		want := int16(100 + math.Round(20000*math.Pow(10, -6.0/20)))
		for i, v := range got {
			w := int16(100)
			if i == at {
				w = want
			}
			if v != w {
				t.Fatalf("%v: sample %d = %d, want %d (echo at %d)", d, i, v, w, at)
			}
		}
		_ = r.Close()
	}
}

// TestRoomNoise: NoiseDBFS sets the noise's RMS as Measure reads it.
func TestRoomNoise(t *testing.T) {
	mic := Format{SampleRate: 16000, Channels: 1}
	r, err := NewRoom(RoomOptions{Mic: mic, NoiseDBFS: -30, EchoGain: math.Inf(-1), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := make([]int16, mic.Samples(time.Second))
	if _, err := r.Microphone().Read(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if l := Measure(p, 1).RMSdBFS; math.Abs(l+30) > 0.3 {
		t.Fatalf("noise at %.2f dBFS, want -30", l)
	}
}

// TestRoomSpeaker: unpaced, the speaker queues up to its buffer and plays
// exactly as much as the microphone reads; paced, it plays on the wall
// clock with nobody reading, and Read waits for real time. Closing a
// handle closes it alone; closing the room closes every handle.
func TestRoomSpeaker(t *testing.T) {
	mic := Format{SampleRate: 8000, Channels: 1}
	r, err := NewRoom(RoomOptions{Mic: mic, SpeakerBuffer: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sp := r.Speaker()
	if n, _ := sp.Write(make([]int16, 1600)); n != 800 {
		t.Fatalf("wrote %d of 1600 into a 100 ms buffer, want 800", n)
	}
	if _, err := r.Microphone().Read(context.Background(), make([]int16, 400)); err != nil {
		t.Fatal(err)
	}
	if b := sp.Buffered(); b != 50*time.Millisecond {
		t.Fatalf("buffered %v after 50 ms read, want 50ms", b)
	}
	// The clocks: the read captured 0..50 ms; a sample written now plays
	// after the 100 ms written.
	if d := sp.(PlayClock).PlaysAt().Sub(r.Microphone().(CaptureClock).CapturedAt()); d != 100*time.Millisecond {
		t.Fatalf("PlaysAt is %v after CapturedAt, want 100ms", d)
	}
	if u := sp.(UnderrunCounter).Underruns(); u != 0 {
		t.Fatalf("%d underruns", u)
	}
	for range 2 {
		if _, err := r.Microphone().Read(context.Background(), make([]int16, 800)); err != nil {
			t.Fatal(err)
		}
	}
	if u := sp.(UnderrunCounter).Underruns(); u != 1 {
		t.Fatalf("%d underruns after running dry once, want 1", u)
	}
	m := r.Microphone()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Read(context.Background(), make([]int16, 8)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
	if err := m.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := sp.Write(make([]int16, 8)); err != nil {
		t.Fatalf("the speaker after the microphone's Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Write(make([]int16, 8)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after the room's Close = %v", err)
	}

	paced, err := NewRoom(RoomOptions{Mic: mic, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer paced.Close()
	start := time.Now()
	if _, err := paced.Microphone().Read(context.Background(), make([]int16, 400)); err != nil {
		t.Fatal(err)
	}
	if _, err := paced.Microphone().Read(context.Background(), make([]int16, 400)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Fatalf("paced Reads of 100 ms returned after %v", el)
	}
	if _, err := paced.Speaker().Write(make([]int16, 800)); err != nil {
		t.Fatal(err)
	}
	for paced.Speaker().Buffered() > 0 { // plays with nobody reading
		if time.Since(start) > 10*time.Second {
			t.Fatal("the paced speaker does not play without a reader")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := paced.Microphone().Read(ctx, make([]int16, 800)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with a done ctx = %v", err)
	}
	if _, err := NewRoom(RoomOptions{Mic: mic, Speaker: Format{SampleRate: 16000, Channels: 1}}); !errors.Is(err, ErrInvalidFormat) {
		t.Fatalf("rates differ: %v", err)
	}
}

// TestRoomDevices: the room as a sound system lists one microphone and
// one speaker and opens them, by ID or as the default, in its own formats
// only.
func TestRoomDevices(t *testing.T) {
	mic, spk := Format{SampleRate: 48000, Channels: 1}, Format{SampleRate: 48000, Channels: 2}
	r, err := NewRoom(RoomOptions{Mic: mic, Speaker: spk, Delay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	capture, playback, err := r.Devices()
	if err != nil || len(capture) != 1 || len(playback) != 1 || !capture[0].Capture || playback[0].Capture {
		t.Fatalf("Devices = %+v, %+v, %v", capture, playback, err)
	}
	for _, id := range []string{"", capture[0].ID} {
		if _, err := r.OpenCapture(id, mic); err != nil {
			t.Fatalf("OpenCapture(%q): %v", id, err)
		}
	}
	for _, id := range []string{"", playback[0].ID} {
		if _, err := r.OpenPlayback(id, spk); err != nil {
			t.Fatalf("OpenPlayback(%q): %v", id, err)
		}
	}
	if _, err := r.OpenCapture("other", mic); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("unknown microphone: %v", err)
	}
	if _, err := r.OpenPlayback("", mic); !errors.Is(err, ErrInvalidFormat) {
		t.Fatalf("speaker in the microphone's format: %v", err)
	}
	// A speaker closed and opened again plays into the same room.
	sp, _ := r.OpenPlayback("", spk)
	_ = sp.Close()
	sp, _ = r.OpenPlayback("", spk)
	if _, err := sp.Write(Tone(440, -6, spk, 20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	m, _ := r.OpenCapture("", mic)
	p := make([]int16, mic.Samples(40*time.Millisecond))
	if _, err := m.Read(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if Measure(p, 1).Silent {
		t.Fatal("the microphone heard nothing of what the reopened speaker played")
	}
}

// TestRoomMicrophoneInStereo: the room's mono microphone opens in stereo
// at its rate (the pre-check records in stereo), both channels carrying
// the near-end voice at its level; another rate is refused.
func TestRoomMicrophoneInStereo(t *testing.T) {
	mic, spk := Format{SampleRate: 48000, Channels: 1}, Format{SampleRate: 48000, Channels: 2}
	r, err := NewRoom(RoomOptions{Mic: mic, Speaker: spk, Delay: 10 * time.Millisecond, Near: Tone(1000, -18, mic, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := r.OpenCapture("", spk)
	if err != nil {
		t.Fatal(err)
	}
	if c.Format() != spk {
		t.Fatalf("opened in %v", c.Format())
	}
	p := make([]int16, spk.Samples(200*time.Millisecond))
	n, err := c.Read(context.Background(), p)
	if err != nil || n != len(p) {
		t.Fatalf("read %d of %d: %v", n, len(p), err)
	}
	lv := Measure(p, 2)
	if !lv.DualMono || math.Abs(lv.PeakdBFS+18) > 0.5 {
		t.Fatalf("stereo microphone: %+v, want both channels the -18 dBFS tone", lv)
	}
	if _, err := r.OpenCapture("", Format{SampleRate: 16000, Channels: 2}); !errors.Is(err, ErrInvalidFormat) {
		t.Fatalf("another rate: %v", err)
	}
}
