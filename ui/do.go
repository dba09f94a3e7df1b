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

// do runs f on the Fyne goroutine without waiting. Every widget update from
// another goroutine goes through it.
func do(f func()) {
	if d := doFunc.Load(); d != nil {
		(*d)(f)
		return
	}
	fyne.Do(f)
}
