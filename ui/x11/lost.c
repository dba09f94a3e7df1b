//go:build linux && !android && !wayland

#include <unistd.h>
#include <X11/Xlib.h>
#include "_cgo_export.h"

// lk_io_error is Xlib's IO error handler: the connection to the X server
// broke. Xlib's own handler prints a line and calls exit(), which runs the
// C libraries' exit handlers while other threads still use them and ends
// the process before any recording is finalised. This one tells Go and
// then parks the calling thread for good: an IO error handler must not
// return to Xlib (Xlib would exit anyway), and the thread, usually GLFW's
// main thread, must not touch the dead connection again. Go finalises
// what it must and exits the process.
static int lk_io_error(Display *d) {
	lkConnectionLost(DisplayString(d));
	for (;;) {
		pause();
	}
	return 0;
}

void lk_catch_io_errors(void) {
	XSetIOErrorHandler(lk_io_error);
}
