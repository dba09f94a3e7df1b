//go:build linux && !android && !wayland

package x11

/*
#cgo pkg-config: xcb
#include <stdlib.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <xcb/xcb.h>

// lk_ptr_watch selects LeaveWindow on win for this connection (X lets
// every client select its own events on any window): 0, or 1 when win
// does not exist.
static int lk_ptr_watch(xcb_connection_t *c, uint32_t win) {
	uint32_t mask[] = {XCB_EVENT_MASK_LEAVE_WINDOW};
	xcb_generic_error_t *err = xcb_request_check(c, xcb_change_window_attributes_checked(c, win, XCB_CW_EVENT_MASK, mask));
	if (err) { free(err); return 1; }
	return 0;
}

// lk_ptr_in asks where the pointer is over win: 1 and *x, *y (win's
// coordinates) when it is inside win, 0 when not, -1 when win does not
// exist.
static int lk_ptr_in(xcb_connection_t *c, uint32_t win, int16_t *x, int16_t *y) {
	xcb_query_pointer_reply_t *p = xcb_query_pointer_reply(c, xcb_query_pointer(c, win), NULL);
	xcb_get_geometry_reply_t *g = xcb_get_geometry_reply(c, xcb_get_geometry(c, win), NULL);
	int in = -1;
	if (p && g) {
		*x = p->win_x;
		*y = p->win_y;
		in = p->same_screen && p->win_x >= 0 && p->win_y >= 0 && p->win_x < g->width && p->win_y < g->height;
	}
	free(p);
	free(g);
	return in;
}

// lk_ptr_next waits for the next leave of a watched window by the
// pointer for a window that is not one of its inferiors (a move onto a
// child window is no leave), or for wake to become readable: 1 and *out
// filled, 0 when woken, -1 once the connection broke.
static int lk_ptr_next(xcb_connection_t *c, int wake, xcb_leave_notify_event_t *out) {
	for (;;) {
		xcb_generic_event_t *e = xcb_poll_for_event(c);
		if (e) {
			int leave = (e->response_type & 0x7f) == XCB_LEAVE_NOTIFY &&
				((xcb_leave_notify_event_t *)e)->detail != XCB_NOTIFY_DETAIL_INFERIOR;
			if (leave) *out = *(xcb_leave_notify_event_t *)e;
			free(e);
			if (leave) return 1;
			continue; // an error of an unchecked request, or an inferior
		}
		if (xcb_connection_has_error(c)) return -1;
		struct pollfd p[2] = {{xcb_get_file_descriptor(c), POLLIN, 0}, {wake, POLLIN, 0}};
		if (poll(p, 2, -1) < 0 && errno != EINTR) return -1;
		if (p[1].revents) return 0;
	}
}

// lk_ptr_move sends a MotionNotify of the pointer at l's place to the
// clients that follow the pointer's moves over l's window.
static int lk_ptr_move(xcb_connection_t *c, const xcb_leave_notify_event_t *l) {
	xcb_motion_notify_event_t m = {0};
	m.response_type = XCB_MOTION_NOTIFY;
	m.detail = XCB_MOTION_NORMAL;
	m.time = l->time;
	m.root = l->root;
	m.event = l->event;
	m.child = XCB_NONE;
	m.root_x = l->root_x;
	m.root_y = l->root_y;
	m.event_x = l->event_x;
	m.event_y = l->event_y;
	m.state = l->state;
	m.same_screen = 1;
	xcb_send_event(c, 0, l->event, XCB_EVENT_MASK_POINTER_MOTION, (const char *)&m);
	return xcb_flush(c) > 0 ? 0 : -1;
}
*/
import "C"

import (
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"syscall"
)

// Leave is the pointer leaving a watched window for a place outside it.
type Leave struct {
	// Window is the watched window's X id.
	Window uintptr
	// X, Y is where the pointer went, in the window's coordinates: outside
	// it, or inside when another client grabbed the pointer.
	X, Y int
	ev   C.xcb_leave_notify_event_t
}

// Crossings tells when the pointer leaves windows of other clients (the
// Fyne windows, made by GLFW): on a connection of its own to the X server
// it selects LeaveWindow events on each window it watches and reads them
// on a goroutine of its own. A move between a window and one of its
// children (the picture windows of the X11 path) is no leave. GLFW reads
// the same leave and tells Fyne nothing, which is why this exists.
// Its methods are safe for concurrent use.
type Crossings struct {
	onLeave func(*Crossings, Leave)
	mu      sync.Mutex // the requests; xcb orders them itself, this keeps the wake pokes after them
	c       *C.xcb_connection_t
	wake    [2]int // a pipe: a byte written wakes the reader
	closed  atomic.Bool
	done    chan struct{}
}

