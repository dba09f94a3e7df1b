package whep_test

import (
	"context"
	"errors"
	"image"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
	"github.com/lookout-app/lookout/session/peer"
	"github.com/lookout-app/lookout/session/whep"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// startServer runs the demo WHEP server over plain HTTP on loopback.
func startServer(t *testing.T) *demowhep.Server {
	t.Helper()
	srv, err := demowhep.Start(demowhep.Config{
		NewEncoder: func(w, h, fps int) (demowhep.Encoder, error) {
			return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 600, KeyInterval: 2 * fps})
		},
		Draw: func(img *image.YCbCr, name string, _ time.Time, frame int64) {
			for i := range img.Y {
				img.Y[i] = byte(int64(i) + frame)
			}
		},
		SDKAppID: 1400000001, SecretKey: "k", MemberPeriod: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// run plays one source through a real session and returns the statuses
// it went through until it went live, failed, or the timeout.
func run(t *testing.T, op session.Opener, id string, timeout time.Duration) []session.Status {
	t.Helper()
	var mu sync.Mutex
	var got []session.Status
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := session.New(session.Config{
		Source: "media/" + id, ID: id, Opener: op, Sink: player.NewLatest(),
		NewDecoder:     func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		ConnectTimeout: 10 * time.Second, MinBackoff: 200 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
		FailFast: true, // as the commands run it: refusals end in failed
		OnStatus: func(st session.Status) {
			mu.Lock()
			got = append(got, st)
			mu.Unlock()
			if st.State == session.StateLive || st.State == session.StateFailed || (st.State == session.StateRetrying && st.Attempt >= 2) {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Run(ctx)
	mu.Lock()
	defer mu.Unlock()
	return append([]session.Status(nil), got...)
}

func TestStreamsEndInClearStates(t *testing.T) {
	srv := startServer(t)
	u := srv.URL()
	c, err := whep.New(whep.Config{Streams: []whep.Stream{
		{Name: "lobby", URL: u + "/whep/lobby", PublishURL: u + "/whip/lobby", Token: srv.Token()},
		{Name: "garage", URL: u + "/whep/garage"},
		{Name: "nothing", URL: u + "/whep/nothing"},
		{Name: "maintenance", URL: u + "/whep/maintenance"},
		{Name: "busy", URL: u + "/whep/busy"},
		{Name: "badtoken", URL: u + "/whep/lobby", Token: "wrong"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		state  session.State
		reason string
	}{
		{"lobby", session.StateLive, ""},
		{"garage", session.StateLive, ""},
		{"nothing", session.StateFailed, "no such stream: stream not found"},
		{"maintenance", session.StateRetrying, "server unavailable: server under maintenance (retry after 1s)"},
		{"busy", session.StateRetrying, "busy: busy: the stream has as many viewers as it takes"},
		{"badtoken", session.StateFailed, "bearer token refused: bearer token missing or wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := run(t, c, tc.name, 20*time.Second)
			var last session.Status
			for _, st := range got {
				if st.State == tc.state {
					last = st
				}
			}
			if last.State != tc.state {
				t.Fatalf("never reached %s: %+v", tc.state, got)
			}
			if r := session.Reason(last.Err); r != tc.reason {
				t.Fatalf("reason %q, want %q", r, tc.reason)
			}
			if tc.name == "maintenance" && time.Since(start) < 2*time.Second {
				// Two retries after Retry-After: 1 s each before giving
				// the attempt up.
				t.Fatalf("gave up after %s without honouring Retry-After", time.Since(start))
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Resources() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := srv.Resources(); n != 0 {
		t.Fatalf("%d sessions left on the server after hang-up", n)
	}
}

func TestTrickleUsesETag(t *testing.T) {
	srv := startServer(t)
	var mu sync.Mutex
	var patches []string
	rt := roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPatch {
			mu.Lock()
			patches = append(patches, r.Header.Get("If-Match")+" "+r.Header.Get("Content-Type"))
			mu.Unlock()
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	c, err := whep.New(whep.Config{HTTPClient: &http.Client{Transport: rt}, Streams: []whep.Stream{
		{Name: "lobby", URL: srv.URL() + "/whep/lobby", Token: srv.Token()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := run(t, c, "lobby", 20*time.Second)
	if got[len(got)-1].State != session.StateClosed || !live(got) {
		t.Fatalf("statuses %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(patches) == 0 {
		t.Fatal("no trickle PATCH sent to a server announcing Accept-Patch")
	}
	for _, p := range patches {
		if !strings.HasPrefix(p, `"`) || !strings.HasSuffix(p, " application/trickle-ice-sdpfrag") {
			t.Fatalf("PATCH with If-Match/Content-Type %q", p)
		}
	}
}

func live(sts []session.Status) bool {
	for _, st := range sts {
		if st.State == session.StateLive {
			return true
		}
	}
	return false
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestICERestartRefusedClearly(t *testing.T) {
	srv := startServer(t)
	ep := &whep.Endpoint{URL: srv.URL() + "/whep/garage"}
	c, err := whep.Open(context.Background(), ep, func(ice []webrtc.ICEServer) session.Plan { return whep.PlayPlan(ice, false) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Exchange(context.Background(), offerSDP(t))
	if err != nil {
		t.Fatal(err)
	}
	res := c.(interface{ Resource() *whep.Resource }).Resource()
	if _, err := res.RestartICE(context.Background(), "a=ice-ufrag:x\r\na=ice-pwd:yyyyyyyyyyyyyyyyyyyyyy\r\n"); !errors.Is(err, whep.ErrNoTrickle) {
		t.Fatalf("ICE restart on a server without it: %v", err)
	}
}

// offerSDP is a real offer from a receive-only pion peer.
func offerSDP(t *testing.T) string {
	t.Helper()
	p, err := peer.New(peer.Config{Video: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := p.GatheredOffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestLobbyPlaysG711Audio: the demo lobby's 1 kHz PCMU tone reaches the
// session's audio sink next to the picture.
func TestLobbyPlaysG711Audio(t *testing.T) {
	srv := startServer(t)
	c, err := whep.New(whep.Config{Streams: []whep.Stream{{Name: "lobby", URL: srv.URL() + "/whep/lobby", Token: srv.Token()}}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var pcm []int16
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := session.New(session.Config{
		Source: "media/lobby", ID: "lobby", Opener: c, Sink: player.NewLatest(),
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioDecoder: func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, rate, ch, out)
		},
		AudioFormat: audio.Format{SampleRate: 48000, Channels: 1},
		Audio: audioSinkFunc(func(p []int16, _ audio.Format) {
			mu.Lock()
			pcm = append(pcm, p...)
			n := len(pcm)
			mu.Unlock()
			if n >= 48000 {
				cancel()
			}
		}),
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Run(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(pcm) < 48000 {
		t.Fatalf("%d samples of audio played, want a second", len(pcm))
	}
	if hz := audio.DominantFrequency(pcm[len(pcm)/2:], 48000); math.Abs(hz-demowhep.ToneHz)/demowhep.ToneHz > 0.02 {
		t.Fatalf("lobby audio at %.1f Hz, want %d Hz", hz, demowhep.ToneHz)
	}
}

// TestTalkPublishLifecycle: a stream with a WHIP endpoint can talk once
// playing; a talk released at once leaves no publish session behind; one
// without publish_url cannot talk.
func TestTalkPublishLifecycle(t *testing.T) {
	srv := startServer(t)
	u := srv.URL()
	c, err := whep.New(whep.Config{Streams: []whep.Stream{
		{Name: "lobby", URL: u + "/whep/lobby", PublishURL: u + "/whip/lobby", Token: srv.Token()},
		{Name: "garage", URL: u + "/whep/garage"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		canTalk bool
	}{{"lobby", true}, {"garage", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			live := make(chan struct{})
			var once sync.Once
			s, err := session.New(session.Config{
				Source: "media/" + tc.name, ID: tc.name, Opener: c, Sink: player.NewLatest(),
				NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
				NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
					return ffmpeg.NewAudioEncoder(m, in, n)
				},
				OnStatus: func(st session.Status) {
					if st.State == session.StateLive {
						once.Do(func() { close(live) })
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			select {
			case <-live:
			case <-ctx.Done():
				t.Fatal("never live")
			}
			ok, why := s.CanTalk()
			if ok != tc.canTalk {
				t.Fatalf("CanTalk = %v (%s), want %v", ok, why, tc.canTalk)
			}
			released, release := context.WithCancel(ctx)
			release()
			f := audio.Format{SampleRate: 48000, Channels: 1}
			err = s.Talk(released, audio.NewWAVCapturer(audio.Tone(440, -12, f, time.Second), f, false))
			if tc.canTalk && err != nil {
				t.Fatalf("a released talk returned %v", err)
			}
			if !tc.canTalk && !errors.Is(err, session.ErrNoTalk) {
				t.Fatalf("talk without publish_url returned %v", err)
			}
			if n := srv.Resources(); n != 1 {
				t.Fatalf("%d sessions on the server while playing, want only the play one", n)
			}
			cancel()
			<-done
		})
	}
}
