package ui

import "fyne.io/fyne/v2"

// Fyne 2.7.4's loop, as it ends, queues its own stop hook (saving the
// preferences changed in the last 100 ms) as a lifecycle event, and Run
// then waits until the lifecycle events have run. The event goroutine hands
// the hook to the loop's function queue unless the loop has drained it; if
// it looks just before the loop marks the queue drained, and hands it over
// just after, nobody ever runs it, and Run waits for ever: the window is
// gone, the process never ends (in about one quit of 300 of a bare Fyne
// window under load; the hang of TestWindowWheelZoomsOverAChildWindow in
// CI). With no stop hook, the loop queues no event; the hook runs after the
// loop instead (Run, after ShowAndRun).

// stopHooks is what Fyne's lifecycle offers beyond fyne.Lifecycle: its
// methods are exported, the type is internal.
type stopHooks interface {
	OnStopped() func()
	SetOnStoppedHookExecuted(func())
}

// takeStopHook removes Fyne's own stop hook from a's lifecycle and returns
// it, to be called once Fyne's loop has ended; nil hooks become a no-op.
// Call it before Run and before any SetOnStopped: OnStopped returns the
// two hooks in one.
func takeStopHook(a fyne.App) func() {
	l, ok := a.Lifecycle().(stopHooks)
	if !ok {
		return func() {}
	}
	hook := l.OnStopped()
	l.SetOnStoppedHookExecuted(nil)
	if hook == nil {
		return func() {}
	}
	return hook
}
