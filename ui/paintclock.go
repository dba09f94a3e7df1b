package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/player"
)

// The wall's pictures reach the Fyne goroutine in one call per paint tick,
// carrying one picture for every tile that has one waiting, instead of one
// call per decoded picture. Each call dirties the canvas and costs a
// repaint of the whole window (software OpenGL under Xvfb: most of the
// window's CPU, docs/PERFORMANCE.md), so the tick runs just faster than the
// fastest camera of the wall and no faster: every picture is shown once,
// with as few repaints as that takes. A picture that arrives just after a
// tick waits for the next (player.Paced), so cameras whose pictures arrive
// out of step with the tick still have every picture shown.

// Bounds of the tick: 60 repaints a second at most (a display's rate), 15
// at least (cameras that have not reported a rate yet get 25 ms).
const (
	minPaintInterval     = time.Second / 60
	maxPaintInterval     = time.Second / 15
	defaultPaintInterval = 25 * time.Millisecond
	// paintHeadroom makes the tick this much faster than the fastest
	// camera so that the pictures waiting never pile up.
	paintHeadroom = 1.05
)

// paintIntervalFor is the tick for a wall whose fastest camera sends fps
// pictures a second (0: unknown).
func paintIntervalFor(fps float64) time.Duration {
	if fps <= 0 {
		return defaultPaintInterval
	}
	d := time.Duration(float64(time.Second) / (fps * paintHeadroom))
	return min(max(d, minPaintInterval), maxPaintInterval)
}

// paintClock runs while at least one runner is registered.
type paintClock struct {
	mu      sync.Mutex
	runners map[*runner]struct{}
	stop    chan struct{}
	done    chan struct{}
	queued  atomic.Bool // a batch waits for the Fyne goroutine
	// interval is the tick in use (time.Duration), for tests and logs.
	interval atomic.Int64
	// batches counts the calls handed to the Fyne goroutine (for tests).
	batches atomic.Int64
	// ticks counts the ticks (for tests).
	ticks atomic.Int64
	// held are pictures put through child windows while the Fyne
	// goroutine was behind, for it to keep (the newest of each tile).
	held map[*runner]*player.Frame
	// kick wakes the clock to look again whether every tile is paused
	// (minimised.go): then it stops ticking until one is not.
	kick chan struct{}
}

// painter is the clock of every wall in the process.
var painter paintClock

// add registers r; its tile gets r's pictures from the next tick on.
func (c *paintClock) add(r *runner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runners == nil {
		c.runners = map[*runner]struct{}{}
	}
	c.runners[r] = struct{}{}
	if c.stop == nil {
		c.stop, c.done, c.kick = make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
		go c.run(c.stop, c.done, c.kick)
		return
	}
	c.wake()
}

// wake has the clock look again whether every tile is paused; call it
// with c.mu held.
func (c *paintClock) wake() {
	if c.kick != nil {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// Recheck has the clock look again whether every tile is paused, after a
// wall was paused or resumed (minimised.go).
func (c *paintClock) Recheck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wake()
}

// Idle reports whether every registered tile is paused (its window
// minimised): nobody sees a picture, none is decoded, and the clock does
// not tick. A clock without tiles is idle too.
func (c *paintClock) Idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleLocked()
}

func (c *paintClock) idleLocked() bool {
	for r := range c.runners {
		if r.mt == nil || !r.mt.Paused() {
			return false
		}
	}
	return true
}

// remove unregisters r; the last one out stops the clock and waits for it.
func (c *paintClock) remove(r *runner) {
	c.mu.Lock()
	delete(c.runners, r)
	if f := c.held[r]; f != nil {
		f.Release()
		delete(c.held, r)
	}
	var stop, done chan struct{}
	if len(c.runners) == 0 && c.stop != nil {
		stop, done = c.stop, c.done
		c.stop, c.done, c.kick = nil, nil, nil
	} else {
		c.wake() // the tiles left may all be paused
	}
	c.mu.Unlock()
	if t := r.widget(); t != nil {
		t.dropPresent() // its child window goes with it
	}
	if stop != nil {
		close(stop)
		<-done
	}
}

// Interval returns the paint tick in use.
func (c *paintClock) Interval() time.Duration { return time.Duration(c.interval.Load()) }

// fastest returns the highest decode rate among the registered runners.
func (c *paintClock) fastest() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var fps float64
	for r := range c.runners {
		if r.mt != nil {
			fps = max(fps, r.mt.Stats().FPS)
		}
	}
	return fps
}

