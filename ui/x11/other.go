//go:build !linux || android || wayland

package x11

import (
	"errors"
	"image"
)

// ErrNoDisplay means there is no X server on this system.
var ErrNoDisplay = errors.New("x11: not an X11 system")

// ErrNoWindow means the window does not exist (any more).
var ErrNoWindow = errors.New("x11: no such window")

// ErrClosed is returned by Close after the first call.
var ErrClosed = errors.New("x11: closed")

// ErrConnectionLost means the connection to the X server broke.
var ErrConnectionLost = errors.New("x11: the connection to the X server broke")

// CatchLoss returns a channel that never closes off X11.
func CatchLoss() <-chan struct{} { return nil }

// LossErr is always nil off X11.
func LossErr() error { return nil }

// Watcher is unavailable off X11: Open fails and the window is taken as
// always shown.
type Watcher struct{}

// Open fails off X11.
func Open() (*Watcher, error) { return nil, ErrNoDisplay }

// Minimised is never true off X11.
func (w *Watcher) Minimised(uintptr) (bool, error) { return false, ErrNoDisplay }

// Maximised is never true off X11.
func (w *Watcher) Maximised(uintptr) (bool, error) { return false, ErrNoDisplay }

// SetMaximised does nothing off X11.
func (w *Watcher) SetMaximised(uintptr, bool) error { return ErrNoDisplay }

// Close does nothing off X11.
func (w *Watcher) Close() error { return nil }

// ErrNoShm means pictures cannot be presented through X11 here.
var ErrNoShm = errors.New("x11: not an X11 system")

// Presenter is unavailable off X11: OpenPresenter fails and the window
// draws its pictures itself.
type Presenter struct{}

// Surface is unavailable off X11.
type Surface struct{}

// OpenPresenter fails off X11.
func OpenPresenter(uintptr) (*Presenter, error) { return nil, ErrNoShm }

// NewSurface fails off X11.
func (p *Presenter) NewSurface(uint32) (*Surface, error) { return nil, ErrNoShm }

// Sync fails off X11.
func (p *Presenter) Sync() error { return ErrNoShm }

// Close does nothing off X11.
func (p *Presenter) Close() error { return nil }

// Place fails off X11.
func (s *Surface) Place(image.Rectangle, []image.Rectangle, bool) error { return ErrNoShm }

// Put fails off X11.
func (s *Surface) Put(*image.RGBA) error { return ErrNoShm }

// Mapped is never true off X11.
func (s *Surface) Mapped() bool { return false }

// Window is 0 off X11.
func (s *Surface) Window() uintptr { return 0 }

// Close does nothing off X11.
func (s *Surface) Close() error { return nil }

// Grab fails off X11.
func Grab(image.Rectangle) (*image.RGBA, error) { return nil, ErrNoDisplay }
