package session_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
)

// captureSink keeps, for each decoded picture, its capture time and when
// it was decoded, and signals the first one.
type captureSink struct {
	first     chan struct{}
	firstOnce sync.Once
	pictures  chan captured
}

type captured struct {
	capture, decoded time.Time
}

func newCaptureSink(keep int) *captureSink {
	return &captureSink{first: make(chan struct{}), pictures: make(chan captured, keep)}
}

func (s *captureSink) PutFrame(f *player.Frame) {
	now := time.Now()
	s.firstOnce.Do(func() { close(s.first) })
	select {
	case s.pictures <- captured{f.Capture, now}:
	default:
	}
}

// openTile runs a session to demo camera id of w, decoding its sub stream
// at a 4x4 wall's tile size, into sink; stop ends it and waits.
func openTile(tb testing.TB, w *wall, id string, sink player.Sink) (s *session.Session, stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := session.New(session.Config{
		Source: "demo/" + id, ID: id, Opener: w.client, Quality: session.QualitySub, Sink: sink,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		Width:      320, Height: 180,
	})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return s, func() {
		cancel()
		<-done
	}
}

// TestCaptureLatencyFromDemoCamera: a demo camera stamps each picture with
// its capture time (abs-capture-time), the session's player reads it, and
// the stats turn it into a capture-to-decoded latency. It fails when the
// extension is not sent, not negotiated or not parsed.
func TestCaptureLatencyFromDemoCamera(t *testing.T) {
	w := startWall(t, 1, demo.Config{})
	sink := newCaptureSink(50)
	s, stop := openTile(t, w, "cam1", sink)
	defer stop()
	deadline := time.After(faultDeadline)
	for n := 0; n < 25; n++ {
		var p captured
		select {
		case p = <-sink.pictures:
		case <-deadline:
			t.Fatalf("%d pictures within %s, want 25", n, faultDeadline)
		}
		if p.capture.IsZero() {
			t.Fatalf("picture %d has no capture time: the demo camera's abs-capture-time did not arrive", n)
		}
		if lat := p.decoded.Sub(p.capture); lat <= 0 || lat > faultDeadline {
			t.Fatalf("picture %d: capture to decoded %s, want a positive latency on one machine's clock", n, lat)
		}
	}
	st := s.Stats()
	if st.DecodedLatency <= 0 {
		t.Fatalf("Stats().DecodedLatency = %s, want the measured latency", st.DecodedLatency)
	}
	t.Logf("capture to decoded: median %s over the last pictures", st.DecodedLatency)
}

// BenchmarkTimeToFirstPicture opens a session to a demo camera on loopback
// and waits for its first decoded picture, once per iteration (sign-in,
// MQTT offer, ICE, DTLS, the camera's IDR, decoding). The site and its
// client are up before the clock starts, as they are for a wall whose
// first tile is already live.
func BenchmarkTimeToFirstPicture(b *testing.B) {
	w := startWall(b, 2, demo.Config{})
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		sink := newCaptureSink(1)
		start := time.Now()
		_, stop := openTile(b, w, "cam2", sink)
		select {
		case <-sink.first:
		case <-time.After(faultDeadline):
			b.Fatal("no picture")
		}
		took = append(took, time.Since(start))
		b.StopTimer()
		stop()
		b.StartTimer()
	}
	b.StopTimer()
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/1000/float64(len(took)), "ms/op")
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkGlassToGlass measures, over b.N pictures of one demo camera on
// loopback, the latency from the camera's capture time (abs-capture-time)
// to the decoded picture, and reports its median and 95th percentile.
func BenchmarkGlassToGlass(b *testing.B) {
	w := startWall(b, 1, demo.Config{})
	sink := newCaptureSink(64)
	_, stop := openTile(b, w, "cam1", sink)
	defer stop()
	select {
	case <-sink.first:
	case <-time.After(faultDeadline):
		b.Fatal("no picture")
	}
	for len(sink.pictures) > 0 {
		<-sink.pictures // the first ones wait in the channel
	}
	lats := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		select {
		case p := <-sink.pictures:
			if p.capture.IsZero() {
				b.Fatal("a picture without its capture time")
			}
			lats = append(lats, p.decoded.Sub(p.capture))
		case <-time.After(faultDeadline):
			b.Fatal("pictures stopped")
		}
	}
	b.StopTimer()
	slices.Sort(lats)
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "ms")
	b.ReportMetric(float64(lats[len(lats)*95/100].Microseconds())/1000, "p95-ms")
}
