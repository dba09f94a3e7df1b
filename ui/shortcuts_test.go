package ui

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
)

// TestKeyboard drives the wall with the keys of the shortcuts sheet:
// arrows move the focus (across rows too), Enter maximises, F goes full
// screen and `?` opens the sheet, whether a tile has the focus or not.
func TestKeyboard(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(900, 600))
	op := &fakeOpener{opened: map[string]session.Quality{}}
	acc := Account{Name: "demo", Kind: "tuya", Opener: op, Directory: fakeDirectory{}}
	ctx, cancel := context.WithCancel(context.Background())
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		NewDecoder: func(string) (player.Decoder, error) { return nil, errors.New("no decoder") }}}
	win.build(ctx, []Account{acc})
	defer func() { cancel(); win.shutdown() }()
	for _, s := range []string{"demo/a", "demo/b", "demo/c", "demo/d"} {
		win.wall.Add(s, s)
	}
	tiles := win.wall.Tiles()
	key := func(name fyne.KeyName) {
		if f, ok := w.Canvas().Focused().(*Tile); ok {
			f.TypedKey(&fyne.KeyEvent{Name: name})
		} else {
			w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: name})
		}
		drainUI()
	}
	focused := func() int {
		for i, tl := range tiles {
			if w.Canvas().Focused() == tl {
				return i
			}
		}
		return -1
	}
	for _, step := range []struct {
		key  fyne.KeyName
		want int
	}{
		{fyne.KeyRight, 0}, // nothing focused: the first tile
		{fyne.KeyRight, 1},
		{fyne.KeyDown, 3}, // 2x2: down from b is d
		{fyne.KeyLeft, 2},
		{fyne.KeyUp, 0},
		{fyne.KeyUp, 0}, // stays at the edge
	} {
		key(step.key)
		if got := focused(); got != step.want {
			t.Fatalf("after %s the focus is on tile %d, want %d", step.key, got, step.want)
		}
	}
	key(fyne.KeyReturn)
	if win.wall.Maximised() != "demo/a" {
		t.Fatalf("Enter maximised %q", win.wall.Maximised())
	}
	key(fyne.KeyReturn)
	key(fyne.KeyF)
	if !w.FullScreen() {
		t.Error("F did not go full screen")
	}
	key(fyne.KeyF)
	if w.FullScreen() {
		t.Error("F did not leave full screen")
	}
	tiles[0].TypedRune('?')
	if win.extra.sheet == nil {
		t.Fatal("? opened no shortcuts sheet")
	}
	for _, want := range []string{"Ctrl+S", "Ctrl+R", "Space (hold)", "Enter", "F", "Ctrl+Z", "Ctrl+P", "Esc", "Ctrl+Shift+S"} {
		found := false
		for _, s := range shortcutSheet {
			found = found || s[0] == want
		}
		if !found {
			t.Errorf("the sheet lacks %s", want)
		}
	}
}

func TestNotifier(t *testing.T) {
	test.NewTempApp(t)
	var sent []string
	n := newNotifier(func(title, body string) { sent = append(sent, title+": "+body) })
	mk := func(src string, st session.State, talkErr error) *wallEntry {
		tl := NewTile(src, nil)
		tl.SetStatus(session.Status{State: st, Err: errors.New("device offline")})
		e := &wallEntry{source: src, tile: tl, run: &runner{}}
		if talkErr != nil {
			e.run.noteTalk(talkErr)
		}
		return e
	}
	busyErr := &session.RemoteError{Op: "talk", Reason: "in use by another operator", Err: session.ErrBusy}
	lost := mk("demo/a", session.StateRetrying, nil)
	busy := mk("demo/b", session.StateLive, busyErr)
	refused := mk("demo/d", session.StateLive, errors.New("no microphone")) // not busy: no alert
	fine := mk("demo/c", session.StateLive, nil)
	entries := []*wallEntry{lost, busy, refused, fine}
	t0 := time.Unix(1000, 0)
	n.check(entries, t0)
	n.check(entries, t0.Add(2*time.Minute))
	if len(sent) != 0 {
		t.Fatalf("sent %v while the window was in front", sent)
	}
	n.setBackground(true)
	// A second refusal, in the server's own words in any language: the
	// sentinel says busy. "busy" in the words of another failure says
	// nothing.
	busy.run.noteTalk(&session.RemoteError{Op: "talk", Reason: "Lautsprecher belegt", Err: session.ErrBusy})
	fine.run.noteTalk(&session.RemoteError{Op: "talk", Reason: "the busy street camera is offline", Err: session.ErrOffline})
	n.check(entries, t0.Add(2*time.Minute+time.Second))
	n.check(entries, t0.Add(3*time.Minute))
	if len(sent) != 2 || !strings.HasPrefix(sent[0], "Camera lost: demo/a: demo/a has had no picture for 2m1s") ||
		!strings.HasPrefix(sent[1], "Speaker busy: demo/b") {
		t.Fatalf("sent %q", sent)
	}
	lost.tile.SetStatus(session.Status{State: session.StateLive})
	n.check(entries, t0.Add(4*time.Minute))
	lost.tile.SetStatus(session.Status{State: session.StateFailed, Err: errors.New("gone")})
	n.check(entries, t0.Add(5*time.Minute))
	n.check(entries, t0.Add(5*time.Minute+30*time.Second))
	if len(sent) != 2 {
		t.Fatalf("a loss under a minute was told: %q", sent)
	}
	n.check(entries, t0.Add(6*time.Minute+time.Second))
	if len(sent) != 3 {
		t.Fatalf("the second loss was not told: %q", sent)
	}
}

// TestDiagnosticsFromTheWindow exports the bundle as the settings' button
// does: the config with its secret, logs quoting it and the last
// pre-check report go in, and the secret comes out of none of them.
func TestDiagnosticsFromTheWindow(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte("[[account]] # mine\nname = \"home\"\nkind = \"tuya\"\nsecret = \""+secret+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{Diagnostics: &Diagnostics{
		Logs:       func() []byte { return []byte("level=WARN msg=\"token refused\" secret=" + secret + "\n") },
		Versions:   map[string]string{"ffmpeg": "5.1.6"},
		ConfigPath: cfgPath,
		Secrets:    func() []string { return []string{secret} },
	}}}
	win.extra.precheck = &precheck{report: &check.Report{OK: true}}
	out := filepath.Join(dir, "diag.zip")
	if err := win.exportDiagnostics(out); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if strings.Contains(string(b), secret) {
			t.Errorf("%s holds the secret:\n%s", f.Name, b)
		}
		if f.Name == "versions.txt" && (!strings.Contains(string(b), "ffmpeg: 5.1.6") || !strings.Contains(string(b), "go: go1.")) {
			t.Errorf("versions.txt:\n%s", b)
		}
	}
	if got := strings.Join(names, " "); got != "logs.txt precheck.json versions.txt config.toml" {
		t.Fatalf("the zip holds %s", got)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the export's mode is %v (%v), want 0600", st.Mode().Perm(), err)
	}
}
