package ui

import (
	"sync"
	"sync/atomic"
	"time"
)

// The wall's pictures reach the Fyne goroutine in one call per paint tick,
// carrying the newest picture of every tile that got one since the last
// tick, instead of one call per decoded picture. Each call dirties the
// canvas and costs a repaint of the whole window (software OpenGL under
// Xvfb: about half the window's CPU, docs/PERFORMANCE.md); batching bounds
// those repaints to the tick rate whatever the number of tiles.

// paintInterval is the tick: 40 per second, above the 25-30 pictures per
// second cameras send, so every picture is still shown once.
const paintInterval = 25 * time.Millisecond

// paintClock runs while at least one runner is registered.
type paintClock struct {
	mu      sync.Mutex
	runners map[*runner]struct{}
	stop    chan struct{}
	done    chan struct{}
	queued  atomic.Bool // a batch waits for the Fyne goroutine
}

// painter is the clock of every wall in the process.
var painter paintClock

// add registers r; its tile gets r's newest picture at the next tick.
func (c *paintClock) add(r *runner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runners == nil {
		c.runners = map[*runner]struct{}{}
	}
	c.runners[r] = struct{}{}
	if c.stop == nil {
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		go c.run(c.stop, c.done)
	}
}

// remove unregisters r; the last one out stops the clock and waits for it.
func (c *paintClock) remove(r *runner) {
	c.mu.Lock()
	delete(c.runners, r)
	var stop, done chan struct{}
	if len(c.runners) == 0 && c.stop != nil {
		stop, done = c.stop, c.done
		c.stop, c.done = nil, nil
	}
	c.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (c *paintClock) run(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(paintInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if c.queued.Load() {
			continue // the Fyne goroutine is behind: the queued batch takes the newest pictures
		}
		var batch []*runner
		c.mu.Lock()
		for r := range c.runners {
			select {
			case <-r.sink.Ready():
				// Motion and snapshots look at the pictures the tile
				// is handed (actions.go), off the Fyne goroutine.
				f := r.sink.Acquire()
				r.frameExtras(f)
				f.Release()
				batch = append(batch, r)
			default:
			}
		}
		c.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		c.queued.Store(true)
		do(func() {
			c.queued.Store(false)
			for _, r := range batch {
				// Acquire, not Load: the decoder's pooled frame itself,
				// held by the tile until the next picture replaces it.
				f := r.sink.Acquire()
				if !r.stopped.Load() {
					r.tile.SetFrame(f)
					if r.s != nil {
						r.s.Painted(f) // the capture-to-paint latency of the hover stats
					}
				}
				f.Release()
			}
		})
	}
}

// Tiles returns how many tiles run a session in this process's walls now;
// main uses it to share the cores among the decoders
// (player.DecoderThreads).
func Tiles() int {
	painter.mu.Lock()
	defer painter.mu.Unlock()
	return len(painter.runners)
}
