package ui

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/ui/x11"
)

// Two ways a live tile's picture reaches the screen.
//
// The X11 path (RendererX11, and RendererAuto on X11): each live tile's
// picture area is covered by a child window of the Fyne window, and the
// paint clock's goroutine (paintclock.go) copies each picture into that
// window's shared-memory image and puts it (ui/x11.Presenter, its own
// connection to the X server), one put per tile per tick, without Fyne:
// no texture, no repaint of the window. Fyne keeps the chrome (title
// bars, buttons, sidebar) and repaints only when that changes. What Fyne
// draws over a picture (the focus and motion frames, the REC badge and
// its notes, the hover statistics, the talk button and meter) shows
// through holes cut in the child window's shape (SHAPE extension), Fyne
// drawing the tile's background under it where the picture would be. A
// tile whose picture is not live (dimmed stale picture, a failure), is
// zoomed, or is hidden, and every tile of a window while a dialog, menu
// or popup is open over it or while a camera is dragged over the wall,
// shows its picture through Fyne as before, its child window unmapped.
//
// The Fyne path (RendererFyne, and wherever the X11 path cannot start or
// fails: Wayland, macOS, Windows, no MIT-SHM such as a remote display,
// any refused request): a canvas.Raster per tile, refreshed per picture
// (picture.go).

// Renderers (Options.Renderer).
const (
	RendererAuto = "auto"
	RendererX11  = "x11"
	RendererFyne = "fyne"
)

// ErrRenderer is returned by Run for an unknown Options.Renderer.
var ErrRenderer = errors.New("unknown renderer (auto, x11 or fyne)")

// renderer is the path chosen for the process (Options.Renderer).
var renderer atomic.Value // string

func setRenderer(r string) error {
	switch r {
	case "":
		r = RendererAuto
	case RendererAuto, RendererX11, RendererFyne:
	default:
		return ErrRenderer
	}
	renderer.Store(r)
	return nil
}

// x11Wanted reports whether the X11 path is to be tried.
func x11Wanted() bool {
	r, _ := renderer.Load().(string)
	return r == RendererAuto || r == RendererX11
}

// presentDirty is set by layouts: the pictures may have moved.
var presentDirty atomic.Bool

// syncs counts syncPresenting's calls (on the Fyne goroutine).
var syncs int

// placeEvery: the places of the pictures are found again at least every
// that many syncs (about 0.4 s at 25 pictures a second).
const placeEvery = 10

// picturePlace is where a tile's picture was last found (pictureRect).
type picturePlace struct {
	r     image.Rectangle
	holes []image.Rectangle
	ok    bool
}

// dropShown is set while a camera is dragged over a wall: its mark is
// drawn by Fyne over the tiles, so their pictures go through Fyne then.
var dropShown atomic.Bool

// tileBGPixel is tileBG as an X pixel (0xRRGGBB).
var tileBGPixel = uint32(tileBG.R)<<16 | uint32(tileBG.G)<<8 | uint32(tileBG.B)

// tilePresent is a tile's child window.
type tilePresent struct {
	wp   *windowPresenter
	surf *x11.Surface
	// on: the child window shows; the paint clock puts the tile's
	// pictures into it, and the tile's raster draws only its background.
	on atomic.Bool
	// drawn counts the pictures put since the last TakePaints.
	drawn atomic.Int64
	// asked is the picture size last asked of the decoder for the child
	// window (presentedSize); Fyne goroutine only.
	asked image.Point
}

// windowPresenter is the X11 path of one window.
type windowPresenter struct {
	w  fyne.Window
	p  *x11.Presenter
	id uintptr
	// failed is set (from any goroutine) once a request failed.
	failed atomic.Bool
}

// presenting is every window's presenter, by window; touched on the Fyne
// goroutine only, except through a tile's own tilePresent.
var presenting = struct {
	mu      sync.Mutex
	windows map[fyne.Window]*windowPresenter
	// broken are windows where the X11 path failed: Fyne draws there.
	broken map[fyne.Window]bool
	log    *slog.Logger
}{windows: map[fyne.Window]*windowPresenter{}, broken: map[fyne.Window]bool{}}

// setPresentLog sets the logger that says which path a window takes.
func setPresentLog(l *slog.Logger) {
	presenting.mu.Lock()
	presenting.log = l
	presenting.mu.Unlock()
}

func presentLog() *slog.Logger {
	presenting.mu.Lock()
	defer presenting.mu.Unlock()
	if presenting.log == nil {
		return slog.Default()
	}
	return presenting.log
}