// ErrConnection means the connection to the X server failed or broke.
var ErrConnection = errors.New("x11: the crossings connection failed")

// WatchCrossings connects to $DISPLAY and calls onLeave, on its reader
// goroutine, for each leave of a watched window (Watch) until Close.
// onLeave must not block for long; it may call Move, not Close.
func WatchCrossings(onLeave func(*Crossings, Leave)) (*Crossings, error) {
	c := C.xcb_connect(nil, nil)
	if c == nil || C.xcb_connection_has_error(c) != 0 {
		if c != nil {
			C.xcb_disconnect(c)
		}
		return nil, ErrNoDisplay
	}
	x := &Crossings{onLeave: onLeave, c: c, done: make(chan struct{})}
	if err := syscall.Pipe2(x.wake[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		C.xcb_disconnect(c)
		return nil, err
	}
	go x.read()
	return x, nil
}

// read hands each leave to onLeave until Close or the connection breaks.
func (x *Crossings) read() {
	defer close(x.done)
	var ev C.xcb_leave_notify_event_t
	buf := make([]byte, 64)
	for !x.closed.Load() {
		switch C.lk_ptr_next(x.c, C.int(x.wake[0]), &ev) {
		case 1:
			x.onLeave(x, Leave{Window: uintptr(ev.event), X: int(ev.event_x), Y: int(ev.event_y), ev: ev})
		case 0:
			for {
				if n, err := syscall.Read(x.wake[0], buf); n <= 0 || err != nil {
					break
				}
			}
		default:
			return
		}
	}
}

// poke wakes the reader: a request of another goroutine may have read the
// reader's events off the connection into xcb's queue while it waited on
// the socket.
func (x *Crossings) poke() {
	_, _ = syscall.Write(x.wake[1], []byte{0})
}

// request runs f on the open connection under mu, then pokes the reader.
func (x *Crossings) request(f func() C.int) (C.int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed.Load() {
		return 0, ErrClosed
	}
	if C.xcb_connection_has_error(x.c) != 0 {
		return 0, ErrConnection
	}
	r := f()
	x.poke()
	return r, nil
}

// Watch has the leaves of the window with X id win told; ErrNoWindow when
// there is no such window. A window's watch ends with the window.
func (x *Crossings) Watch(win uintptr) error {
	r, err := x.request(func() C.int { return C.lk_ptr_watch(x.c, C.uint32_t(win)) })
	switch {
	case err != nil:
		return err
	case r != 0:
		return ErrNoWindow
	}
	return nil
}

// PointerIn reports whether the pointer is over the window with X id win
// (or one of its children), and where in win's coordinates; ErrNoWindow
// when there is no such window.
func (x *Crossings) PointerIn(win uintptr) (image.Point, bool, error) {
	var px, py C.int16_t
	r, err := x.request(func() C.int { return C.lk_ptr_in(x.c, C.uint32_t(win), &px, &py) })
	switch {
	case err != nil:
		return image.Point{}, false, err
	case r < 0:
		return image.Point{}, false, ErrNoWindow
	}
	return image.Pt(int(px), int(py)), r == 1, nil
}

// Move tells the clients that follow the pointer's moves over l's window
// (GLFW, for a Fyne window) that the pointer moved to where it went: a
// MotionNotify at l's place, as if the window had seen the move.
func (x *Crossings) Move(l Leave) error {
	r, err := x.request(func() C.int { return C.lk_ptr_move(x.c, &l.ev) })
	switch {
	case err != nil:
		return err
	case r != 0:
		return ErrConnection
	}
	return nil
}

// Close stops the reader, waits for it and ends the connection.
func (x *Crossings) Close() error {
	x.mu.Lock()
	if x.closed.Swap(true) {
		x.mu.Unlock()
		return ErrClosed
	}
	x.poke()
	x.mu.Unlock()
	<-x.done
	C.xcb_disconnect(x.c)
	_ = syscall.Close(x.wake[0])
	_ = syscall.Close(x.wake[1])
	return nil
}
