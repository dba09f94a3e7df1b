package player

import "sync"

// Paced is a Sink for a painter that shows one picture per display frame.
// It keeps the pictures not yet shown in arrival order, at most two: a
// picture that arrives just after a display frame instead of just before it
// waits one display frame rather than being replaced by the next, so a
// painter ticking at least as fast as the camera shows every picture. A
// third picture drops the oldest one waiting, so latency never builds up
// beyond one display frame when the painter falls behind.
//
// It is safe for one producer and any number of readers. Like Latest, it
// holds a reference to every frame it keeps.
type Paced struct {
	mu      sync.Mutex
	waiting [pacedDepth]*Frame // oldest first; nil from n on
	n       int
	newest  *Frame // the newest picture, shown or not (for snapshots)
	dropped uint64
}

// pacedDepth is how many pictures may wait for the painter.
const pacedDepth = 2

// NewPaced returns an empty Paced.
func NewPaced() *Paced { return &Paced{} }

// PutFrame queues f for the painter, dropping the oldest waiting picture
// when two already wait.
func (q *Paced) PutFrame(f *Frame) {
	f.Retain() // for waiting
	f.Retain() // for newest
	q.mu.Lock()
	var drop *Frame
	if q.n == pacedDepth {
		drop = q.waiting[0]
		copy(q.waiting[:], q.waiting[1:])
		q.n--
		q.dropped++
	}
	q.waiting[q.n] = f
	q.n++
	old := q.newest
	q.newest = f
	q.mu.Unlock()
	drop.Release()
	old.Release()
}

// Next takes the oldest picture not yet shown, or nil when none waits. The
// caller owns the reference it gets and releases it when done.
func (q *Paced) Next() *Frame {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil
	}
	f := q.waiting[0]
	copy(q.waiting[:], q.waiting[1:])
	q.n--
	q.waiting[q.n] = nil
	return f
}

// Waiting returns how many pictures wait for the painter.
func (q *Paced) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Dropped returns how many pictures were dropped unshown because two
// already waited.
func (q *Paced) Dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Acquire returns the newest picture with a reference the caller must
// Release, or nil if none arrived yet; it allocates nothing.
func (q *Paced) Acquire() *Frame {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.newest.Retain()
	return q.newest
}

// Load returns the newest picture for keeping, as Latest.Load does.
func (q *Paced) Load() *Frame {
	f := q.Acquire()
	if !f.Pooled() {
		return f
	}
	defer f.Release()
	return f.Clone()
}

// Clear releases every picture the queue holds.
func (q *Paced) Clear() {
	q.mu.Lock()
	waiting, n, newest := q.waiting, q.n, q.newest
	q.waiting, q.n, q.newest = [pacedDepth]*Frame{}, 0, nil
	q.mu.Unlock()
	for _, f := range waiting[:n] {
		f.Release()
	}
	newest.Release()
}
