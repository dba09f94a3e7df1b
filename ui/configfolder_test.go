package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session/config"
)

// overlayText is every label's text in the window's top overlay.
func overlayText(w fyne.Window) string {
	var b strings.Builder
	if top := w.Canvas().Overlays().Top(); top != nil {
		walk(top, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok {
				b.WriteString(l.Text + "\n")
			}
		})
	}
	return b.String()
}

// TestOpenConfigFolder: "Open config folder" runs the desktop's opener on
// the folder with its output discarded and waits for it; with no opener,
// or one that fails, it says so and names the folder. The config-error
// screen promises nothing about the file.
func TestOpenConfigFolder(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(900, 600))
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "my config")
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{ConfigPath: filepath.Join(cfgDir, "config.toml"),
		ConfigError: fmt.Errorf("lookout: %w", &config.Error{File: "x.toml", Line: 1, Msg: "bad"})}}
	win.showConfigError(context.Background())
	var text string
	walk(w.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			text += l.Text + "\n"
		}
	})
	if strings.Contains(text, "never rewritten") {
		t.Errorf("the config-error screen promises the file is never rewritten:\n%s", text)
	}

	win.openConfigFolder()
	if got := overlayText(w); !strings.Contains(got, "No file manager") || !strings.Contains(got, cfgDir) {
		t.Fatalf("with no opener the window says %q", got)
	}
	w.Canvas().Overlays().Top().Hide()
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	// An opener that prints and succeeds: it gets the folder, nothing is
	// said, and it is waited for.
	got := filepath.Join(dir, "opened")
	script := "#!/bin/sh\necho noise from the opener >&2\nprintf '%s' \"$1\" > '" + got + "'\nexit ${FAIL:-0}\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	win.openConfigFolder()
	win.extra.wg.Wait()
	drainUI()
	if b, err := os.ReadFile(got); err != nil || string(b) != cfgDir {
		t.Fatalf("the opener got %q (%v), want %q", b, err, cfgDir)
	}
	if s := overlayText(w); s != "" {
		t.Fatalf("a working opener made the window say %q", s)
	}
	t.Setenv("FAIL", "3")
	win.openConfigFolder()
	win.extra.wg.Wait()
	drainUI()
	if s := overlayText(w); !strings.Contains(s, "No file manager") || !strings.Contains(s, "exit status 3") || !strings.Contains(s, cfgDir) {
		t.Fatalf("a failing opener made the window say %q", s)
	}
}
