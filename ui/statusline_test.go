package ui

import "testing"

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
