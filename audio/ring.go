package audio

import "sync/atomic"

// Ring is a lock-free single-producer single-consumer ring buffer of int16
// samples, preallocated by NewRing. One goroutine (or audio thread) may call
// Write while another calls Read; neither allocates, locks or blocks, so both
// are safe on a real-time audio callback. Len may be called from anywhere.
type Ring struct {
	buf []int16
	// r and w count samples read and written since creation; w-r is the fill.
	// The producer alone stores w and the consumer alone stores r.
	r atomic.Uint64
	_ [56]byte // keep the two counters on separate cache lines
	w atomic.Uint64
}

// NewRing returns a ring holding up to capacity samples (at least 1).
func NewRing(capacity int) *Ring {
	return &Ring{buf: make([]int16, max(capacity, 1))}
}

// Cap returns the ring's capacity in samples.
func (r *Ring) Cap() int { return len(r.buf) }

// Len returns how many samples are buffered.
func (r *Ring) Len() int {
	// Load r first: w only grows, so w-r never underflows.
	rd := r.r.Load()
	return int(r.w.Load() - rd)
}

// Write copies as much of p as fits and returns how many samples it wrote;
// the rest is dropped. Only the producer calls Write.
func (r *Ring) Write(p []int16) int {
	w := r.w.Load()
	free := len(r.buf) - int(w-r.r.Load())
	n := min(len(p), free)
	if n <= 0 {
		return 0
	}
	i := int(w % uint64(len(r.buf)))
	c := copy(r.buf[i:], p[:n])
	copy(r.buf, p[c:n])
	r.w.Store(w + uint64(n))
	return n
}

// Read copies up to len(p) buffered samples into p and returns how many it
// copied (0 when empty). Only the consumer calls Read.
func (r *Ring) Read(p []int16) int {
	rd := r.r.Load()
	n := min(len(p), int(r.w.Load()-rd))
	if n <= 0 {
		return 0
	}
	i := int(rd % uint64(len(r.buf)))
	c := copy(p[:n], r.buf[i:])
	copy(p[c:n], r.buf)
	r.r.Store(rd + uint64(n))
	return n
}

// Discard drops up to n buffered samples and returns how many it dropped.
// Only the consumer calls Discard.
func (r *Ring) Discard(n int) int {
	rd := r.r.Load()
	n = min(n, int(r.w.Load()-rd))
	if n <= 0 {
		return 0
	}
	r.r.Store(rd + uint64(n))
	return n
}

// Reset empties the ring. It acts as the consumer: call it from the
// consumer's goroutine, or while no Read runs.
func (r *Ring) Reset() {
	r.r.Store(r.w.Load())
}
