package wall

import "time"

// TourLead is how long before a tour's change the next view's or page's
// sessions start, so the change shows pictures rather than spinners.
const TourLead = 3 * time.Second

// Tour is a tour's countdown: it runs down while the tour is not paused
// (the pointer over the wall, a tile maximised) and holds while it is.
// The renderer asks it with its own clock; it starts nothing itself.
type Tour struct {
	every  time.Duration
	left   time.Duration // what was left at since
	since  time.Time
	paused bool
}

// NewTour returns a countdown of every, started at now.
func NewTour(every time.Duration, now time.Time) *Tour {
	return &Tour{every: every, left: every, since: now}
}

// Every returns the tour's interval.
func (t *Tour) Every() time.Duration { return t.every }

// Restart starts the countdown again from the interval (after a change).
func (t *Tour) Restart(now time.Time) {
	t.left, t.since = t.every, now
}

// SetPaused holds (on) or resumes (off) the countdown at now.
func (t *Tour) SetPaused(on bool, now time.Time) {
	if on == t.paused {
		return
	}
	t.left = t.Left(now)
	t.since = now
	t.paused = on
}

// Paused reports whether the countdown holds.
func (t *Tour) Paused() bool { return t.paused }

// Left returns what is left of the countdown at now (0 when due).
func (t *Tour) Left(now time.Time) time.Duration {
	if t.paused {
		return max(0, t.left)
	}
	return max(0, t.left-now.Sub(t.since))
}

// Due reports whether the tour moves on at now.
func (t *Tour) Due(now time.Time) bool { return !t.paused && t.Left(now) == 0 }

// Soon reports whether the change is within TourLead at now: the next
// view's or page's sessions should start.
func (t *Tour) Soon(now time.Time) bool { return !t.paused && t.Left(now) <= TourLead }
