package player

import (
	"testing"
	"time"
)

// TestPacedShowsInOrderAndNeverPilesUp: the painter takes pictures in the
// order they came; a third picture before the painter's next tick drops the
// oldest waiting; every reference is given back (the pool gets each frame
// back once, nothing is misused).
func TestPacedShowsInOrderAndNeverPilesUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		put     int
		want    []time.Duration // PTS the painter gets, in order
		dropped uint64
	}{
		{"none", 0, nil, 0},
		{"one", 1, []time.Duration{0}, 0},
		{"two wait", 2, []time.Duration{0, 1}, 0},
		{"a third drops the oldest", 3, []time.Duration{1, 2}, 1},
		{"five keep the newest two", 5, []time.Duration{3, 4}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := NewFramePool()
			q := NewPaced()
			distinct := map[*Frame]bool{}
			for i := range tc.put {
				f := pool.Get(4, 4)
				distinct[f] = true
				f.PTS = time.Duration(i)
				q.PutFrame(f)
				f.Release() // the producer's own reference
			}
			if q.Waiting() != len(tc.want) {
				t.Fatalf("%d waiting, want %d", q.Waiting(), len(tc.want))
			}
			if n := q.Dropped(); n != tc.dropped {
				t.Errorf("dropped %d, want %d", n, tc.dropped)
			}
			if tc.put > 0 {
				newest := q.Acquire()
				if newest.PTS != time.Duration(tc.put-1) {
					t.Errorf("newest is %v, want %v", newest.PTS, tc.put-1)
				}
				newest.Release()
			}
			for _, want := range tc.want {
				f := q.Next()
				if f == nil || f.PTS != want {
					t.Fatalf("Next = %v, want PTS %v", f, want)
				}
				f.Release()
			}
			if f := q.Next(); f != nil {
				t.Fatalf("Next after the last = PTS %v, want nil", f.PTS)
			}
			q.Clear()
			if pool.Misuses() != 0 {
				t.Errorf("%d refused Retain/Release calls", pool.Misuses())
			}
			if got, want := pool.Free(), min(len(distinct), poolKeep); got != want {
				t.Errorf("%d frames back in the pool, want %d", got, want)
			}
		})
	}
}

// TestPacedConcurrent: a decoder putting and a painter taking at once,
// under -race; every frame comes back to the pool.
func TestPacedConcurrent(t *testing.T) {
	pool := NewFramePool()
	q := NewPaced()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			f := pool.Get(8, 8)
			f.PTS = time.Duration(i)
			q.PutFrame(f)
			f.Release()
		}
	}()
	last := time.Duration(-1)
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if f := q.Next(); f != nil {
			if f.PTS <= last {
				t.Fatalf("picture %v after %v: out of order", f.PTS, last)
			}
			last = f.PTS
			f.Release()
		}
	}
	q.Clear()
	if pool.Misuses() != 0 {
		t.Errorf("%d refused Retain/Release calls", pool.Misuses())
	}
}
