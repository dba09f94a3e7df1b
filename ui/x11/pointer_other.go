//go:build !linux || android || wayland

package x11

import (
	"errors"
	"image"
)

// Leave is the pointer leaving a watched window; never told off X11.
type Leave struct {
	Window uintptr
	X, Y   int
}

// Crossings is unavailable off X11: WatchCrossings fails and a tile stays
// hovered until the pointer's next move over the window.
type Crossings struct{}

// ErrConnection means the connection to the X server failed or broke.
var ErrConnection = errors.New("x11: the crossings connection failed")

// WatchCrossings fails off X11.
func WatchCrossings(func(*Crossings, Leave)) (*Crossings, error) { return nil, ErrNoDisplay }

// Watch fails off X11.
func (x *Crossings) Watch(uintptr) error { return ErrNoDisplay }

// PointerIn fails off X11.
func (x *Crossings) PointerIn(uintptr) (image.Point, bool, error) {
	return image.Point{}, false, ErrNoDisplay
}

// Move fails off X11.
func (x *Crossings) Move(Leave) error { return ErrNoDisplay }

// Close does nothing off X11.
func (x *Crossings) Close() error { return nil }