// presenterFor returns w's presenter, opening it on first use; nil when
// Fyne draws w's pictures.
func presenterFor(w fyne.Window) *windowPresenter {
	presenting.mu.Lock()
	wp, broken := presenting.windows[w], presenting.broken[w]
	presenting.mu.Unlock()
	if broken {
		return nil
	}
	if wp != nil {
		if !wp.failed.Load() {
			return wp
		}
		breakPresenter(w, wp, errors.New("a request failed"))
		return nil
	}
	var id uintptr
	isX11 := false
	if nw, ok := w.(driver.NativeWindow); ok {
		nw.RunNative(func(c any) {
			if x, ok := c.(driver.X11WindowContext); ok {
				id, isX11 = x.WindowHandle, true
			}
		})
	}
	if !isX11 {
		// Not X11 (Wayland, macOS, Windows, the test driver): Fyne
		// draws this window's pictures, and is not asked again.
		presenting.mu.Lock()
		presenting.broken[w] = true
		presenting.mu.Unlock()
		return nil
	}
	if id == 0 {
		return nil // not shown yet
	}
	p, err := x11.OpenPresenter(id)
	if err != nil {
		breakPresenter(w, nil, err)
		return nil
	}
	wp = &windowPresenter{w: w, p: p, id: id}
	presenting.mu.Lock()
	presenting.windows[w] = wp
	presenting.mu.Unlock()
	presentLog().Info("pictures through X11 child windows", "window", w.Title())
	return wp
}

// breakPresenter gives w's pictures back to Fyne for good.
func breakPresenter(w fyne.Window, wp *windowPresenter, why error) {
	presenting.mu.Lock()
	delete(presenting.windows, w)
	presenting.broken[w] = true
	presenting.mu.Unlock()
	if wp != nil {
		_ = wp.p.Close()
	}
	lvl := slog.LevelInfo
	if r, _ := renderer.Load().(string); r == RendererX11 {
		lvl = slog.LevelWarn
	}
	presentLog().Log(nil, lvl, "pictures through Fyne: the X11 path is unavailable", "window", w.Title(), "err", why)
}

// syncPresenting places every live tile's child window over its picture
// and decides which tiles Fyne draws; call it on the Fyne goroutine.
func syncPresenting(tiles []*Tile) {
	if !x11Wanted() {
		return
	}
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	drv := app.Driver()
	open := map[fyne.Window]bool{}
	for _, w := range drv.AllWindows() {
		open[w] = true
	}
	// Windows closed since: their children went with them.
	presenting.mu.Lock()
	var gone []*windowPresenter
	for w, wp := range presenting.windows {
		if !open[w] {
			gone = append(gone, wp)
			delete(presenting.windows, w)
		}
	}
	for w := range presenting.broken {
		if !open[w] {
			delete(presenting.broken, w)
		}
	}
	presenting.mu.Unlock()
	for _, wp := range gone {
		_ = wp.p.Close()
	}
	// Where the pictures are is found by walking the window's objects,
	// the costliest part: again after a layout, else every placeEvery
	// syncs (a move without a layout, such as the wall's place in the
	// window after a toolbar change).
	syncs++
	full := presentDirty.Swap(false) || syncs%placeEvery == 0
	busy := map[fyne.Window]bool{} // a dialog, menu or popup is open
	for _, t := range tiles {
		w := windowOf(t)
		var wp *windowPresenter
		if w != nil {
			wp = presenterFor(w)
		}
		tp := t.present.Load()
		if tp != nil && (wp == nil || tp.wp != wp) {
			t.dropPresent() // the tile moved to another window, or X11 failed
			tp = nil
		}
		if wp == nil {
			t.setPresenting(false)
			continue
		}
		overlay, seen := busy[w]
		if !seen {
			overlay = w.Canvas().Overlays().Top() != nil
			busy[w] = overlay
		}
		if full || !t.placeKnown {
			t.place.r, t.place.holes, t.place.ok = t.pictureRect(drv, w.Canvas().Scale())
			t.placeKnown = true
		}
		r, holes, ok := t.place.r, t.place.holes, t.place.ok
		want := ok && !overlay && !dropShown.Load() && t.presentable()
		if tp == nil && !want {
			continue
		}
		if tp == nil {
			s, err := wp.p.NewSurface(tileBGPixel)
			if err != nil {
				wp.failed.Store(true)
				t.setPresenting(false)
				continue
			}
			tp = &tilePresent{wp: wp, surf: s}
			t.present.Store(tp)
		}
		if err := tp.surf.Place(r, holes, want); err != nil {
			wp.failed.Store(true)
			want = false
		}
		tp.on.Store(want)
		t.setPresenting(want)
		if want && r.Size() != tp.asked {
			t.resizeOutput() // the pictures at the child window's size
		}
	}
}

// presentedSize is the size of the tile's child window while it shows the
// tile's pictures: resizeOutput asks the decoder for pictures of that
// size, so that each is copied into the window's shared image row by row,
// unscaled. The width is rounded up to an even number, and the copy leaves
// out the last column: swscale makes a picture of odd width with full
// chroma interpolation in plain C, three times the cost of an even one.
// The height is rounded down to an even number, and the copy shows one
// row twice: the decoder's scaler shrinks a picture of even height in two
// steps, two thirds of the cost of one (player/ffmpeg). A
// window larger than the camera's picture gets the picture at its own
// size, as on the Fyne path (never enlarged by swscale: the copy's
// nearest-pixel scaling costs less and keeps the decoder's buffers small).
func (t *Tile) presentedSize() (int, int, bool) {
	tp := t.present.Load()
	if !t.presentOn || tp == nil || !t.place.ok {
		return 0, 0, false
	}
	r := t.place.r.Size()
	w, h := (r.X+1)&^1, r.Y&^1
	if w > t.srcW || h > t.srcH {
		tp.asked = r
		return 0, 0, false
	}
	if r != tp.asked {
		tp.asked = r
		presentLog().Debug("pictures decoded at their child window's size", "tile", t.Title,
			"decoded", fmt.Sprintf("%dx%d", w, h), "window", fmt.Sprintf("%dx%d", r.X, r.Y))
	}
	return w, h, true
}

