package session_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
	"github.com/lookout-app/lookout/session/een"
)

// duckSink is a session.Ducker that notes each Duck call.
type duckSink struct {
	mu    sync.Mutex
	ducks []bool
}

func (d *duckSink) PlayAudio([]int16, audio.Format) {}
func (d *duckSink) Duck(on bool) {
	d.mu.Lock()
	d.ducks = append(d.ducks, on)
	d.mu.Unlock()
}
func (d *duckSink) calls() []bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]bool(nil), d.ducks...)
}

// TestTalkDucksHalfDuplex: a talk to the demo EEN half-duplex speaker
// "lobby" ducks its audio while it lasts (Duck(true), then Duck(false)
// when released); a talk to the full-duplex "gate" ducks nothing.
func TestTalkDucksHalfDuplex(t *testing.T) {
	srv, err := eendemo.Start(eendemo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	c, err := een.New(een.Config{Endpoint: srv.Endpoint(), Token: srv.Token(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	mic := audio.Format{SampleRate: 48000, Channels: 1}
	for _, tc := range []struct {
		id   string
		want []bool
	}{
		{"lobby", []bool{true, false}},
		{"gate", nil},
	} {
		sink := &duckSink{}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		ready := make(chan struct{})
		var once sync.Once
		s, err := session.New(session.Config{
			Source: "site/" + tc.id, ID: tc.id, Opener: c, Sink: player.NewLatest(), NewDecoder: noDecoder,
			ConnectTimeout: 10 * time.Second, MaxAttempts: 1, Audio: sink, AudioFormat: mic,
			NewAudioDecoder: func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
				return ffmpeg.NewAudioDecoder(m, r, ch, f)
			},
			NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
				return ffmpeg.NewAudioEncoder(m, in, n)
			},
			OnStatus: func(st session.Status) {
				if st.State == session.StateLive {
					once.Do(func() { close(ready) })
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("%s: ended before live: %v", tc.id, err)
		}
		talkCtx, release := context.WithTimeout(ctx, time.Second)
		during := make(chan []bool, 1)
		go func() { time.Sleep(500 * time.Millisecond); during <- sink.calls() }()
		err = s.Talk(talkCtx, audio.NewWAVCapturer(audio.Tone(600, -12, mic, time.Second), mic, true))
		release()
		if err != nil {
			t.Fatalf("%s: talk: %v", tc.id, err)
		}
		mid := <-during
		cancel()
		<-done
		got := sink.calls()
		t.Logf("%s: Duck calls %v during the talk, %v after", tc.id, mid, got)
		if len(got) != len(tc.want) || (len(tc.want) > 0 && (len(mid) != 1 || !mid[0] || got[0] != true || got[1] != false)) {
			t.Errorf("%s: Duck calls %v (during %v), want %v", tc.id, got, mid, tc.want)
		}
	}
}
