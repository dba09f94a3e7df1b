package ui

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// gatedDirectory lists its devices once gate is closed.
type gatedDirectory struct {
	gate chan struct{}
	devs []session.Device
}

func (g gatedDirectory) Devices(ctx context.Context) ([]session.Device, error) {
	select {
	case <-g.gate:
		return g.devs, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestFirstStartDoesNotFlashTheEmptyHint: on a first start the wall fills
// itself once the camera lists are in; until then it says they are
// loading, never "Double-click a camera", and then shows the tiles.
func TestFirstStartDoesNotFlashTheEmptyHint(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	gate := make(chan struct{})
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		DefaultTiles: 2, StatePath: filepath.Join(t.TempDir(), "wall.json"),
		NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}}
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win.build(ctx, []Account{{Name: "acc", Kind: "tuya", Opener: op, Directory: gatedDirectory{gate: gate, devs: []session.Device{
		{ID: "c1", Name: "Front door", Type: session.TypeCamera, Online: true},
		{ID: "c2", Name: "Garage", Type: session.TypeCamera, Online: true},
	}}}})
	t.Cleanup(func() {
		cancel()
		win.shutdown()
	})
	says := func() string {
		var text []string
		walk(win.wall.box, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Visible() {
				text = append(text, l.Text)
			}
		})
		return strings.Join(text, "|")
	}
	drainUI()
	if s := says(); strings.Contains(s, "Double-click") || !strings.Contains(s, "Loading") {
		t.Errorf("while the lists load the wall says %q", s)
	}
	close(gate)
	win.sidebar.Wait()
	drainUI()
	if n := len(win.wall.entries); n != 2 {
		t.Fatalf("%d tiles after the lists came in, want 2", n)
	}
	if strings.Contains(says(), "Double-click") {
		t.Errorf("the hint shows over the tiles: %q", says())
	}
	// Emptied by hand, the wall says how to fill it.
	for _, src := range []string{"acc/c1", "acc/c2"} {
		win.wall.Remove(src)
	}
	drainUI()
	if s := says(); !strings.Contains(s, "Double-click") {
		t.Errorf("the empty wall says %q", s)
	}
}
