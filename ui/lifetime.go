package ui

import "context"

// until returns a context for work done on behalf of something long-lived
// (the wall, a tile's runner, the pre-check window) that keeps only the
// channel of its lifetime, never a context (STYLE.md: no context.Context in
// a struct). The context ends when done closes or cancel is called; the
// caller always calls cancel.
func until(done <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