// presentable reports whether the tile's picture may go through its
// child window: live, not dimmed, not zoomed.
func (t *Tile) presentable() bool {
	return t.frame != nil && t.status.State == session.StateLive && t.picture.Visible() && !t.dim.Visible() && !t.zoom.z.Zoomed()
}

// setPresenting switches the tile's raster between its picture (Fyne
// draws it) and its background (the child window shows the picture).
func (t *Tile) setPresenting(on bool) {
	if t.presentOn == on {
		return
	}
	t.presentOn = on
	t.picture.Refresh()
	t.resizeOutput() // Fyne's size, or the child window's
}

// dropPresent destroys the tile's child window (any goroutine).
func (t *Tile) dropPresent() {
	if tp := t.present.Swap(nil); tp != nil {
		tp.on.Store(false)
		_ = tp.surf.Close()
	}
}

// presentedNow reports, from any goroutine, whether the tile's pictures
// go through its child window.
func (t *Tile) presentedNow() bool {
	tp := t.present.Load()
	return tp != nil && tp.on.Load()
}

// Presented reports whether the tile's picture shows through its child
// window (the X11 path) and that window's X id.
func (t *Tile) Presented() (bool, uintptr) {
	tp := t.present.Load()
	if tp == nil || !tp.on.Load() {
		return false, 0
	}
	return true, tp.surf.Window()
}

// pictureRect is the tile's picture area in its window's pixels, with the
// holes for what Fyne draws over it (in the area's own pixels); ok is
// false when the tile is not on screen.
func (t *Tile) pictureRect(drv fyne.Driver, scale float32) (image.Rectangle, []image.Rectangle, bool) {
	if !t.Visible() || !t.picture.Visible() {
		return image.Rectangle{}, nil, false
	}
	size := t.picture.Size()
	abs := drv.AbsolutePositionForObject(t.picture)
	// The picture sits below the title bar: (0, 0) means not found.
	if abs.IsZero() || size.Width < 1 || size.Height < 1 {
		return image.Rectangle{}, nil, false
	}
	px := func(v float32) int { return int(math.Round(float64(v * scale))) }
	lo := func(v float32) int { return int(math.Floor(float64(v * scale))) }
	hi := func(v float32) int { return int(math.Ceil(float64(v * scale))) }
	r := image.Rect(px(abs.X), px(abs.Y), px(abs.X+size.Width), px(abs.Y+size.Height))
	at := t.picture.Position()
	var holes []image.Rectangle
	for _, o := range t.overPicture() {
		if !o.Visible() {
			continue
		}
		sz := o.Size()
		if sz.Width <= 0 || sz.Height <= 0 {
			sz = o.MinSize() // canvas.Text is only moved
		}
		p := o.Position().Subtract(at)
		h := image.Rect(lo(p.X), lo(p.Y), hi(p.X+sz.Width), hi(p.Y+sz.Height)).Intersect(image.Rect(0, 0, r.Dx(), r.Dy()))
		if !h.Empty() {
			holes = append(holes, h)
		}
	}
	return r, holes, true
}

// overPicture are the objects Fyne may draw over the tile's picture.
func (t *Tile) overPicture() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{t.statsBG, t.talkBtn, t.level, t.talkNote}
	objs = append(objs, t.deco.objects()...)
	return append(objs, t.border.objects()...)
}

// presentBatch puts the pictures of the tiles shown through child windows
// and reports, for each picture of batch, whether it was put. It runs on
// the paint clock's goroutine; each window's presenter is synced once,
// after its puts, so that the next tick may write the images again.
func presentBatch(batch []handOver) []bool {
	put := make([]bool, len(batch))
	var used []*windowPresenter
	for i, h := range batch {
		tp := h.r.widget().present.Load()
		if tp == nil || !tp.on.Load() || tp.wp.failed.Load() {
			continue
		}
		if err := tp.surf.Put(h.f.Image); err != nil {
			tp.wp.failed.Store(true)
			continue
		}
		put[i] = true
		tp.drawn.Add(1)
		h.r.Drawn(h.f)
		if !containsPresenter(used, tp.wp) {
			used = append(used, tp.wp)
		}
	}
	for _, wp := range used {
		if err := wp.p.Sync(); err != nil {
			wp.failed.Store(true)
		}
	}
	return put
}

func containsPresenter(l []*windowPresenter, wp *windowPresenter) bool {
	for _, x := range l {
		if x == wp {
			return true
		}
	}
	return false
}
