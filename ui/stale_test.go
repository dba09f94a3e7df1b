package ui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session"
)

// TestTileStalePicture: a tile whose session stalls keeps its last picture,
// dimmed, under "no picture since HH:MM:SS", through the retry that follows,
// and shows it undimmed only once live again. A tile that never had a
// picture shows none.
func TestTileStalePicture(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Gate", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(400, 240))

	tile.SetStatus(session.Status{State: session.StateRetrying, Err: session.ErrHangup, RetryAt: time.Now()})
	if tile.Stale() || tile.picture.Visible() {
		t.Fatal("a tile that never had a picture shows one")
	}
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetFrame(frame(320, 180, color.RGBA{R: 200, A: 255}))
	if tile.Stale() || !tile.picture.Visible() {
		t.Fatal("live tile: picture hidden or dimmed")
	}
	last := time.Date(2026, 12, 1, 13, 4, 5, 0, time.Local)
	for _, tc := range []struct {
		name string
		st   session.Status
		want string
	}{
		{"stalled", session.Status{State: session.StateStalled, Err: session.ErrNoPicture, LastPicture: last}, "No picture · reconnecting\nno picture since 13:04:05"},
		{"retrying", session.Status{State: session.StateRetrying, Err: session.ErrHangup, LastPicture: last, RetryAt: time.Now()}, "Hung up · retrying…\nno picture since 13:04:05"},
		{"signaling", session.Status{State: session.StateSignaling, LastPicture: last}, "signaling\nno picture since 13:04:05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile.SetStatus(tc.st)
			if !tile.Stale() {
				t.Errorf("old picture not shown dimmed")
			}
			if !strings.HasPrefix(tile.Phase(), tc.want) {
				t.Errorf("phase %q, want it to start with %q", tile.Phase(), tc.want)
			}
		})
	}
	tile.SetStatus(session.Status{State: session.StateLive, LastPicture: time.Now()})
	if tile.Stale() || !tile.picture.Visible() || tile.Phase() != "" {
		t.Fatalf("live again: stale %v, picture %v, phase %q", tile.Stale(), tile.picture.Visible(), tile.Phase())
	}
}
