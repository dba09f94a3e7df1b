package ui

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
)

// walk visits every object under o.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walk(child, visit)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(c)
		for _, child := range r.Objects() {
			walk(child, visit)
		}
	}
}

func TestConfigErrorOffersTheDemoSite(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opened := 0
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		DefaultTiles: 4,
		ConfigError:  errors.New(`/home/desk/.config/lookout/config.toml:3: unknown kind "nope": use tuya, een, wcs, whep or trtc`),
		OpenDemo: func(context.Context) ([]Account, error) {
			opened++
			return []Account{
				{Name: "demo", Kind: "tuya", Opener: op, Directory: fakeDirectory{devs: []session.Device{
					{ID: "attic", Name: "Attic", Type: session.TypeCamera},
					{ID: "cam1", Name: "Front door", Type: session.TypeCamera, Online: true},
				}}},
				{Name: "broken", Kind: "tuya", Opener: op, Directory: fakeDirectory{err: errors.New("sign invalid")}},
			}, nil
		},
	}}
	win.showConfigError(ctx)
	var text string
	var open *widget.Button
	walk(w.Content(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			text += x.Text
		case *widget.Button:
			if x.Text == "Open the demo site" {
				open = x
			}
		}
	})
	if !strings.Contains(text, "config.toml:3: unknown kind") {
		t.Fatalf("the window does not show the file and line: %q", text)
	}
	if open == nil {
		t.Fatal("no button offering the demo site")
	}
	test.Tap(open)
	if opened != 1 || win.wall == nil || win.sidebar == nil {
		t.Fatalf("demo opened %d times, wall %v", opened, win.wall != nil)
	}
	// A first start fills the wall with the online cameras once every
	// account has answered, a failing one included.
	win.sidebar.Wait()
	drainUI()
	if got := win.wall.Sources(); len(got) != 1 || got[0] != "demo/cam1" {
		t.Fatalf("first start put %v on the wall, want [demo/cam1]", got)
	}
	cancel()
	win.shutdown()
}
