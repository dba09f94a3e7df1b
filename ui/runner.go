package ui

import (
	"context"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// runner runs one tile's session in the background and pumps its frames and
// states to the tile, latest-frame-wins: a frame that arrives while the
// previous one is still waiting to be painted replaces it.
type runner struct {
	s       *session.Session
	sink    *player.Latest
	cancel  context.CancelFunc
	restart chan struct{}
	wg      sync.WaitGroup
	stopped atomic.Bool
	pending atomic.Bool // a paint is queued on the Fyne goroutine
}

// startRunner starts cfg's session for tile t. cfg.Sink and cfg.OnStatus are
// set here.
func startRunner(parent context.Context, cfg session.Config, t *Tile) (*runner, error) {
	r := &runner{sink: player.NewLatest(), restart: make(chan struct{}, 1)}
	cfg.Sink = r.sink
	cfg.OnStatus = func(st session.Status) {
		fyne.Do(func() { t.SetStatus(st) })
	}
	s, err := session.New(cfg)
	if err != nil {
		return nil, err
	}
	r.s = s
	t.ctrl = r
	ctx, cancel := context.WithCancel(parent)
	r.cancel = cancel
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		for {
			_ = s.Run(ctx) // failures reach the tile as states
			select {
			case <-r.restart: // Retry after a permanent failure
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-r.sink.Ready():
				if r.pending.Swap(true) {
					continue // the queued paint will take the newest frame
				}
				fyne.Do(func() {
					r.pending.Store(false)
					t.SetFrame(r.sink.Load())
				})
			case <-ctx.Done():
				return
			}
		}
	}()
	return r, nil
}

// Retry implements TileControl.
func (r *runner) Retry() {
	r.s.RetryNow()
	select {
	case r.restart <- struct{}{}:
	default:
	}
}

// Stats implements TileControl.
func (r *runner) Stats() player.Stats { return r.s.Stats() }

// SetOutputSize implements TileControl.
func (r *runner) SetOutputSize(w, h int) { r.s.SetOutputSize(w, h) }

// Live reports whether pictures are arriving.
func (r *runner) Live() bool { return r.s.Status().State == session.StateLive }

// Stop ends the session and waits for it.
func (r *runner) Stop() {
	if r.stopped.Swap(true) {
		return
	}
	r.cancel()
	r.wg.Wait()
}
