package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/session"
)

// A tile that is not playing changes at most once a second. Every change of
// the window costs a repaint of all of it (software OpenGL under Xvfb,
// docs/PERFORMANCE.md), and a wall of failing tiles used to change many
// times a second: each attempt's states (signaling, retrying, the reason)
// and each tile's own countdown timer, each in its own UI call at its own
// moment. Now everything such a tile shows (its state and reason, the
// retry countdown) goes through one clock, the seconds clock, which hands
// all of it to the Fyne goroutine in one call on each whole second: one
// repaint a second for the whole wall at most, and none when nothing
// changed. Pictures and the live state do not wait (paintclock.go).

// secondsClock runs the jobs put to it on each whole second, all in one UI
// call. It holds no goroutine of its own: a timer is armed while it has
// jobs.
type secondsClock struct {
	mu    sync.Mutex
	jobs  map[any]func() bool
	timer *time.Timer
	// batches counts the UI calls handed over (for tests).
	batches atomic.Int64
}

// seconds is the clock of every window in the process.
var seconds secondsClock

// put runs job on the Fyne goroutine at the next whole second, in place of
// any job put under key before that has not run yet. job returns whether it
// wants to run again a second later (unless another job is put under key
// meanwhile).
func (c *secondsClock) put(key any, job func() (again bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jobs == nil {
		c.jobs = map[any]func() bool{}
	}
	c.jobs[key] = job
	c.arm()
}

// drop forgets the job put under key, if it has not run yet.
func (c *secondsClock) drop(key any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.jobs, key)
}

// arm starts the timer for the next whole second; c.mu is held.
func (c *secondsClock) arm() {
	if c.timer != nil || len(c.jobs) == 0 {
		return
	}
	now := time.Now()
	c.timer = time.AfterFunc(now.Truncate(time.Second).Add(time.Second).Sub(now), c.fire)
}

// fire hands every job waiting to the Fyne goroutine in one call.
func (c *secondsClock) fire() {
	c.mu.Lock()
	c.timer = nil
	jobs := c.jobs
	c.jobs = nil
	c.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	c.batches.Add(1)
	do(func() {
		for key, job := range jobs {
			if job() {
				c.again(key, job)
			}
		}
	})
}

// again puts job back under key unless a newer job took its place.
func (c *secondsClock) again(key any, job func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, newer := c.jobs[key]; newer {
		return
	}
	if c.jobs == nil {
		c.jobs = map[any]func() bool{}
	}
	c.jobs[key] = job
	c.arm()
}

// statusGate hands a tile the states its session publishes: the live state
// at once (its picture follows), any other on the seconds clock, the newest
// of those published since the last second, and only when it looks
// different from the one shown.
type statusGate struct {
	mu   sync.Mutex
	next session.Status
	seq  uint64 // of next; each published state gets the next number
	// shown and shownSeq are the state applied last and its number; used
	// on the Fyne goroutine only.
	shown    session.Status
	shownSeq uint64
}

// offer takes a published state; apply shows one on the Fyne goroutine.
func (g *statusGate) offer(st session.Status, apply func(session.Status)) {
	g.mu.Lock()
	g.seq++
	seq := g.seq
	g.next = st
	g.mu.Unlock()
	if st.State == session.StateLive {
		seconds.drop(g)
		do(func() { g.show(st, seq, apply) })
		return
	}
	seconds.put(g, func() bool {
		g.mu.Lock()
		st, seq := g.next, g.seq
		g.mu.Unlock()
		g.show(st, seq, apply)
		return false
	})
}

// show applies st unless a later state was applied already or it would look
// the same as the one shown; on the Fyne goroutine.
func (g *statusGate) show(st session.Status, seq uint64, apply func(session.Status)) {
	if seq <= g.shownSeq {
		return
	}
	same := g.shownSeq > 0 && looksSame(g.shown, st, time.Now())
	g.shown, g.shownSeq = st, seq
	if !same {
		apply(st)
	}
}

// close forgets a state waiting for the clock.
func (g *statusGate) close() { seconds.drop(g) }

// looksSame reports whether a tile shows b just as it shows a: same state,
// reason, retry policy and countdown, the same old picture, the same
// (lack of) busy indicator.
func looksSame(a, b session.Status, now time.Time) bool {
	if a.State != b.State || a.Reason() != b.Reason() || a.Wait != b.Wait || !a.LastPicture.Equal(b.LastPicture) ||
		(a.Attempt <= 1) != (b.Attempt <= 1) {
		return false
	}
	if a.State == session.StateRetrying {
		return retryText(a, now) == retryText(b, now)
	}
	return true
}
