package wcs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wcs"
)

// TestPlayStreamAsksTheTileSize: playStream asks the server for the tile's
// size on the grid (the sub quality) and for the stream as published (0x0)
// when maximised, and the call's plan says another quality is another
// stream.
func TestPlayStreamAsksTheTileSize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    wcs.Config
		q      session.Quality
		w, h   int
		plural bool
	}{
		{"sub, default size", wcs.Config{}, session.QualitySub, 640, 360, true},
		{"sub, configured size", wcs.Config{SubWidth: 320, SubHeight: 180}, session.QualitySub, 320, 180, true},
		{"main, as published", wcs.Config{SubWidth: 320, SubHeight: 180}, session.QualityMain, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 16)
			cfg := tc.cfg
			cfg.URL = scripted(t, "noSuchMessage", nil, got) // every message reported
			cfg.Streams = []string{"cam1"}
			c, err := wcs.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			call, err := c.Open(ctx, "cam1", tc.q)
			if err != nil {
				t.Fatal(err)
			}
			defer call.Close()
			if call.Plan().Qualities != tc.plural {
				t.Errorf("plan.Qualities = %v", call.Plan().Qualities)
			}
			xctx, xcancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { // no answer comes: Exchange waits until cancelled
				defer close(done)
				_, _ = call.Exchange(xctx, "v=0\r\noffer\r\n")
			}()
			defer func() { xcancel(); <-done }()
			for {
				select {
				case s := <-got:
					var m struct {
						Message string `json:"message"`
						Data    []struct {
							Width  *int `json:"width"`
							Height *int `json:"height"`
						} `json:"data"`
					}
					if err := json.Unmarshal([]byte(s), &m); err != nil || m.Message != "playStream" {
						continue
					}
					if len(m.Data) != 1 || m.Data[0].Width == nil || m.Data[0].Height == nil {
						t.Fatalf("playStream without width/height: %s", s)
					}
					if w, h := *m.Data[0].Width, *m.Data[0].Height; w != tc.w || h != tc.h {
						t.Fatalf("playStream asks %dx%d, want %dx%d", w, h, tc.w, tc.h)
					}
					return
				case <-ctx.Done():
					t.Fatal("no playStream sent")
				}
			}
		})
	}
}
