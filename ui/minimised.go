package ui

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/driver"

	"github.com/lookout-app/lookout/session/peer"
	"github.com/lookout-app/lookout/ui/x11"
)

// A minimised window shows nothing, yet Fyne keeps painting it and the
// tiles keep decoding. The window asks the X server itself whether it is
// minimised (ui/x11) a few times a second; while it is, the wall's
// sessions stay connected but decode nothing (Wall.SetPaused), and on
// restore each resumes at its camera's next keyframe, which it asks for at
// once. Tiles with motion alerts on keep decoding. While no tile of the
// process decodes, the paint clock stops and the program runs on one
// processor (setMinimised). Off X11 (Wayland, macOS, Windows) the window
// counts as always shown.

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
	// The window shows pictures: the sockets are read in batches of a few
	// milliseconds (session/peer, SetShown) until it closes.
	peer.SetShown(true)
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
	win.setMinimised(minimised)
}

// setMinimised pauses the wall while the window is minimised and resumes
// it when the window is shown again; call it on the Fyne goroutine. While
// every tile of the process is paused (no window of its own shows one, no
// tile has motion alerts on), the paint clock stops and the program runs
// on one processor.
func (win *window) setMinimised(on bool) {
	win.log.Info("window", "minimised", on)
	if win.wall != nil {
		// A tile with motion alerts on keeps decoding: its motion is
		// measured on its pictures, and told while nobody sees them.
		for _, e := range win.wall.running() {
			if e.run != nil {
				if t := e.run.widget(); t != nil {
					e.run.mt.SetWatched(t.deco.watching)
				}
			}
		}
		win.wall.SetPaused(on)
	}
	painter.Recheck()
	idle := painter.Idle()
	oneProcWhileIdle(idle)
	peer.SetIdle(idle) // the sockets are read in batches
}

// procs is the process's GOMAXPROCS while every tile is paused.
var procs struct {
	mu      sync.Mutex
	lowered bool
	prev    int
}

// oneProcWhileIdle runs the Go program on one processor while nothing is
// decoded (idle) and gives back the processors it had otherwise. What is
// left minimised is the network: a few thousand packets a second, each
// handed from goroutine to goroutine (ICE's read loop, SRTP's, the
// track's reader). With two processors each hand-over wakes the other
// processor's thread through the kernel; with one it is a switch of
// goroutines on the same thread.
func oneProcWhileIdle(idle bool) {
	procs.mu.Lock()
	defer procs.mu.Unlock()
	switch {
	case idle && !procs.lowered:
		procs.prev = runtime.GOMAXPROCS(1)
		procs.lowered = true
	case !idle && procs.lowered:
		if os.Getenv("GOMAXPROCS") == "" {
			runtime.SetDefaultGOMAXPROCS() // and Go follows the machine again
		} else {
			runtime.GOMAXPROCS(procs.prev)
		}
		procs.lowered = false
	}
}

// close ends the X connection, from the status ticker as it stops: never
// through the Fyne goroutine, which may have stopped already (the window
// then never quit). A check still waiting there finds the connection
// closed (the watcher's lock) and does nothing.
func (m *minimisedWatch) close() {
	if m != nil {
		_ = m.x.Close()
		oneProcWhileIdle(false)
		peer.SetIdle(false)
		peer.SetShown(false)
	}
}
