package videofeed

import "errors"

// ErrClosed is returned by Subscribe and Close once the hub is closed.
var ErrClosed = errors.New("videofeed: closed")
