package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestStatusLineFiguresChangeEveryFiveSeconds: on a steady wall the status
// bar's text changes once every statusFiguresEvery seconds, to the average
// of those seconds, while a change in the counts shows the second it comes.
func TestStatusLineFiguresChangeEveryFiveSeconds(t *testing.T) {
	var s statusLine
	steps := []struct {
		live, tiles  int
		decoded, cpu float64
		want         string
	}{
		// The first second's figures show at once.
		{16, 16, 398, 22, "16 live of 16 tiles · 398 decoded fps · CPU 22%"},
		// Then four seconds' figures wait for the fifth.
		{16, 16, 401, 30, "16 live of 16 tiles · 398 decoded fps · CPU 22%"},
		{16, 16, 399, 20, "16 live of 16 tiles · 398 decoded fps · CPU 22%"},
		// A tile goes down: the count shows at once, with the figures shown.
		{15, 16, 375, 21, "15 live of 16 tiles · 398 decoded fps · CPU 22%"},
		{15, 16, 375, 21, "15 live of 16 tiles · 398 decoded fps · CPU 22%"},
		// The fifth second: the average of the five.
		{15, 16, 375, 23, "15 live of 16 tiles · 385 decoded fps · CPU 23%"},
		{16, 16, 400, 22, "16 live of 16 tiles · 385 decoded fps · CPU 23%"},
	}
	for i, st := range steps {
		if got := s.add(st.live, st.tiles, st.decoded, st.cpu); got != st.want {
			t.Fatalf("second %d: %q, want %q", i+1, got, st.want)
		}
	}
	// A steady wall: the text changes at most once in five seconds.
	changes, last := 0, ""
	for i := range 60 {
		if got := s.add(16, 16, 400+float64(i%3), 20+float64(i%4)); got != last {
			changes++
			last = got
		}
	}
	if changes > 60/statusFiguresEvery+1 {
		t.Fatalf("the text changed %d times in 60 s", changes)
	}
}

// TestStatusBarShowsTheSecondsAsTheLineSays: the window's status bar, fed
// one second at a time, shows the counts at once and the figures only
// every statusFiguresEvery seconds; a message written into it (an account
// saved) gives way to the counts the next second.
func TestStatusBarShowsTheSecondsAsTheLineSays(t *testing.T) {
	a := test.NewTempApp(t)
	win, _ := buildStateWindow(t, a, filepath.Join(t.TempDir(), "state.json"), newLiveOpener())
	var line statusLine
	steps := []struct {
		live    int
		decoded float64
		want    string
	}{
		{4, 100, "4 live of 4 tiles · 100 decoded fps · CPU 20%"},
		{4, 101, "4 live of 4 tiles · 100 decoded fps · CPU 20%"},
		{4, 102, "4 live of 4 tiles · 100 decoded fps · CPU 20%"},
		{3, 103, "3 live of 4 tiles · 100 decoded fps · CPU 20%"},
		{3, 104, "3 live of 4 tiles · 100 decoded fps · CPU 20%"},
		{3, 105, "3 live of 4 tiles · 103 decoded fps · CPU 20%"},
	}
	for i, st := range steps {
		win.showSecond(&line, st.live, 4, st.decoded, 20)
		if win.status.Text != st.want {
			t.Fatalf("second %d: %q, want %q", i+1, win.status.Text, st.want)
		}
	}
	win.status.SetText("Saved acc to config.toml.")
	win.showSecond(&line, 3, 4, 106, 20)
	if want := "3 live of 4 tiles · 103 decoded fps · CPU 20%"; win.status.Text != want {
		t.Fatalf("after a message: %q, want %q", win.status.Text, want)
	}
	if win.pageLbl.Text != "page 1/1" {
		t.Fatalf("page label %q", win.pageLbl.Text)
	}
}
