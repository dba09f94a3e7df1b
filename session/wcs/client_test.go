package wcs_test

import (
	"context"
	"errors"
	"image"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	demowcs "github.com/lookout-app/lookout/session/demo/wcs"
	"github.com/lookout-app/lookout/session/wcs"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// draw paints a picture that depends on the stream name and frame.
func draw(img *image.YCbCr, name string, _ time.Time, frame int64) {
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			img.Y[y*img.YStride+x] = uint8((x + y + int(frame)*4 + len(name)*40) % 220)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 90, 160
	}
}

// startServer runs the demo WCS server (plain ws://) with streams cam1 and
// cam2 until the test ends.
func startServer(t *testing.T, ping time.Duration) *demowcs.Server {
	t.Helper()
	srv, err := demowcs.Start(demowcs.Config{
		Streams: []string{"cam1", "cam2"}, Width: 320, Height: 180, FPS: 25, Draw: draw,
		NewEncoder: func(w, h, fps int) (demowcs.Encoder, error) {
			return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 400, KeyInterval: 2 * fps})
		},
		PingInterval: ping,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Close()
		if v := srv.Violations(); len(v) > 0 {
			t.Errorf("the server saw protocol violations: %q", v)
		}
	})
	return srv
}

// stallConn swallows every write while stalled, as a client that has
// stopped answering (its pongs never reach the server) would.
type stallConn struct {
	net.Conn
	stalled *atomic.Bool
}

