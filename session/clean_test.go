package session_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/aec"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
	"github.com/lookout-app/lookout/session/een"
)

// roomSink plays the device's audio on a simulated room's speaker (through
// the echo canceller's hook when there is one), as the window's sound
// router does: after the speaker runs dry it first collects a playout
// delay, here 200 ms (the router's is 60), so that a loaded test machine's
// scheduling stalls do not chop the far end's tone.
type roomSink struct {
	sp      audio.Player
	mu      sync.Mutex
	prefill []int16
}

func (r *roomSink) PlayAudio(pcm []int16, f audio.Format) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.prefill) == 0 && r.sp.Buffered() > 0 {
		_, _ = r.sp.Write(pcm)
		return
	}
	r.prefill = append(r.prefill, pcm...)
	if f.Duration(len(r.prefill)) >= 200*time.Millisecond {
		_, _ = r.sp.Write(r.prefill)
		r.prefill = r.prefill[:0]
	}
}

// readCounter notes that the talk reads the microphone.
type readCounter struct {
	audio.Capturer
	reads atomic.Int64
}

func (r *readCounter) Read(ctx context.Context, p []int16) (int, error) {
	r.reads.Add(1)
	return r.Capturer.Read(ctx, p)
}

// CapturedAt passes the room's capture clock on (audio.CaptureClock).
func (r *readCounter) CapturedAt() time.Time {
	return r.Capturer.(audio.CaptureClock).CapturedAt()
}

// echoCall is one full-duplex call to the demo EEN speaker "gate", whose
// microphone sends 440 Hz: its audio plays in a room that brings it back
// into our microphone after delay at echoGain dB, with a near-end 1 kHz
// voice; we talk for 6 s, cleaned by cl (nil: not cleaned). It returns the
// last 2 s of what the speaker recorded of our talk, and its rate.
func echoCall(t *testing.T, srv *eendemo.Server, delay time.Duration, echoGain float64, cl *aec.Processor) ([]int16, int) {
	t.Helper()
	mic := audio.Format{SampleRate: 48000, Channels: 1}
	near := audio.Tone(1000, -18, mic, time.Second)
	clear(near[mic.Samples(600*time.Millisecond):]) // syllables: 600 ms on, 400 ms off
	room, err := audio.NewRoom(audio.RoomOptions{Mic: mic, Delay: delay, EchoGain: echoGain, Near: near, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = room.Close() }()
	speaker := room.Speaker()
	if cl != nil {
		speaker = cl.Tee(speaker)
	}
	c, err := een.New(een.Config{Endpoint: srv.Endpoint(), Token: srv.Token(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	// The speaker lets go of the previous call once it has seen that
	// call's socket close, which may come after our side has ended: a call
	// made before that is refused as busy.
	for wait := time.Now().Add(10 * time.Second); srv.Speaker("gate").Busy(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatal("the demo speaker is still busy 10 s after the previous call")
		}
	}
	before := len(srv.Speaker("gate").Sessions())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ready := make(chan struct{})
	var once atomic.Bool
	cfg := session.Config{
		Source: "site/gate", ID: "gate", Opener: c, Sink: player.NewLatest(),
		NewDecoder:     noDecoder,
		ConnectTimeout: 10 * time.Second, MaxAttempts: 1,
		Audio:       &roomSink{sp: speaker},
		AudioFormat: mic,
		NewAudioDecoder: func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, r, ch, f)
		},
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		OnStatus: func(st session.Status) {
			if st.State == session.StateLive && once.CompareAndSwap(false, true) {
				close(ready)
			}
		},
	}
	if cl != nil {
		cfg.Cleaner = cl
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("session ended before it was live: %v", err)
	}
	talkCtx, release := context.WithTimeout(ctx, 6*time.Second)
	m := &readCounter{Capturer: room.Microphone()}
	err = s.Talk(talkCtx, m)
	release()
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	recs := srv.Speaker("gate").Sessions()
	if len(recs) != before+1 || m.reads.Load() < 500 {
		t.Fatalf("%d new speaker sessions, %d microphone reads", len(recs)-before, m.reads.Load())
	}
	r := recs[len(recs)-1]
	if len(r.Audio) < 5*r.Rate {
		t.Fatalf("the speaker recorded %d samples at %d Hz, want 5 s", len(r.Audio), r.Rate)
	}
	return r.Audio[len(r.Audio)-2*r.Rate:], r.Rate
}

// TestTalkCancelsEcho is the test end to end: a full-duplex call
// to the demo EEN speaker that sends 440 Hz, whose sound plays in a
// simulated room and comes back into the microphone 30, 80 or 120 ms later
// at -6 dB. With the echo canceller (defaults: noise suppression and AGC
// on) the speaker's talk recording holds the echo at least 25 dB below
// what it holds uncleaned, and our near-end 1 kHz within 3 dB of its level
// in the same room without echo.
func TestTalkCancelsEcho(t *testing.T) {
	newProc := func(t *testing.T) *aec.Processor {
		p, err := aec.New(aec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		return p
	}
	// The delays run at once, each against a speaker of its own; a delay's
	// three calls stay one after another.
	for _, d := range []time.Duration{30 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			t.Parallel()
			srv, err := eendemo.Start(eendemo.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = srv.Close() }()
			raw, rate := echoCall(t, srv, d, -6, nil)
			clean, _ := echoCall(t, srv, d, -6, newProc(t))
			alone, _ := echoCall(t, srv, d, math.Inf(-1), newProc(t))
			echoRaw, echoClean := audio.ToneLevel(raw, rate, eendemo.ToneHz), audio.ToneLevel(clean, rate, eendemo.ToneHz)
			nearAlone, nearClean := audio.ToneLevel(alone, rate, 1000), audio.ToneLevel(clean, rate, 1000)
			t.Logf("far end receives the echo at %.1f dBFS uncleaned, %.1f cleaned (%.1f dB less); our voice at %.1f without echo, %.1f cleaned",
				echoRaw, echoClean, echoRaw-echoClean, nearAlone, nearClean)
			if echoRaw-echoClean < 25 {
				t.Errorf("echo only %.1f dB lower (%.1f -> %.1f dBFS), want 25", echoRaw-echoClean, echoRaw, echoClean)
			}
			if math.Abs(nearClean-nearAlone) > 3 {
				t.Errorf("near end %.1f dBFS cleaned, %.1f without echo: want within 3 dB", nearClean, nearAlone)
			}
		})
	}
}
