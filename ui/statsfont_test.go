package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestTileStatsNeedNoFaceSetOfTheirOwn: the hover statistics are drawn in
// the regular text style, whose faces Fyne has parsed already for the
// titles and labels. In a style of their own (monospace, before) Fyne parsed
// one more face set for them, 2.8 MB of live Go heap on a wall
// (docs/PERFORMANCE.md, "Issue 22, third round"). Their figures still keep
// their places as they change: the theme's text font gives every digit the
// same advance.
func TestTileStatsNeedNoFaceSetOfTheirOwn(t *testing.T) {
	test.NewTempApp(t)
	tile := NewTile("cam", &fakeControl{})
	if got := tile.stats.TextStyle; got != (fyne.TextStyle{}) {
		t.Errorf("hover statistics in style %+v, want the regular text style", got)
	}
	face := parseFont(t, theme.DefaultTextFont())
	g0, _ := face.Cmap.Lookup('0')
	want := face.HorizontalAdvance(g0)
	for r := '1'; r <= '9'; r++ {
		g, _ := face.Cmap.Lookup(r)
		if got := face.HorizontalAdvance(g); got != want {
			t.Errorf("digit %c advances %v, '0' %v: the statistics' figures would move as they change", r, got, want)
		}
	}
}
