package ui

import (
	"context"
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

// minimisedWatch follows the window's minimised state.
type minimisedWatch struct {
	x    *x11.Watcher
	id   uintptr // the window's X id, once known
	last bool
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

// windowID asks Fyne, on its goroutine, for the window's X id.
func (win *window) windowID(ctx context.Context) uintptr {
	got := make(chan uintptr, 1)
	do(func() {
		var id uintptr
		if nw, ok := win.w.(driver.NativeWindow); ok {
			nw.RunNative(func(c any) {
				if x, ok := c.(driver.X11WindowContext); ok {
					id = x.WindowHandle
				}
			})
		}
		got <- id
	})
	select {
	case id := <-got:
		return id
	case <-ctx.Done():
		return 0
	}
}

// poll checks the window once and pauses or resumes the wall on a change.
func (m *minimisedWatch) poll(ctx context.Context, win *window) {
	if m.id == 0 {
		if m.id = win.windowID(ctx); m.id == 0 {
			return // not shown yet
		}
	}
	minimised, err := m.x.Minimised(m.id)
	if err != nil || minimised == m.last {
		return
	}
	m.last = minimised
	win.log.Info("window", "minimised", minimised)
	do(func() {
		if win.wall != nil {
			win.wall.SetPaused(minimised)
		}
	})
}

func (m *minimisedWatch) close() {
	if m != nil {
		_ = m.x.Close()
	}
}
