package ui

import "fmt"

// statusFiguresEvery is how many seconds the status bar's figures (decoded
// pictures a second, the window's CPU) average over, and how often they
// change. Any change of the status bar repaints the whole window: through
// software OpenGL, figures rewritten every second were most of what a live
// wall still repainted (docs/PERFORMANCE.md, issue 22's seventh round). The
// counts of live tiles and of tiles change at once.
const statusFiguresEvery = 5

// statusLine makes the main window's status bar text from the figures the
// window takes once a second.
type statusLine struct {
	n            int     // seconds summed since the figures were last shown
	decoded, cpu float64 // their sums
	// shownDecoded and shownCPU are the figures shown; shown is false
	// until the first second's.
	shownDecoded, shownCPU float64
	shown                  bool
}

// add takes one second's figures and returns the status bar's text: the
// counts as given, the figures as last averaged. The first second's
// figures show at once, then each statusFiguresEvery seconds' average.
func (s *statusLine) add(live, tiles int, decoded, cpu float64) string {
	s.n++
	s.decoded += decoded
	s.cpu += cpu
	if !s.shown || s.n >= statusFiguresEvery {
		s.shownDecoded, s.shownCPU = s.decoded/float64(s.n), s.cpu/float64(s.n)
		s.shown = true
		s.n, s.decoded, s.cpu = 0, 0, 0
	}
	return fmt.Sprintf("%d live of %d tiles · %.0f decoded fps · CPU %.0f%%", live, tiles, s.shownDecoded, s.shownCPU)
}
