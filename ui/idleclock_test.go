package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// countingApp is the test app with a driver whose canvases count the
// refreshes of their objects and the animations tiles start: what would
// make the real window repaint (an animation repaints every display frame).
type countingApp struct {
	fyne.App
	drv *countingDriver
}

func (a *countingApp) Driver() fyne.Driver { return a.drv }

type countingDriver struct {
	fyne.Driver
	// target is the canvas watched: windows of earlier tests may still
	// get the last of their UI calls.
	target                atomic.Value // fyne.Canvas
	refreshes, animations atomic.Int64
}

func (d *countingDriver) CanvasForObject(o fyne.CanvasObject) fyne.Canvas {
	c := d.Driver.CanvasForObject(o)
	if c == nil {
		return nil
	}
	return countingCanvas{c, d}
}

// StartAnimation counts the animations a tile starts (its spinner); other
// parts of the window (a toast of an earlier test fading) are not counted.
func (d *countingDriver) StartAnimation(a *fyne.Animation) {
	pc := make([]uintptr, 32)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for f, more := frames.Next(); more; f, more = frames.Next() {
		if strings.HasPrefix(f.Function, "github.com/lookout-app/lookout/ui.(*Tile).") {
			d.animations.Add(1)
			break
		}
	}
	d.Driver.StartAnimation(a)
}

type countingCanvas struct {
	fyne.Canvas
	d *countingDriver
}

func (c countingCanvas) Refresh(o fyne.CanvasObject) {
	if c.Canvas == c.d.target.Load() {
		c.d.refreshes.Add(1)
	}
	c.Canvas.Refresh(o)
}

// TestFailingTileRepaintsOncePerSecond: four tiles whose service stopped
// (the demo site closed under them live: every attempt fails at once and is
// retried after 0.5 to 2 s) change the window at most once a second
// together: their states, reasons and countdowns reach the canvas on the
// seconds clock, all in one UI call, and no spinner turns for a retry. The test drains the UI calls every 5 ms
// as Fyne's loop would, and counts the drains that refreshed anything (a
// repaint each) and the animations started, over 5 s.
func TestFailingTileRepaintsOncePerSecond(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	app := test.NewTempApp(t)
	drv := &countingDriver{Driver: app.Driver()}
	fyne.SetCurrentApp(&countingApp{App: app, drv: drv})
	site, err := demo.Start(context.Background(), demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: client, Quality: q,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) }}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	defer wall.Close()
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(640, 400))
	drv.target.Store(w.Canvas())
	for _, id := range []string{"cam1", "cam2", "cam3", "cam4"} {
		wall.Add("demo/"+id, id)
	}
	tiles := wall.Tiles()
	for _, tile := range tiles {
		waitFor(t, tile.Title+" to go live", func() bool { return tile.Status().State == session.StateLive })
	}

	site.Close() // the service stops
	for _, tile := range tiles {
		waitFor(t, tile.Title+" to wait for a retry", func() bool { return tile.Status().State == session.StateRetrying })
	}
	time.Sleep(time.Second) // the stop's own change (live to failed) is behind
	drainUI()

	const window = 5 * time.Second
	changes, states := 0, map[session.State]bool{}
	anim0 := drv.animations.Load()
	end := time.Now().Add(window)
	for time.Now().Before(end) {
		time.Sleep(5 * time.Millisecond)
		before := drv.refreshes.Load()
		drainUI()
		if drv.refreshes.Load() > before {
			changes++
			for _, tile := range tiles {
				states[tile.Status().State] = true
			}
		}
	}
	t.Logf("%d repaints in %v, states shown %v, %d animations started", changes, window, states, drv.animations.Load()-anim0)
	if limit := int(window/time.Second) + 1; changes > limit {
		t.Errorf("the failing tiles changed the window %d times in %v, want at most %d (once a second)", changes, window, limit)
	}
	if n := drv.animations.Load() - anim0; n != 0 {
		t.Errorf("%d animations started for failing tiles, want none (each repaints every frame)", n)
	}
	if changes == 0 {
		t.Error("the failing tiles never changed: their countdowns and states were not shown")
	}
}
