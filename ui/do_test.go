//go:build linux

package ui

import (
	"sync/atomic"
	"testing"
)

// TestDoAfterFyneLoopEnded: once Fyne's loop has ended, fyne.Do runs its
// function at once on the caller's goroutine (GLFW terminated by then); do
// must not run the window's work there. The window's rare "no exit within
// 20 s of an interrupt" was the interrupt's own do(a.Quit) run so, from the
// context's goroutine: a GLFW panic after the loop, whose report then
// parked in the stderr filter (cmd/lookout TestQuietStderrLongPanicExits).
func TestDoAfterFyneLoopEnded(t *testing.T) {
	queue := doFunc.Swap(nil) // the tests' queue stands for the running loop
	defer doFunc.Store(queue)
	// What Fyne 2.7's runOnMainWithWait does once its queue is drained.
	drained := func(f func()) { f() }
	fyneDo.Store(&drained)
	defer fyneDo.Store(nil)

	var ran atomic.Bool
	done := make(chan struct{})
	go func() { // a goroutine of the window's: a session's, a timer's
		defer close(done)
		do(func() { ran.Store(true) })
	}()
	<-done
	if ran.Load() {
		t.Fatal("do ran the window's work on a goroutine of its caller after Fyne's loop ended")
	}
}

// mainRanOnFyneThread: package initialisation runs on the main goroutine.
var mainRanOnFyneThread = onFyneThread()

// TestOnFyneThread: the test binary's main goroutine, locked to the first
// thread by Fyne's GLFW driver as the window's is, runs on it; a test's
// goroutine does not.
func TestOnFyneThread(t *testing.T) {
	if onFyneThread() {
		t.Fatal("a test's goroutine counts as Fyne's thread")
	}
	if !mainRanOnFyneThread {
		t.Fatal("the main goroutine does not count as Fyne's thread")
	}
}
