package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
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

// TestConfigErrorParts: the config error screen takes the place and the
// reason from the config package's typed error, wrapped or not, and an
// error of another kind concerns the whole file.
func TestConfigErrorParts(t *testing.T) {
	const path = "/home/desk/.config/lookout/config.toml"
	for _, tc := range []struct {
		name          string
		err           error
		place, reason string
	}{
		{"a line", &config.Error{File: path, Line: 3, Msg: "unknown kind"}, path + ", line 3", "unknown kind"},
		{"no line", &config.Error{File: path, Msg: "cannot read the file"}, path, "cannot read the file"},
		{"wrapped", fmt.Errorf("start: %w", &config.Error{File: path, Line: 12, Msg: "name: a: b"}), path + ", line 12", "name: a: b"},
		// A message that looks like a place is only a message.
		{"a message with a colon and digits", &config.Error{File: path, Msg: "7: not a line"}, path, "7: not a line"},
		{"another error about the file", fmt.Errorf("%s: %w", path, errors.New("keyring: locked")), path, "keyring: locked"},
		{"a bare error", errors.New("no home folder"), path, "no home folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			place, reason := configErrorParts(tc.err, path)
			if place != tc.place || reason != tc.reason {
				t.Fatalf("place %q reason %q, want %q and %q", place, reason, tc.place, tc.reason)
			}
		})
	}
}

func TestConfigErrorOffersTheDemoSite(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opened := 0
	op := &fakeOpener{opened: map[string]session.Quality{}}
	w.Resize(fyne.NewSize(1280, 720))
	var folders []string
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), openURL: func(u *url.URL) error {
		folders = append(folders, u.String())
		return nil
	}, opt: Options{
		DefaultTiles: 4,
		ConfigPath:   "/home/desk/.config/lookout/config.toml",
		// The config package's typed error, wrapped on its way: its fields
		// say the place, not its text.
		ConfigError: fmt.Errorf("lookout: %w", &config.Error{File: "/home/desk/.config/lookout/config.toml", Line: 3,
			Msg: `unknown kind "nope": use tuya, een, wcs, whep or trtc`}),
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
	buttons := map[string]*widget.Button{}
	var reason *widget.Label
	walk(w.Content(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			text += x.Text + "\n"
			if strings.HasPrefix(x.Text, "unknown kind") {
				reason = x
			}
		case *widget.Button:
			buttons[x.Text] = x
		}
	})
	if !strings.Contains(text, "/home/desk/.config/lookout/config.toml, line 3\n") || reason == nil {
		t.Fatalf("the window does not show the file, line and reason: %q", text)
	}
	// The message gets a readable width, not a narrow column.
	if reason.Size().Width < 600 {
		t.Fatalf("the reason is laid out %v wide", reason.Size().Width)
	}
	for _, b := range []string{"Open the demo site", "Open config folder", "Quit"} {
		if buttons[b] == nil {
			t.Fatalf("no %q button among %v", b, buttons)
		}
	}
	test.Tap(buttons["Open config folder"])
	if len(folders) != 1 || folders[0] != "file:///home/desk/.config/lookout" {
		t.Fatalf("opened %v", folders)
	}
	test.Tap(buttons["Open the demo site"])
	if win.banner == nil || !strings.Contains(win.banner.Text, "Demo site: your config file has an error (/home/desk/.config/lookout/config.toml, line 3)") ||
		!strings.Contains(w.Title(), "config has an error") {
		t.Fatalf("the demo does not say the config is broken: %v, title %q", win.banner, w.Title())
	}
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