func (c *paintClock) run(stop, done, kick chan struct{}) {
	defer close(done)
	interval := defaultPaintInterval
	c.interval.Store(int64(interval))
	t := time.NewTicker(interval)
	defer t.Stop()
	retune := time.NewTicker(time.Second)
	defer retune.Stop()
	// While every tile is paused (minimised) neither ticker runs: the
	// clock wakes again on a kick (Recheck, a tile added).
	idle := false
	settle := func() {
		now := c.Idle()
		if now == idle {
			return
		}
		idle = now
		if idle {
			t.Stop()
			retune.Stop()
		} else {
			t.Reset(interval)
			retune.Reset(time.Second)
		}
	}
	settle()
	for {
		select {
		case <-stop:
			return
		case <-kick:
			settle()
			continue
		case <-retune.C:
			if d := paintIntervalFor(c.fastest()); d != interval {
				interval = d
				c.interval.Store(int64(d))
				t.Reset(d)
			}
			continue
		case <-t.C:
		}
		c.ticks.Add(1)
		// While the Fyne goroutine is behind, tick still puts the
		// pictures of tiles with a child window (the others wait, at
		// most two each).
		c.tick()
	}
}

// handOver is one picture for one tile.
type handOver struct {
	r *runner
	f *player.Frame
}

// tick hands every tile with a picture waiting its oldest one.
func (c *paintClock) tick() {
	behind := c.queued.Load()
	var batch []handOver
	c.mu.Lock()
	for r := range c.runners {
		if behind && !r.widget().presentedNow() {
			continue // the picture waits for the Fyne goroutine (at most two)
		}
		f := r.sink.Next()
		if f == nil {
			continue
		}
		// Motion and snapshots look at the pictures the tile is handed
		// (actions.go), off the Fyne goroutine.
		r.frameExtras(f)
		batch = append(batch, handOver{r, f})
	}
	tiles := make([]*Tile, 0, len(c.runners))
	for r := range c.runners {
		tiles = append(tiles, r.widget())
	}
	c.mu.Unlock()
	// On the X11 path the pictures of tiles with a child window are put
	// here, off the Fyne goroutine, even while it is behind; Fyne still
	// gets the newest of them (the tile keeps it, for a dimmed stale
	// picture or a switch back) but refreshes nothing for them
	// (present.go).
	presentBatch(batch)
	if behind {
		c.hold(batch)
		return
	}
	batch = c.withHeld(batch)
	if len(batch) == 0 && (!x11Wanted() || !anyPresented(tiles)) {
		// No picture to hand over, and no child window to follow the
		// layout: a wall whose tiles all fail or wait costs the Fyne
		// goroutine nothing here. A tile's child window shows only with
		// a picture, which comes in a batch.
		return
	}
	c.queued.Store(true)
	c.batches.Add(1)
	do(func() {
		c.queued.Store(false)
		syncPresenting(tiles)
		for _, h := range batch {
			// The decoder's pooled frame itself, held by the tile until
			// the next picture replaces it.
			if !h.r.stopped.Load() {
				h.r.widget().SetFrame(h.f)
			}
			h.f.Release()
		}
	})
}

// anyPresented reports whether a tile's pictures go through its child
// window (from any goroutine).
func anyPresented(tiles []*Tile) bool {
	for _, t := range tiles {
		if t.presentedNow() {
			return true
		}
	}
	return false
}

// hold keeps the pictures put while the Fyne goroutine was behind, the
// newest of each tile, for the next batch.
func (c *paintClock) hold(batch []handOver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = map[*runner]*player.Frame{}
	}
	for _, h := range batch {
		if old := c.held[h.r]; old != nil {
			old.Release()
		}
		c.held[h.r] = h.f
	}
}

// withHeld adds the held pictures of tiles without a newer one to batch.
func (c *paintClock) withHeld(batch []handOver) []handOver {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) == 0 {
		return batch
	}
	in := map[*runner]bool{}
	for _, h := range batch {
		in[h.r] = true
	}
	for r, f := range c.held {
		if in[r] {
			f.Release()
		} else {
			batch = append(batch, handOver{r, f})
		}
		delete(c.held, r)
	}
	return batch
}

// Tiles returns how many tiles run a session in this process's walls now;
// main uses it to share the cores among the decoders
// (player.DecoderThreads).
func Tiles() int {
	painter.mu.Lock()
	defer painter.mu.Unlock()
	n := 0
	for r := range painter.runners {
		// A hidden tile stays registered without a session (the wall
		// model ended it).
		if r.mt == nil || r.mt.Quality() != "" {
			n++
		}
	}
	return n
}
