package een_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
	"github.com/lookout-app/lookout/session/een"
)

// startEdge runs a demo EEN edge (plain ws on loopback) for the test.
func startEdge(t *testing.T, cfg eendemo.Config) *eendemo.Server {
	t.Helper()
	srv, err := eendemo.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func newClient(t *testing.T, srv *eendemo.Server, token string, capDur time.Duration) *een.Client {
	t.Helper()
	c, err := een.New(een.Config{Endpoint: srv.Endpoint(), Token: token, SessionCap: capDur, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestDevices(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pageSize int
	}{{"one per page", 1}, {"two per page", 2}, {"all on one page", 100}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startEdge(t, eendemo.Config{PageSize: tc.pageSize})
			defer func() { _ = srv.Close() }()
			devs, err := newClient(t, srv, srv.Token(), 0).Devices(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := []session.Device{
				{ID: "lobby", Name: "lobby", Type: session.TypeSpeaker, Online: true, Talk: session.TalkHalf},
				{ID: "gate", Name: "gate", Type: session.TypeSpeaker, Online: true, Talk: session.TalkFull},
				{ID: "dock", Name: "dock", Type: session.TypeSpeaker, Online: true, Talk: session.TalkHalf, SendOnly: true},
			}
			if len(devs) != len(want) {
				t.Fatalf("devices %+v, want %+v", devs, want)
			}
			for i := range want {
				if devs[i] != want[i] {
					t.Errorf("device %d = %+v, want %+v", i, devs[i], want[i])
				}
			}
		})
	}
}

func TestDevicesRefused(t *testing.T) {
	srv := startEdge(t, eendemo.Config{})
	defer func() { _ = srv.Close() }()
	_, err := newClient(t, srv, "wrong", 0).Devices(context.Background())
	if !errors.Is(err, session.ErrUnauthorized) || !strings.Contains(session.Reason(err), "Token not valid") {
		t.Fatalf("err = %v (reason %q)", err, session.Reason(err))
	}
}

func TestFeedsHTTPErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		ctype  string
		body   string
		want   error
		reason string
	}{
		{"forbidden", 403, "application/json", `{"code":403,"status":"forbidden","message":"Not allowed"}`, session.ErrUnauthorized, "Not allowed"},
		{"server error html", 500, "text/html", `<html>oops</html>`, nil, "Internal Server Error"},
		{"not json", 200, "text/html", `<html>login</html>`, session.ErrProtocol, "not JSON"},
		{"truncated json", 200, "application/json", `{"results":[`, session.ErrProtocol, ""},
		{"rate limited", 429, "application/json", `{"message":"Too many requests"}`, session.ErrBusy, "Too many requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			c, err := een.New(een.Config{Endpoint: ts.URL, Token: "t"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Devices(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("err %q lacks %q", err, tc.reason)
			}
		})
	}
}

// heard collects the audio a session plays.
type heard struct {
	mu  sync.Mutex
	pcm []int16
	f   audio.Format
}

func (h *heard) PlayAudio(p []int16, f audio.Format) {
	h.mu.Lock()
	h.pcm = append(h.pcm, p...)
	h.f = f
	h.mu.Unlock()
}

func (h *heard) get() ([]int16, audio.Format) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int16(nil), h.pcm...), h.f
}

func sessionConfig(c *een.Client, id string, out *heard) session.Config {
	return session.Config{
		Source: "site/" + id, ID: id, Opener: c, Sink: player.NewLatest(),
		NewDecoder:     func(string) (player.Decoder, error) { return nil, errors.New("no video here") },
		ConnectTimeout: 10 * time.Second,
		MaxAttempts:    1,
		Audio:          out,
		AudioFormat:    audio.Format{SampleRate: 48000, Channels: 1},
		NewAudioDecoder: func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, r, ch, f)
		},
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
	}
}

// live runs a session until it is live and returns it with its Run result.
func live(t *testing.T, ctx context.Context, cfg session.Config) (*session.Session, chan error) {
	t.Helper()
	ready := make(chan struct{}, 1)
	cfg.OnStatus = func(st session.Status) {
		if st.State == session.StateLive {
			select {
			case ready <- struct{}{}:
			default:
			}
		}
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
	case <-time.After(15 * time.Second):
		t.Fatal("not live within 15 s")
	}
	return s, done
}

func TestTalkFullDuplex(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := startEdge(t, eendemo.Config{})
	defer func() { _ = srv.Close() }()
	c := newClient(t, srv, srv.Token(), 0)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := &heard{}
	s, done := live(t, ctx, sessionConfig(c, "gate", out))
	f := audio.Format{SampleRate: 16000, Channels: 1}
	if err := s.Talk(ctx, audio.NewWAVCapturer(audio.Tone(1000, -12, f, 1500*time.Millisecond), f, false)); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	_ = srv.Close()
	recs := srv.Speaker("gate").Sessions()
	if len(recs) != 1 {
		t.Fatalf("%d sessions", len(recs))
	}
	r := recs[0]
	if r.Codec != "audio/opus" || r.Direction != "sendrecv" {
		t.Errorf("codec %s direction %s, want Opus sendrecv", r.Codec, r.Direction)
	}
	if got := audio.DominantFrequency(r.Audio, r.Rate); math.Abs(got-1000)/1000 > 0.02 {
		t.Errorf("the speaker heard %.1f Hz, want 1000 Hz ±2%%", got)
	}
	pcm, hf := out.get()
	if len(pcm) < hf.SampleRate/2 {
		t.Fatalf("heard %d samples of the speaker's microphone", len(pcm))
	}
	if got := audio.DominantFrequency(pcm, hf.SampleRate); math.Abs(got-eendemo.ToneHz)/eendemo.ToneHz > 0.02 {
		t.Errorf("heard %.1f Hz from the speaker, want %d Hz ±2%%", got, eendemo.ToneHz)
	}
}