func (c stallConn) Write(b []byte) (int, error) {
	if c.stalled.Load() {
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func newClient(t *testing.T, srv *demowcs.Server, stalled *atomic.Bool, rooms ...wcs.Room) *wcs.Client {
	t.Helper()
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if stalled != nil {
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return stallConn{c, stalled}, nil
		}
	}
	c, err := wcs.New(wcs.Config{URL: srv.URL(), Streams: []string{"cam1", "cam2", "gone"}, Rooms: rooms, Dialer: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// statusLog records a session's states for the test goroutine.
type statusLog struct {
	mu  sync.Mutex
	all []session.Status
	ch  chan session.Status
}

func newStatusLog() *statusLog { return &statusLog{ch: make(chan session.Status, 256)} }

func (l *statusLog) on(st session.Status) {
	l.mu.Lock()
	l.all = append(l.all, st)
	l.mu.Unlock()
	select {
	case l.ch <- st:
	default:
	}
}

// wait returns the time the session first reached state, failing after d.
func (l *statusLog) wait(t *testing.T, state session.State, d time.Duration) time.Time {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case st := <-l.ch:
			if st.State == state {
				return time.Now()
			}
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no %s within %s; states: %+v", state, d, l.all)
			return time.Time{}
		}
	}
}

func runSession(t *testing.T, c *wcs.Client, id string, log *statusLog) *session.Session {
	t.Helper()
	s, err := session.New(session.Config{
		Source: "w/" + id, ID: id, Opener: c, Sink: player.NewLatest(),
		NewDecoder: func(mime string) (player.Decoder, error) { return ffmpeg.NewDecoder(mime) },
		NewAudioEncoder: func(mime string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(mime, in, n)
		},
		OnStatus: log.on,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return s
}

// TestDropSilentClientAndResume stops the client's pongs: the server drops
// it, refuses it for a second as a restarting server would, and the tile
// must be live again within 3 s of the server taking it back, while a tile
// of another account on another server stays live throughout.
func TestDropSilentClientAndResume(t *testing.T) {
	srv := startServer(t, 100*time.Millisecond)
	var stalled atomic.Bool
	c := newClient(t, srv, &stalled)
	log := newStatusLog()
	runSession(t, c, "cam1", log)
	log.wait(t, session.StateLive, 15*time.Second)

	other := newClient(t, startServer(t, time.Second), nil)
	otherLog := newStatusLog()
	runSession(t, other, "cam2", otherLog)
	otherLog.wait(t, session.StateLive, 15*time.Second)

	stalled.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for srv.Dropped() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not drop the silent client within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.Refuse(true)
	stalled.Store(false) // the next connection answers again
	log.wait(t, session.StateRetrying, 5*time.Second)
	time.Sleep(time.Second)
	srv.Refuse(false)
	back := time.Now()
	live := log.wait(t, session.StateLive, 10*time.Second)
	if d := live.Sub(back); d > 3*time.Second {
		t.Fatalf("live again %s after the server took the client back, want within 3 s", d)
	}
	t.Logf("live again %s after the server took the client back", live.Sub(back).Round(time.Millisecond))
	if n := len(otherLog.ch); n != 0 {
		t.Errorf("the other account's tile changed state %d times after going live: %+v", n, <-otherLog.ch)
	}
}

func TestDevicesAndMembers(t *testing.T) {
	srv := startServer(t, time.Second)
	c := newClient(t, srv, nil, wcs.Room{Name: "ops", Streams: []string{"cam2", "gone"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	devs, err := c.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []session.Device{
		{ID: "cam1", Name: "cam1", Type: session.TypeStream, Online: true, Talk: session.TalkFull},
		{ID: "cam2", Name: "cam2", Type: session.TypeStream, Online: true, Talk: session.TalkFull},
		{ID: "gone", Name: "gone", Type: session.TypeStream, Online: false, Talk: session.TalkFull},
		{ID: "ops", Name: "ops", Type: session.TypeRoom, Online: true, Talk: session.TalkFull},
	}
	if len(devs) != len(want) {
		t.Fatalf("Devices = %+v, want %+v", devs, want)
	}
	for i := range want {
		if devs[i] != want[i] {
			t.Errorf("device %d = %+v, want %+v", i, devs[i], want[i])
		}
	}
	members, err := c.Members(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].ID != "ops/cam2" || !members[0].Online || members[1].ID != "ops/gone" || members[1].Online {
		t.Fatalf("Members = %+v", members)
	}
	if _, err := c.Members(ctx, "nope"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Members(nope) = %v, want not found", err)
	}
}

// TestTalkPublishesTheTalkStream talks on a room member: the tile plays
// ops/cam2 (cam2) and the talk is published as the room's talk stream,
// ops-talk, where the server hears the tone.
func TestTalkPublishesTheTalkStream(t *testing.T) {
	srv := startServer(t, time.Second)
	c := newClient(t, srv, nil, wcs.Room{Name: "ops", Streams: []string{"cam2"}})
	log := newStatusLog()
	s := runSession(t, c, "ops/cam2", log)
	log.wait(t, session.StateLive, 15*time.Second)
	if srv.Players("cam2") != 1 {
		t.Fatalf("server plays cam2 to %d clients, want 1", srv.Players("cam2"))
	}
	f := audio.Format{SampleRate: 16000, Channels: 1}
	if err := s.Talk(context.Background(), audio.NewWAVCapturer(audio.Tone(700, -12, f, 1500*time.Millisecond), f, false)); err != nil {
		t.Fatalf("Talk: %v", err)
	}
	// Releasing sent unPublishStream: the server no longer has the stream.
	for end := time.Now().Add(2 * time.Second); srv.Publishing("ops-talk") && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if srv.Publishing("ops-talk") {
		t.Fatal("ops-talk is still published after the talk ended")
	}
	pcm, rate := srv.Recorded("ops-talk")
	if rate != 48000 || len(pcm) < rate {
		t.Fatalf("server recorded %d samples at %d Hz on ops-talk, want over 1 s of Opus at 48 kHz", len(pcm), rate)
	}
	if fr := audio.DominantFrequency(pcm[len(pcm)/4:len(pcm)*3/4], rate); math.Abs(fr-700)/700 > 0.02 {
		t.Fatalf("server heard %.1f Hz, want 700 Hz within 2%%", fr)
	}
	rep, ok := s.ServerReport()
	if !ok || rep.Status != wcs.StatusPlaying || rep.Width != 320 || rep.Height != 180 {
		t.Fatalf("ServerReport = %+v, %v; want PLAYING at 320x180", rep, ok)
	}
}

// TestTalkEndsWhenTheServerUnpublishes holds talk on cam1 until the server
// stops publishing cam1-talk: Talk returns at once with ErrHangup and the
// server's words, the tile keeps playing (no new attempt) and the next
// talk publishes again.
func TestTalkEndsWhenTheServerUnpublishes(t *testing.T) {
	srv := startServer(t, time.Second)
	c := newClient(t, srv, nil)
	log := newStatusLog()
	s := runSession(t, c, "cam1", log)
	log.wait(t, session.StateLive, 15*time.Second)
	f := audio.Format{SampleRate: 16000, Channels: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	talked := make(chan error, 1)
	go func() { talked <- s.Talk(ctx, audio.NewWAVCapturer(audio.Tone(700, -12, f, time.Second), f, true)) }()
	for pcm, _ := srv.Recorded("cam1-talk"); len(pcm) == 0; pcm, _ = srv.Recorded("cam1-talk") {
		select {
		case err := <-talked:
			t.Fatalf("Talk returned %v before the server heard it", err)
		case <-ctx.Done():
			t.Fatal("the server never heard the talk")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !srv.Unpublish("cam1-talk") {
		t.Fatal("cam1-talk was not published")
	}
	select {
	case err := <-talked:
		if !errors.Is(err, session.ErrHangup) || session.Reason(err) != "Stopped by server (UNPUBLISHED)" {
			t.Fatalf("Talk = %v (reason %q), want a hangup with the server's words", err, session.Reason(err))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Talk went on after the server stopped the talk stream")
	}
	if st := s.Status(); st.State != session.StateLive || st.Attempt != 1 {
		t.Fatalf("status %+v after the talk stream ended, want the first attempt still live", st)
	}
	if ok, why := s.CanTalk(); !ok {
		t.Fatalf("CanTalk = false (%s) after the talk stream ended", why)
	}
	if err := s.Talk(ctx, audio.NewWAVCapturer(audio.Tone(700, -12, f, 300*time.Millisecond), f, false)); err != nil {
		t.Fatalf("second Talk: %v", err)
	}
}

func TestUnknownStreamFails(t *testing.T) {
	srv := startServer(t, time.Second)
	c := newClient(t, srv, nil)
	s, err := session.New(session.Config{
		Source: "w/nope", ID: "nope", Opener: c, Sink: player.NewLatest(),
		NewDecoder: func(mime string) (player.Decoder, error) { return ffmpeg.NewDecoder(mime) },
		FailFast:   true, // as the commands run it
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = s.Run(ctx)
	if !errors.Is(err, session.ErrNotFound) || session.Reason(err) != "Stream not found (FAILED)" {
		t.Fatalf("Run = %v (reason %q), want not found with the server's info and status", err, session.Reason(err))
	}
}
