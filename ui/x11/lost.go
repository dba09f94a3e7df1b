//go:build linux && !android && !wayland

package x11

/*
void lk_catch_io_errors(void);
*/
import "C"

import (
	"fmt"
	"sync"
)

// The process's X connections (GLFW's, a Watcher's) break together when
// the X server goes away: the session ended, the server crashed or was
// killed. Xlib then calls its IO error handler, whose default prints
// "X connection to :0 broken" and calls exit(1): no recording is
// finalised. CatchLoss replaces that handler with one that parks the
// thread that met the broken connection and closes the channel it
// returned; the program then saves what it must and exits the process
// itself (a thread parked there never runs again).

var (
	catchOnce sync.Once
	lostOnce  sync.Once
	lostCh    = make(chan struct{})
	lostMu    sync.Mutex
	lostName  string
)

// CatchLoss installs the IO error handler (once per process) and returns a
// channel closed when a connection to the X server breaks. From then on the
// thread that met the broken connection (the one that runs GLFW's event
// loop, in a window) never returns to its caller; the program is expected
// to exit soon after, with os.Exit from another goroutine.
func CatchLoss() <-chan struct{} {
	catchOnce.Do(func() { C.lk_catch_io_errors() })
	return lostCh
}

// LossErr returns ErrConnectionLost naming the display whose connection
// broke first, or nil while none has.
func LossErr() error {
	select {
	case <-lostCh:
	default:
		return nil
	}
	lostMu.Lock()
	defer lostMu.Unlock()
	return fmt.Errorf("%w (display %s)", ErrConnectionLost, lostName)
}

// lost reports whether a connection broke.
func lost() bool {
	select {
	case <-lostCh:
		return true
	default:
		return false
	}
}

//export lkConnectionLost
func lkConnectionLost(name *C.char) {
	lostOnce.Do(func() {
		lostMu.Lock()
		lostName = C.GoString(name)
		lostMu.Unlock()
		close(lostCh)
	})
}
