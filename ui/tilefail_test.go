package ui

import (
	"crypto/x509"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
)

// longTLS is a certificate failure as a WHEP client reports it: the
// operation and the x509 error wrapped, far longer than a tile is wide.
var longTLS = fmt.Errorf("whep: post offer to https://media.example.test:8443/whep/endpoint/lobby-main-stream: tls: failed to verify certificate: %w",
	x509.UnknownAuthorityError{})

// inside reports whether o lies within the tile's bounds.
func inside(tile *Tile, o fyne.CanvasObject) bool {
	d := fyne.CurrentApp().Driver()
	at, tileAt := d.AbsolutePositionForObject(o), d.AbsolutePositionForObject(tile)
	p, s := at.Subtract(tileAt), o.Size()
	ts := tile.Size()
	return p.X >= 0 && p.Y >= 0 && p.X+s.Width <= ts.Width+0.5 && p.Y+s.Height <= ts.Height+0.5
}

// TestFailedTileShowsOneShortLine: a long TLS reason stays inside a 4x4
// tile at 1024x640 (one short line, Retry and Details within the tile, the
// title bar free); the whole reason is the hover text, wrapped inside the
// tile above the buttons, and the Details view.
func TestFailedTileShowsOneShortLine(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Lobby", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(200, 135)) // a 4x4 cell of a 1024x640 window
	tile.Resize(fyne.NewSize(200, 135))
	tile.SetStatus(session.Status{State: session.StateRetrying, Err: longTLS, Wait: session.WaitFailure, RetryAt: time.Now().Add(9500 * time.Millisecond)})

	if got := tile.Phase(); got != "Certificate refused · retrying in 10 s" {
		t.Fatalf("phase %q", got)
	}
	if tile.Reason() != longTLS.Error() {
		t.Fatalf("reason %q", tile.Reason())
	}
	for name, o := range map[string]fyne.CanvasObject{"phase": tile.phase, "Retry": tile.retry, "Details": tile.details} {
		if !o.Visible() || !inside(tile, o) {
			t.Errorf("%s (visible %v) at %v size %v leaves the %v tile", name, o.Visible(),
				fyne.CurrentApp().Driver().AbsolutePositionForObject(o), o.Size(), tile.Size())
		}
	}
	for _, line := range strings.Split(tile.phase.Text, "\n") {
		if wd := fyne.MeasureText(line, theme.TextSize(), tile.phase.TextStyle).Width; wd > tile.Size().Width-4*theme.Padding() {
			t.Errorf("the phase line %q is %v wide in a %v tile", line, wd, tile.Size().Width)
		}
	}
	d := fyne.CurrentApp().Driver()
	if y := d.AbsolutePositionForObject(tile.phase).Y - d.AbsolutePositionForObject(tile).Y; y < barHeight {
		t.Errorf("the phase starts at %v, over the %d-point title bar", y, barHeight)
	}

	tile.MouseIn(nil)
	if tile.StatsText() != longTLS.Error() {
		t.Fatalf("hover says %q, want the whole reason", tile.StatsText())
	}
	if !inside(tile, tile.stats) {
		t.Fatalf("hover text at %v size %v leaves the tile", tile.stats.Position(), tile.stats.Size())
	}
	if bottom, top := tile.stats.Position().Y+tile.stats.Size().Height, d.AbsolutePositionForObject(tile.retry).Y-d.AbsolutePositionForObject(tile).Y; bottom > top {
		t.Fatalf("hover text ends at %v, over Retry at %v", bottom, top)
	}
	for _, line := range strings.Split(tile.stats.Text, "\n") {
		if wd := fyne.MeasureText(line, theme.CaptionTextSize(), tile.stats.TextStyle).Width; wd > tile.Size().Width {
			t.Fatalf("hover line %q is %v wide in a %v tile", line, wd, tile.Size().Width)
		}
	}
	tile.MouseOut()

	w.Resize(fyne.NewSize(700, 500))
	tile.Resize(fyne.NewSize(700, 500))
	test.Tap(tile.details)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Details opened nothing")
	}
	found := false
	walk(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, longTLS.Error()) {
			found = true
		}
	})
	if !found {
		t.Fatal("the Details view does not say the whole reason")
	}
}

// TestCountdownKeepsTheStaleLine: as the retry countdown ticks, the tile
// still says when its last picture was, and never "0 s".
func TestCountdownKeepsTheStaleLine(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Gate", &fakeControl{})
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetFrame(frame(320, 180, color.RGBA{R: 200, A: 255}))
	last := time.Now().Add(-time.Minute)
	line := staleLine(session.Status{State: session.StateRetrying, LastPicture: last})
	tile.SetStatus(session.Status{State: session.StateRetrying, Err: session.ErrHangup, LastPicture: last, RetryAt: time.Now().Add(1500 * time.Millisecond)})
	if got, want := tile.Phase(), "Hung up · retrying in 2 s\n"+line; got != want {
		t.Fatalf("phase %q, want %q", got, want)
	}
	waitFor(t, "the countdown to tick", func() bool { return strings.HasPrefix(tile.Phase(), "Hung up · retrying in 1 s") })
	if !strings.HasSuffix(tile.Phase(), "\n"+line) {
		t.Fatalf("after a tick the phase is %q: the time of the last picture is gone", tile.Phase())
	}
	waitFor(t, "the wait to end", func() bool { return strings.HasPrefix(tile.Phase(), "Hung up · retrying…") })
	if !strings.HasSuffix(tile.Phase(), "\n"+line) || strings.Contains(tile.Phase(), "0 s") {
		t.Fatalf("at the end of the wait the phase is %q", tile.Phase())
	}
}

// TestPhaseLinesFitTheNarrowestTile: in a tile at its smallest, each line of
// the phase fits inside the label's text area: broken at its " · ", and a
// part still too wide cut with an ellipsis (the label's own truncation is
// off: it would shape the text again at every countdown second).
func TestPhaseLinesFitTheNarrowestTile(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("Lobby", &fakeControl{})
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(160, 90))
	tile.Resize(fyne.NewSize(160, 90))
	tile.SetStatus(session.Status{State: session.StateRetrying, Wait: session.WaitOffline,
		RetryAt: time.Now().Add(75 * time.Second)})
	avail := tile.Size().Width - 4*theme.Padding() - 2*theme.InnerPadding()
	size, style := theme.TextSize(), tile.phase.TextStyle
	want := strings.Split(tile.Phase(), " · ") // the kind, the countdown
	got := strings.Split(tile.phase.Text, "\n")
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("phase %q shown as %q: want the kind above the countdown", tile.Phase(), tile.phase.Text)
	}
	for i, line := range got {
		if wd := fyne.MeasureText(line, size, style).Width; wd > avail {
			t.Errorf("the phase line %q is %v wide, the label's text %v", line, wd, avail)
		}
		full := fyne.MeasureText(want[i], size, style).Width <= avail
		switch {
		case full && line != want[i]:
			t.Errorf("line %d reads %q, want %q whole", i, line, want[i])
		case !full && (!strings.HasSuffix(line, "…") || !strings.HasPrefix(want[i], strings.TrimSuffix(line, "…"))):
			t.Errorf("line %d reads %q, want the start of %q and an ellipsis", i, line, want[i])
		}
	}
	if fyne.MeasureText(want[1], size, style).Width <= avail {
		t.Errorf("%q fits in %v: the test no longer shows a cut line", want[1], avail)
	}
}
