package ui

import (
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// doFunc, when set, replaces fyne.Do: Fyne's test driver runs such work on
// the caller's goroutine, which races with the test's own widget calls, so
// the tests set a queue here (once, before any goroutine starts) that the
// test goroutine drains, as the real main loop does.
var doFunc atomic.Pointer[func(func())]

// fyneDo, when set, stands for fyne.Do in a test of what Fyne does after
// its loop ended (do_test.go).
var fyneDo atomic.Pointer[func(func())]

// do runs f on the Fyne goroutine without waiting. Every widget update from
// another goroutine goes through it.
//
// Once Fyne's loop has ended (a quit, or its own handler of SIGINT and
// SIGTERM), it has terminated GLFW and dropped the work still queued, and
// fyne.Do runs f at once on the caller's goroutine, beside Run's shutdown:
// a widget or window call there panics ("The GLFW library is not
// initialized"; the interrupt's own Quit did, a tick's updates could). So
// f runs only on the Fyne goroutine (and on it after the loop, where Run
// shuts the window down); anywhere else it is dropped, as Fyne dropped
// what was queued.
func do(f func()) {
	if d := doFunc.Load(); d != nil {
		(*d)(f)
		return
	}
	run := fyne.Do
	if d := fyneDo.Load(); d != nil {
		run = *d
	}
	run(func() {
		if onFyneThread() {
			f()
		}
	})
}