func TestOpenRefusals(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := startEdge(t, eendemo.Config{})
	defer func() { _ = srv.Close() }()
	for _, tc := range []struct {
		name, id string
		want     error
		reason   string
	}{
		{"busy", "dock", session.ErrBusy, "busy"},
		{"no such speaker", "attic", session.ErrNotFound, "no talkdown feed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := session.New(sessionConfig(newClient(t, srv, srv.Token(), 0), tc.id, &heard{}))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Run(ctx)
			if !errors.Is(err, tc.want) || !strings.Contains(session.Reason(err)+err.Error(), tc.reason) {
				t.Fatalf("err = %v (reason %q), want %v with %q", err, session.Reason(err), tc.want, tc.reason)
			}
		})
	}
}

func TestDisconnectMidTalk(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := startEdge(t, eendemo.Config{})
	defer func() { _ = srv.Close() }()
	c := newClient(t, srv, srv.Token(), 0)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, done := live(t, ctx, sessionConfig(c, "lobby", &heard{}))
	f := audio.Format{SampleRate: 8000, Channels: 1}
	talked := make(chan error, 1)
	go func() { talked <- s.Talk(ctx, audio.NewWAVCapturer(audio.Tone(500, -12, f, time.Second), f, true)) }()
	time.Sleep(500 * time.Millisecond)
	if n := srv.Disconnect("lobby"); n != 1 {
		t.Fatalf("disconnected %d sessions", n)
	}
	at := time.Now()
	select {
	case err := <-talked:
		if !errors.Is(err, session.ErrHangup) {
			t.Errorf("talk ended with %v, want a hang-up", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("talk still running 5 s after the disconnect")
	}
	select {
	case err := <-done:
		if !errors.Is(err, een.ErrDisconnected) {
			t.Errorf("session ended with %v, want ErrDisconnected", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session still running 5 s after the disconnect")
	}
	t.Logf("talk and session ended %s after the disconnect", time.Since(at).Round(time.Millisecond))
	if st := s.Status(); st.State != session.StateFailed {
		t.Errorf("state %v, want failed", st.State)
	}
}

func TestBadTokenOnSocket(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := startEdge(t, eendemo.Config{})
	defer func() { _ = srv.Close() }()
	// The REST API takes the token but the Signaling Service does not: a
	// token revoked between the two.
	c, err := een.New(een.Config{Endpoint: srv.Endpoint(), Token: srv.Token()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	feeds, err := c.Feeds(context.Background(), "lobby")
	if err != nil || len(feeds) != 1 {
		t.Fatalf("feeds %v, %v", feeds, err)
	}
	bad := een.DialForTest(t, srv.Endpoint(), "revoked", feeds[0])
	start := time.Now()
	if !errors.Is(bad, session.ErrUnauthorized) || !strings.Contains(session.Reason(bad), "Token not valid") {
		t.Fatalf("err = %v (reason %q)", bad, session.Reason(bad))
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("refused after %s", d)
	}
}

func TestRelayRenewsBeforeTheCap(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const capDur = 3 * time.Second
	srv := startEdge(t, eendemo.Config{SessionCap: capDur})
	defer func() { _ = srv.Close() }()
	c := newClient(t, srv, srv.Token(), capDur)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := sessionConfig(c, "lobby", &heard{})
	r, err := session.NewRelay(cfg, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	const talk = 8 * time.Second
	f := audio.Format{SampleRate: 16000, Channels: 1}
	remaining := make(chan time.Duration, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		d, _ := r.Remaining()
		remaining <- d
	}()
	if err := r.Talk(ctx, audio.NewWAVCapturer(audio.Tone(800, -12, f, talk), f, false)); err != nil {
		t.Fatal(err)
	}
	if d := <-remaining; d <= capDur-time.Second || d > capDur {
		t.Errorf("remaining %s half a second in, want about %s", d, capDur-500*time.Millisecond)
	}
	_ = srv.Close()
	recs := srv.Speaker("lobby").Sessions()
	if len(recs) < 3 {
		t.Fatalf("%d sessions for %s of talk with a %s cap", len(recs), talk, capDur)
	}
	var total int
	for i, rec := range recs {
		if rec.EndReason == "cap" {
			t.Errorf("session %d was cut by the cap", i)
		}
		total += len(rec.Audio)
		if i == 0 {
			continue
		}
		gap := rec.First.Sub(recs[i-1].Last)
		t.Logf("renewal %d: speech gap at the speaker %s", i, gap.Round(time.Millisecond))
		if gap > time.Second {
			t.Errorf("renewal %d: gap %s > 1 s", i, gap)
		}
	}
	got := time.Duration(total) * time.Second / time.Duration(recs[0].Rate)
	t.Logf("sent %s, the speaker heard %s in %d sessions", talk, got.Round(time.Millisecond), len(recs))
	if got < talk-time.Second {
		t.Errorf("heard %s of %s", got, talk)
	}
	if n, _ := r.Renewals(); n != len(recs)-1 {
		t.Errorf("%d renewals for %d sessions", n, len(recs))
	}
}
