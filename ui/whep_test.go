package ui

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
	"github.com/lookout-app/lookout/session/whep"
)

// TestWHEPTileStates: a stream the server does not have ends failed with
// the server's reason; a server answering 503 keeps retrying and says so.
func TestWHEPTileStates(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	srv, err := demowhep.Start(demowhep.Config{
		NewEncoder: func(w, h, fps int) (demowhep.Encoder, error) {
			return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 300, KeyInterval: 2 * fps})
		},
		Draw:     func(*image.YCbCr, string, time.Time, int64) {},
		SDKAppID: 1400000004, SecretKey: "k",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := whep.New(whep.Config{Streams: []whep.Stream{
		{Name: "gone", URL: srv.URL() + "/whep/gone"},
		{Name: "maintenance", URL: srv.URL() + "/whep/maintenance"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: client, Quality: q,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) }}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wall := NewWall(ctx, factory, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(800, 400))
	wall.Add("media/gone", "gone")
	wall.Add("media/maintenance", "maintenance")
	tiles := wall.Tiles()
	waitFor(t, "the missing stream to be retried", func() bool { return tiles[0].Status().State == session.StateRetrying })
	if p := tiles[0].Phase(); !strings.HasPrefix(p, "Publisher away · retrying in") || tiles[0].Reason() != "no such stream: stream not found" || !tiles[0].RetryVisible() {
		t.Fatalf("404 tile shows %q, reason %q (retry %v)", p, tiles[0].Reason(), tiles[0].RetryVisible())
	}
	waitFor(t, "the busy server to be retried", func() bool { return tiles[1].Status().State == session.StateRetrying })
	if p := tiles[1].Phase(); !strings.HasPrefix(p, "Busy · retrying in") || tiles[1].Reason() != "server unavailable: server under maintenance (retry after 1s)" {
		t.Fatalf("503 tile shows %q, reason %q", p, tiles[1].Reason())
	}
	wall.Close()
}
