//go:build linux && !android && !wayland

// Package x11 asks the X server what Fyne does not say: whether a window is
// minimised (iconified or unmapped), so a minimised wall can stop decoding;
// and it tells when the X server went away (CatchLoss), so the window can
// finalise its recordings before the process ends. cgo for Xlib lives here
// and nowhere else in ui.
package x11

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>

static int lk_ignore(Display *d, XErrorEvent *e) { return 0; }

// lk_state: 0 shown, 1 minimised, -1 the window is gone or unreadable.
static int lk_state(Display *d, Window w) {
	XWindowAttributes a;
	XErrorHandler old = XSetErrorHandler(lk_ignore);
	Status ok = XGetWindowAttributes(d, w, &a);
	int state = 0;
	if (!ok) {
		state = -1;
	} else if (a.map_state != IsViewable) {
		state = 1;
	} else {
		Atom wmState = XInternAtom(d, "WM_STATE", True);
		if (wmState != None) {
			Atom type;
			int format;
			unsigned long n, after;
			unsigned char *data = NULL;
			if (XGetWindowProperty(d, w, wmState, 0, 2, False, wmState, &type, &format, &n, &after, &data) == Success && data != NULL) {
				if (format == 32 && n >= 1 && ((long *)data)[0] == IconicState) {
					state = 1;
				}
				XFree(data);
			}
		}
	}
	XSync(d, False);
	XSetErrorHandler(old);
	return state;
}

// lk_maximised: 1 when the window's _NET_WM_STATE holds both maximised
// states (EWMH), 0 when not, -1 when the window is gone or unreadable.
static int lk_maximised(Display *d, Window w) {
	Atom state = XInternAtom(d, "_NET_WM_STATE", False);
	Atom vert = XInternAtom(d, "_NET_WM_STATE_MAXIMIZED_VERT", False);
	Atom horz = XInternAtom(d, "_NET_WM_STATE_MAXIMIZED_HORZ", False);
	XErrorHandler old = XSetErrorHandler(lk_ignore);
	Atom type;
	int format;
	unsigned long n = 0, after;
	unsigned char *data = NULL;
	int res = -1;
	if (XGetWindowProperty(d, w, state, 0, 64, False, XA_ATOM, &type, &format, &n, &after, &data) == Success) {
		res = 0;
		if (data != NULL) {
			int v = 0, h = 0;
			for (unsigned long i = 0; format == 32 && i < n; i++) {
				Atom a = ((Atom *)data)[i];
				v |= a == vert;
				h |= a == horz;
			}
			res = v && h;
			XFree(data);
		}
	}
	XSync(d, False);
	XSetErrorHandler(old);
	return res;
}

// lk_maximise asks the window manager to maximise (on) or restore the
// window: a _NET_WM_STATE client message to the root window (EWMH).
static void lk_maximise(Display *d, Window w, int on) {
	XEvent e = {0};
	e.xclient.type = ClientMessage;
	e.xclient.window = w;
	e.xclient.message_type = XInternAtom(d, "_NET_WM_STATE", False);
	e.xclient.format = 32;
	e.xclient.data.l[0] = on ? 1 : 0; // _NET_WM_STATE_ADD or _REMOVE
	e.xclient.data.l[1] = XInternAtom(d, "_NET_WM_STATE_MAXIMIZED_VERT", False);
	e.xclient.data.l[2] = XInternAtom(d, "_NET_WM_STATE_MAXIMIZED_HORZ", False);
	e.xclient.data.l[3] = 1; // a normal application asks
	XErrorHandler old = XSetErrorHandler(lk_ignore);
	XSendEvent(d, DefaultRootWindow(d), False, SubstructureRedirectMask | SubstructureNotifyMask, &e);
	XSync(d, False);
	XSetErrorHandler(old);
}
*/
import "C"

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ErrNoDisplay means the X server could not be reached.
var ErrNoDisplay = errors.New("x11: cannot open the display")

// ErrNoWindow means the window does not exist (any more).
var ErrNoWindow = errors.New("x11: no such window")

// ErrClosed is returned by Close after the first call.
var ErrClosed = errors.New("x11: closed")

// ErrConnectionLost means the connection to the X server broke: the server
// went away (see CatchLoss).
var ErrConnectionLost = errors.New("x11: the connection to the X server broke")

// Watcher holds a connection of its own to the X server. It is safe for
// use from one goroutine at a time.
type Watcher struct {
	closed atomic.Bool
	mu     sync.Mutex
	d      *C.Display
}

// Open connects to the display named by $DISPLAY.
func Open() (*Watcher, error) {
	d := C.XOpenDisplay(nil)
	if d == nil {
		return nil, ErrNoDisplay
	}
	return &Watcher{d: d}, nil
}

// call runs f on the open display under mu; ErrNoDisplay once closed,
// ErrConnectionLost once the connection broke: an Xlib call on a broken
// connection would park this thread, and a call parked there holds mu.
func (w *Watcher) call(f func(d *C.Display) C.int) (C.int, error) {
	if w.closed.Load() {
		return 0, ErrNoDisplay
	}
	if lost() {
		return 0, ErrConnectionLost
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.d == nil {
		return 0, ErrNoDisplay
	}
	return f(w.d), nil
}

// answer maps a query's 0 (no), 1 (yes) or anything else (no such window).
func answer(r C.int, err error) (bool, error) {
	switch {
	case err != nil:
		return false, err
	case r == 0:
		return false, nil
	case r == 1:
		return true, nil
	default:
		return false, ErrNoWindow
	}
}

// Minimised reports whether the window with X id win is minimised: not
// viewable (a window manager unmaps an iconified window) or in the
// ICCCM's iconic state.
func (w *Watcher) Minimised(win uintptr) (bool, error) {
	return answer(w.call(func(d *C.Display) C.int { return C.lk_state(d, C.Window(win)) }))
}

// Maximised reports whether the window with X id win is maximised, as its
// window manager says in the EWMH _NET_WM_STATE (both directions).
func (w *Watcher) Maximised(win uintptr) (bool, error) {
	return answer(w.call(func(d *C.Display) C.int { return C.lk_maximised(d, C.Window(win)) }))
}

// SetMaximised asks the window manager to maximise the window with X id
// win (on) or to restore it; without a window manager nothing happens.
func (w *Watcher) SetMaximised(win uintptr, on bool) error {
	v := C.int(0)
	if on {
		v = 1
	}
	_, err := w.call(func(d *C.Display) C.int { C.lk_maximise(d, C.Window(win), v); return 0 })
	return err
}

// Close ends the connection. Once a connection broke (CatchLoss) it only
// forgets it: XCloseDisplay would meet the broken connection and park the
// calling goroutine's thread for good, and a Minimised call parked there
// holds the Watcher.
func (w *Watcher) Close() error {
	if w.closed.Swap(true) {
		return ErrClosed
	}
	if lost() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	C.XCloseDisplay(w.d)
	w.d = nil
	return nil
}
