package whep_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/whep"
)

// pictureClock is a Sink that notes when the latest picture arrived.
type pictureClock struct{ last atomic.Int64 }

func (p *pictureClock) PutFrame(*player.Frame) { p.last.Store(time.Now().UnixNano()) }

// since reports whether a picture arrived after t.
func (p *pictureClock) since(t time.Time) bool { return p.last.Load() > t.UnixNano() }

// any reports whether a picture arrived at all.
func (p *pictureClock) any() bool { return p.last.Load() != 0 }

// publish starts the ffmpeg CLI publishing H.264 (a keyframe every half
// second) to MediaMTX over RTSP/TCP; stop kills it and waits.
func publish(t *testing.T, rtsp, name string) (stop func()) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
		"-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-g", "15",
		"-f", "rtsp", "-rtsp_transport", "tcp", rtsp+"/"+name)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestMediaMTXPublisherAwayAndBack: a MediaMTX path whose publisher leaves
// for 6 s and returns is moving again within 3 s of its return, on a
// session as a wall runs it (no FailFast): MediaMTX's 404s meanwhile are
// retried as "publisher away", at most every 2 s.
func TestMediaMTXPublisherAwayAndBack(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI to feed MediaMTX:", err)
	}
	bin := mediamtx(t)
	web, api, rtsp := startMediaMTX(t, bin)
	const path, away = "away", 6 * time.Second
	stop := publish(t, rtsp, path)
	waitReady(t, api, path)
	c, err := whep.New(whep.Config{Streams: []whep.Stream{{Name: path, URL: web + "/" + path + "/whep"}}})
	if err != nil {
		t.Fatal(err)
	}
	pics := &pictureClock{}
	var mu sync.Mutex
	var waits []session.Wait
	s, err := session.New(session.Config{
		Source: "media/" + path, ID: path, Opener: c, Sink: pics,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		OnStatus: func(st session.Status) {
			if st.State == session.StateRetrying {
				mu.Lock()
				waits = append(waits, st.Wait)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want it to go on until cancelled", err)
		}
	}()
	poll := func(what string, limit time.Duration, cond func() bool) time.Time {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s (state %s: %v)", what, limit, s.Status().State, s.Status().Err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Now()
	}
	poll("first picture", 15*time.Second, pics.any)
	stop()
	left := time.Now()
	time.Sleep(away)
	publish(t, rtsp, path)
	waitReady(t, api, path)
	back := time.Now()
	moving := poll("pictures after the publisher's return", 3*time.Second, func() bool { return pics.since(back) })
	t.Logf("publisher away %s; moving again %s after MediaMTX said the path was ready", back.Sub(left).Round(10*time.Millisecond), moving.Sub(back).Round(10*time.Millisecond))
	mu.Lock()
	defer mu.Unlock()
	sawAway := false
	for _, w := range waits {
		sawAway = sawAway || w == session.WaitAway
	}
	if !sawAway {
		t.Fatalf("retry policies %v while the publisher was away, want publisher away", waits)
	}
}
