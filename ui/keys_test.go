package ui

import (
	"context"
	"log/slog"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// newTestWindow builds the whole window on fake accounts in a test window.
func newTestWindow(t *testing.T, op *fakeOpener, devs []session.Device) *window {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}}
	win.build(ctx, []Account{{Name: "acc", Kind: "tuya", Opener: op, Directory: fakeDirectory{devs: devs}}})
	win.sidebar.Wait()
	drainUI()
	t.Cleanup(func() {
		cancel()
		win.shutdown()
	})
	return win
}

func press(c fyne.Canvas, name fyne.KeyName) {
	if f := c.Focused(); f != nil { // as the driver does: the focused object first
		f.TypedKey(&fyne.KeyEvent{Name: name})
		return
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: name})
}

func TestKeysPagesMaximiseAndLayouts(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	c := win.w.Canvas()
	test.Tap(win.layouts.buttons[Layout2x2])
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		win.wall.Add("acc/"+id, id)
	}
	win.wall.setPage(0)
	win.updateStatus()
	for m, b := range win.layouts.buttons {
		if want := m == Layout2x2; (b.Importance == widget.HighImportance) != want {
			t.Fatalf("layout %s marked %v, want %v", m, !want, want)
		}
	}
	if !win.prev.Disabled() || win.next.Disabled() {
		t.Fatalf("page 1/2: PgUp disabled %v, PgDn disabled %v", win.prev.Disabled(), win.next.Disabled())
	}
	tile := win.wall.Tiles()[0]
	c.Focus(tile)
	for _, tc := range []struct {
		key  fyne.KeyName
		page int
	}{{fyne.KeyPageDown, 1}, {fyne.KeyPageDown, 1}, {fyne.KeyPageUp, 0}} {
		press(c, tc.key)
		if win.wall.Page() != tc.page {
			t.Fatalf("%s with a tile focused: page %d, want %d", tc.key, win.wall.Page(), tc.page)
		}
	}
	// Maximise shows the restore icon; Esc restores, from the tile or the window.
	for _, focused := range []bool{true, false} {
		win.wall.ToggleMaximise("acc/c1")
		if !tile.Maximised() || tile.maxBtn.Icon.Name() != theme.ViewRestoreIcon().Name() {
			t.Fatalf("maximised tile: %v, icon %s", tile.Maximised(), tile.maxBtn.Icon.Name())
		}
		if focused {
			c.Focus(tile)
		} else {
			c.Unfocus()
		}
		press(c, fyne.KeyEscape)
		if win.wall.Maximised() != "" || tile.Maximised() || tile.maxBtn.Icon.Name() != theme.ViewFullScreenIcon().Name() {
			t.Fatalf("Esc (tile focused %v) left %q maximised", focused, win.wall.Maximised())
		}
	}
	// The status bar counts what the tiles show: a tile keeps its state
	// while its session switches streams.
	tile.SetStatus(session.Status{State: session.StateLive})
	if win.wall.Live() != 1 {
		t.Fatalf("%d live with one tile showing pictures", win.wall.Live())
	}
	// Layout 1 shows each tile alone, so on the main stream.
	test.Tap(win.layouts.buttons[Layout1])
	waitFor(t, "the main stream in layout 1", func() bool { return op.quality("c1") == session.QualityMain })
	test.Tap(win.layouts.buttons[Layout4x4])
	if !win.prev.Disabled() || !win.next.Disabled() || win.pageLbl.Text != "page 1/1" {
		t.Fatalf("page %q: PgUp disabled %v, PgDn disabled %v", win.pageLbl.Text, win.prev.Disabled(), win.next.Disabled())
	}
	waitFor(t, "the sub stream in 4x4", func() bool { return op.quality("c1") == session.QualitySub })
}
