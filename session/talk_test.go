package session_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// burstMic is a microphone paced in real time that is silent until armed,
// then sends one loud 1 kHz burst and notes when it handed it over.
type burstMic struct {
	f       audio.Format
	armed   atomic.Bool
	sentAt  atomic.Int64
	burst   []int16
	pos     int
	started time.Time
	read    int
}

func (m *burstMic) Format() audio.Format { return m.f }
func (m *burstMic) Close() error         { return nil }

func (m *burstMic) Read(ctx context.Context, p []int16) (int, error) {
	if m.started.IsZero() {
		m.started = time.Now()
	}
	// Pace like a sound card: the samples exist once their time has come.
	due := m.started.Add(m.f.Duration(m.read + len(p)))
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(time.Until(due)):
	}
	m.read += len(p)
	clear(p)
	if m.armed.Load() && m.pos < len(m.burst) {
		if m.pos == 0 {
			m.sentAt.Store(time.Now().UnixNano())
		}
		m.pos += copy(p, m.burst[m.pos:])
	}
	return len(p), nil
}

// liveDemoSession connects a session to a demo camera and waits until it
// can talk. Each tweak, when given, changes the session's configuration
// before it starts.
func liveDemoSession(tb testing.TB, camID string, onStatus func(session.Status), tweak ...func(*session.Config)) (*session.Session, *demo.Site, func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	site, err := demo.Start(ctx, demo.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client, err := tuya.New(tuya.Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg,
	})
	if err != nil {
		tb.Fatal(err)
	}
	ready := make(chan struct{}, 1)
	cfg := session.Config{
		Source: "demo/" + camID, ID: camID, Opener: client, Quality: session.QualitySub, Sink: player.NewLatest(),
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		MaxAttempts: 1,
		OnStatus: func(st session.Status) {
			if onStatus != nil {
				onStatus(st)
			}
			if st.State == session.StateLive {
				select {
				case ready <- struct{}{}:
				default:
				}
			}
		},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	s, err := session.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		tb.Fatalf("session ended before live: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("not live within 20 s")
	}
	return s, site, func() {
		cancel()
		<-done
		_ = client.Close()
		_ = site.Close()
	}
}

// BenchmarkTalkMouthToEar measures talk latency on loopback: from the moment
// the microphone hands over a loud burst to the moment the demo camera has
// decoded it (30 ms G.711 frames, as Tuya cameras take them).
func BenchmarkTalkMouthToEar(b *testing.B) {
	s, site, stop := liveDemoSession(b, "cam1", nil)
	defer stop()
	cam := site.Camera("cam1")
	f := audio.Format{SampleRate: 48000, Channels: 1}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		mic := &burstMic{f: f, burst: audio.Tone(1000, -3, f, 200*time.Millisecond)}
		ctx, cancel := context.WithCancel(context.Background())
		talked := make(chan error, 1)
		go func() { talked <- s.Talk(ctx, mic) }()
		time.Sleep(100 * time.Millisecond) // let silence flow first
		cam.ResetLoud()
		mic.armed.Store(true)
		deadline := time.Now().Add(5 * time.Second)
		for cam.LoudAt().IsZero() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-talked; err != nil {
			b.Fatalf("talk: %v", err)
		}
		if cam.LoudAt().IsZero() {
			b.Fatal("the camera never heard the burst")
		}
		total += cam.LoudAt().Sub(time.Unix(0, mic.sentAt.Load()))
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-mouth-to-ear")
}

func TestMain(m *testing.M) {
	ffmpeg.SetVerbose(false)
	goleak.VerifyTestMain(m)
}

// TestTalkRelease holds talk, releases it, and checks that Talk returns and
// the camera gets nothing more (Talk stops at the microphone read that the
// release interrupts; BenchmarkTalkMouthToEar measures the timing).
func TestTalkRelease(t *testing.T) {
	s, site, stop := liveDemoSession(t, "cam2", nil)
	defer stop()
	cam := site.Camera("cam2")
	f := audio.Format{SampleRate: 48000, Channels: 1}
	mic := &burstMic{f: f, burst: audio.Tone(1000, -3, f, time.Hour)}
	mic.armed.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	talked := make(chan error, 1)
	go func() { talked <- s.Talk(ctx, mic) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(cam.ReceivedAudio()) < 8000/2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !s.Talking() {
		t.Fatal("not talking while held")
	}
	cancel()
	if err := <-talked; err != nil {
		t.Fatalf("Talk after release = %v, want nil", err)
	}
	time.Sleep(200 * time.Millisecond) // whatever was in flight has landed
	n := len(cam.ReceivedAudio())
	time.Sleep(300 * time.Millisecond)
	if m := len(cam.ReceivedAudio()); m != n {
		t.Fatalf("camera kept receiving after release: %d more samples", m-n)
	}
	if s.Talking() {
		t.Fatal("still talking after release")
	}
}

// TestSessionPhases connects to a demo camera and checks the states a tile
// shows, in order, and that the picture statistics are filled in.
func TestSessionPhases(t *testing.T) {
	var mu sync.Mutex
	var states []session.State
	s, _, stop := liveDemoSession(t, "cam3", func(st session.Status) {
		mu.Lock()
		states = append(states, st.State)
		mu.Unlock()
	})
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Frames < 10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stats()
	stop()
	mu.Lock()
	defer mu.Unlock()
	want := []session.State{session.StateSignaling, session.StateICE, session.StateDTLS, session.StateWaiting, session.StateLive, session.StateClosed}
	if len(states) != len(want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("states %v, want %v", states, want)
		}
	}
	if st.Codec != "H264" || st.Width != 640 || st.Height != 360 || st.Frames < 10 || st.PacketsReceived == 0 {
		t.Fatalf("stats %+v", st)
	}
}
