package ui

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
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
	for _, want := range []string{"Ctrl+S", "Ctrl+R", "Space (hold)", "Enter", "F"} {
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
	mk := func(src string, st session.State, note string) *wallEntry {
		tl := NewTile(src, nil)
		tl.SetStatus(session.Status{State: st, Err: errors.New("device offline")})
		tl.talkNote.Text = note
		return &wallEntry{source: src, tile: tl}
	}
	lost := mk("demo/a", session.StateRetrying, "")
	busy := mk("demo/b", session.StateLive, "talk failed: busy")
	fine := mk("demo/c", session.StateLive, "")
	entries := []*wallEntry{lost, busy, fine}
	t0 := time.Unix(1000, 0)
	n.check(entries, t0)
	n.check(entries, t0.Add(2*time.Minute))
	if len(sent) != 0 {
		t.Fatalf("sent %v while the window was in front", sent)
	}
	n.setBackground(true)
	busy.tile.talkNote.Text = "talk failed: busy (2)"
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
