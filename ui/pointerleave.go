package ui

import (
	"image"
	"math"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/lookout-app/lookout/ui/x11"
)

// Fyne 2.7's GLFW driver is told nothing when the pointer leaves a window:
// what it hovered (a tile with its statistics over the picture's bottom, a
// button with its shade and tooltip) stays hovered until the pointer moves
// over the window again, for hours when it went to another monitor. On
// X11, each of the app's windows (the wall, a view or a tile in its own
// window, a clip, the pre-check) is watched on a connection of the app's
// own (ui/x11.Crossings); when the pointer leaves one for a place outside
// it, the window's GLFW is handed a pointer motion to that place, so that
// Fyne itself takes the hover away (MouseOut on what it hovered, as when
// the pointer moves off it inside the window), and its hover follows the
// pointer's next move when it comes back. Moves between a window and its
// picture windows (the X11 path) are no leaves. It runs whichever path
// draws the pictures (the renderer): only the window's X id is needed.
// Off X11 (Wayland, macOS, Windows) it does not run, and what was hovered
// stays so until the pointer moves over the window again.
//
// A window that maps under a resting pointer is told where the pointer is
// (GLFW reports the EnterNotify as a move), and a tile would show its
// statistics though nobody pointed at it: at the start of a desk's wall,
// for hours. When a window's watch begins with the pointer over it, where
// the pointer rests is kept (resting), every tile of the window is
// un-hovered, and a tile does not take the hover at that very place: it
// does at the pointer's first move elsewhere (Tile.MouseIn, MouseMoved).

// pointerWatch follows the app's windows for the pointer's leaves.
type pointerWatch struct {
	x *x11.Crossings
	// watched are the windows whose leaves are told, by X id; touched on
	// the Fyne goroutine only.
	watched map[fyne.Window]uintptr
	pending atomic.Bool // a sync waits for the Fyne goroutine
}

// newPointerWatch connects to the X server, or returns nil off X11.
func (win *window) newPointerWatch() *pointerWatch {
	x, err := x11.WatchCrossings(func(x *x11.Crossings, l x11.Leave) {
		// On the watcher's goroutine: GLFW reads the motion on its own.
		if err := x.Move(l); err != nil {
			win.log.Debug("the pointer's leave is not told", "err", err)
		}
	})
	if err != nil {
		win.log.Debug("the pointer's leaving a window is not followed", "err", err)
		return nil
	}
	return &pointerWatch{x: x, watched: map[fyne.Window]uintptr{}}
}

// poll has the windows looked over once on the Fyne goroutine, unless a
// look still waits there.
func (pw *pointerWatch) poll(win *window) {
	if pw == nil || pw.pending.Swap(true) {
		return
	}
	do(func() {
		defer pw.pending.Store(false)
		pw.sync(win)
	})
}

// sync watches the windows shown since the last look and forgets those
// closed; call it on the Fyne goroutine.
func (pw *pointerWatch) sync(win *window) {
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	open := map[fyne.Window]bool{}
	for _, w := range app.Driver().AllWindows() {
		open[w] = true
		if _, ok := pw.watched[w]; ok {
			continue
		}
		id := x11WindowID(w)
		if id == 0 {
			continue // not shown yet, or not X11
		}
		if err := pw.x.Watch(id); err != nil {
			continue // gone, or the connection broke: tried again next look
		}
		pw.watched[w] = id
		if at, in, err := pw.x.PointerIn(id); err == nil && in {
			resting[w] = at
			win.unhoverTiles(w)
		}
	}
	for w := range pw.watched {
		if !open[w] {
			delete(pw.watched, w) // its watch went with its X window
			delete(resting, w)
		}
	}
}

// close ends the watch, from the status ticker as it stops (never through
// the Fyne goroutine, which may have stopped already).
func (pw *pointerWatch) close() {
	if pw != nil {
		_ = pw.x.Close()
	}
}

// x11WindowID is w's X id, or 0 before it is shown or off X11.
func x11WindowID(w fyne.Window) uintptr {
	var id uintptr
	if nw, ok := w.(driver.NativeWindow); ok {
		nw.RunNative(func(c any) {
			if x, ok := c.(driver.X11WindowContext); ok {
				id = x.WindowHandle
			}
		})
	}
	return id
}

// resting are the windows shown under a resting pointer, with where it
// rests in the window's pixels, until it moves over one of their tiles;
// touched on the Fyne goroutine only.
var resting = map[fyne.Window]image.Point{}

// unhoverTiles takes the hover from every tile shown in w: the main
// wall's (a tile in a window of its own is still one of its entries) and
// the views' in windows of their own.
func (win *window) unhoverTiles(w fyne.Window) {
	walls := []*Wall{win.wall}
	for _, o := range win.others {
		walls = append(walls, o.wall)
	}
	for _, wl := range walls {
		if wl == nil {
			continue
		}
		for _, e := range wl.entries {
			if t := e.tile; t != nil && t.hovered && windowOf(t) == w {
				t.MouseOut()
			}
		}
	}
}

// restingOn reports whether e is the pointer resting where it was when
// t's window was shown; a move elsewhere over t ends the rest.
func restingOn(t *Tile, e *desktop.MouseEvent) bool {
	if len(resting) == 0 || e == nil {
		return false
	}
	w := windowOf(t)
	at, ok := resting[w]
	if !ok {
		return false
	}
	s := float64(w.Canvas().Scale())
	p := image.Pt(int(math.Round(float64(e.AbsolutePosition.X)*s)), int(math.Round(float64(e.AbsolutePosition.Y)*s)))
	if p == at {
		return true
	}
	delete(resting, w)
	return false
}
