package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// TestWallWithRealSessions puts three demo cameras and one camera of an
// account with a wrong secret on the wall: the three go live, the fourth
// shows the cloud's reason, and closing the wall leaves no goroutine and
// no viewer on any camera.
func TestWallWithRealSessions(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	site, err := demo.Start(context.Background(), demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client := func(secret string) *tuya.Client {
		c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: secret, UID: site.UID(),
			HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	good, bad := client(site.Secret()), client("0123456789abcdef0123456789abcdef")
	defer good.Close()
	defer bad.Close()
	openers := map[string]session.Opener{"demo": good, "broken": bad}
	factory := func(source string, q session.Quality) (session.Config, error) {
		name, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: openers[name], Quality: q,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
			NewAudioDecoder: func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
				return ffmpeg.NewAudioDecoder(m, rate, ch, out)
			},
			AudioFormat: SpeakerFormat}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(800, 500))
	sources := []string{"demo/cam1", "demo/cam2", "broken/cam3", "demo/cam4"}
	for _, s := range sources {
		wall.Add(s, s)
	}
	tiles := wall.Tiles()
	waitFor(t, "the wrong secret's tile to wait for its next try", func() bool { return tiles[2].Status().State == session.StateRetrying })
	if got := tiles[2].Phase(); !strings.HasPrefix(got, "Credentials refused · renewing in") || tiles[2].Reason() != "sign invalid" || !tiles[2].RetryVisible() {
		t.Fatalf("failed tile shows %q, reason %q (retry %v), want the cloud's 'sign invalid'", got, tiles[2].Reason(), tiles[2].RetryVisible())
	}
	for _, i := range []int{0, 1, 3} {
		waitFor(t, sources[i]+" live with a picture", func() bool {
			return tiles[i].Status().State == session.StateLive && tiles[i].picture.Visible()
		})
	}
	if n := site.Camera("cam1").Viewers(); n != 1 {
		t.Fatalf("cam1 has %d viewers while on the wall", n)
	}
	wall.Close()
	for _, id := range []string{"cam1", "cam2", "cam4"} {
		waitFor(t, id+" to lose its viewer", func() bool { return site.Camera(id).Viewers() == 0 })
	}
}

// slowHangup opens Tuya calls whose hang-up takes a second, as over a slow
// network, and counts the calls open at once: a session started before the
// previous one is gone overlaps it.
type slowHangup struct {
	c             *tuya.Client
	open, maxOpen *atomic.Int32
}

// slowCall is a Tuya call whose Close waits before hanging up.
type slowCall struct {
	*tuya.Call
	open *atomic.Int32
}

func (s slowHangup) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	n := s.open.Add(1)
	for m := s.maxOpen.Load(); n > m && !s.maxOpen.CompareAndSwap(m, n); m = s.maxOpen.Load() {
	}
	call, err := s.c.Open(ctx, id, q)
	if err != nil {
		s.open.Add(-1)
		return nil, err
	}
	return slowCall{call.(*tuya.Call), s.open}, nil
}

func (s slowCall) Close() error {
	time.Sleep(time.Second)
	defer s.open.Add(-1)
	return s.Call.Close()
}

// TestMaximiseOneViewerCamera maximises and restores a tile of a demo
// camera that streams to one viewer at a time: the sub-stream session must
// be gone before the main-stream one starts (and back), so the camera
// never refuses an offer and the tile goes live on each stream.
func TestMaximiseOneViewerCamera(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	cam := site.Camera("cam1")
	cam.LimitViewers(1)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	op := slowHangup{c: c, open: new(atomic.Int32), maxOpen: new(atomic.Int32)}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q, MaxAttempts: 1,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) }}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(800, 500))
	wall.Add("demo/cam1", "demo/cam1")
	e := wall.entries[0]
	liveOn := func(q session.Quality) func() bool {
		return func() bool { return e.run != nil && e.run.mt.Quality() == q && e.run.Live() }
	}
	waitFor(t, "the sub stream live", liveOn(session.QualitySub))
	for i, q := range []session.Quality{session.QualityMain, session.QualitySub, session.QualityMain} {
		wall.ToggleMaximise("demo/cam1")
		waitFor(t, fmt.Sprintf("switch %d: the %s stream live", i+1, q), liveOn(q))
		if n := cam.BusyRejected(); n != 0 {
			t.Fatalf("switch %d to %s: the camera refused %d offers: two sessions ran on it at once", i+1, q, n)
		}
		if n := op.maxOpen.Load(); n != 1 {
			t.Fatalf("switch %d to %s: %d calls to the camera were open at once", i+1, q, n)
		}
	}
	wall.Close()
	waitFor(t, "cam1 to lose its viewer", func() bool { return cam.Viewers() == 0 })
}
