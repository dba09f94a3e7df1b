package ui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/driver"

	"github.com/lookout-app/lookout/ui/x11"
)

// A minimised window shows nothing, yet Fyne keeps painting it and the
// tiles keep decoding. The window asks the X server itself whether it is
// minimised (ui/x11) a few times a second; while it is, the wall's
// sessions stay connected but decode nothing (Wall.SetPaused), and on
// restore each resumes at its camera's next keyframe, which it asks for at
// once. Off X11 (Wayland, macOS, Windows) the window counts as always
// shown.

// minimisedPoll is how often the X server is asked.
const minimisedPoll = 200 * time.Millisecond

// minimisedWatch follows the window's minimised state. Its X calls run on
// the Fyne goroutine, the thread where GLFW makes its own: Xlib is not
// thread-safe unless every user of the process asked for it.
type minimisedWatch struct {
	x       *x11.Watcher
	id      uintptr // the window's X id, once known
	last    bool
	pending atomic.Bool // a check waits for the Fyne goroutine
}

// newMinimisedWatch connects to the X server, or returns nil off X11.
func (win *window) newMinimisedWatch() *minimisedWatch {
	x, err := x11.Open()
	if err != nil {
		win.log.Debug("minimised windows are not detected", "err", err)
		return nil
	}
	return &minimisedWatch{x: x}
}

// poll has the window checked once on the Fyne goroutine, unless a check
// still waits there.
func (m *minimisedWatch) poll(win *window) {
	if m.pending.Swap(true) {
		return
	}
	do(func() {
		defer m.pending.Store(false)
		m.check(win)
	})
}

// check asks the X server and pauses or resumes the wall on a change; call
// it on the Fyne goroutine.
func (m *minimisedWatch) check(win *window) {
	if m.id == 0 {
		if nw, ok := win.w.(driver.NativeWindow); ok {
			nw.RunNative(func(c any) {
				if x, ok := c.(driver.X11WindowContext); ok {
					m.id = x.WindowHandle
				}
			})
		}
		if m.id == 0 {
			return // not shown yet
		}
	}
	minimised, err := m.x.Minimised(m.id)
	if err != nil {
		return
	}
	win.followGeometry(m.x, m.id, minimised)
	if minimised == m.last {
		return
	}
	m.last = minimised
	win.log.Info("window", "minimised", minimised)
	if win.wall != nil {
		win.wall.SetPaused(minimised)
	}
}

// close ends the X connection, from the status ticker as it stops: never
// through the Fyne goroutine, which may have stopped already (the window
// then never quit). A check still waiting there finds the connection
// closed (the watcher's lock) and does nothing.
func (m *minimisedWatch) close() {
	if m != nil {
		_ = m.x.Close()
	}
}
