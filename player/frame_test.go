package player

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestLatestKeepsNewest(t *testing.T) {
	l := NewLatest()
	if f := l.Load(); f != nil {
		t.Fatalf("Load on empty Latest = %v, want nil", f)
	}
	select {
	case <-l.Ready():
		t.Fatal("Ready signalled before any frame")
	default:
	}
	a, b := &Frame{PTS: 1}, &Frame{PTS: 2}
	l.PutFrame(a)
	l.PutFrame(b) // must not block although nobody read Ready
	if got := l.Load(); got != b {
		t.Fatalf("Load = %v, want the newest frame %v", got, b)
	}
	select {
	case <-l.Ready():
	default:
		t.Fatal("Ready not signalled after PutFrame")
	}
	select {
	case <-l.Ready():
		t.Fatal("two puts left two signals; Ready must coalesce")
	default:
	}
	l.PutFrame(a)
	select {
	case <-l.Ready():
	case <-time.After(time.Second):
		t.Fatal("Ready not signalled for a frame put after the last receive")
	}
	if got := l.Load(); got != a {
		t.Fatalf("Load = %v, want %v", got, a)
	}
}

func TestLatestConcurrent(t *testing.T) {
	l := NewLatest()
	const n = 2000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			l.PutFrame(&Frame{PTS: time.Duration(i + 1)})
		}
	}()
	var last time.Duration
	for last != n {
		select {
		case <-l.Ready():
		case <-time.After(5 * time.Second):
			t.Fatalf("no signal; last PTS seen %d", last)
		}
		f := l.Load()
		if f.PTS < last {
			t.Fatalf("Load went back in time: %d after %d", f.PTS, last)
		}
		last = f.PTS
	}
	wg.Wait()
}

// fill writes v into every byte of f's picture, as a decoder overwrites a
// recycled buffer.
func fill(f *Frame, v byte) {
	for i := range f.Image.Pix {
		f.Image.Pix[i] = v
	}
}

func TestFramePoolOwnership(t *testing.T) {
	tests := []struct {
		name string
		// run takes frames from p and returns how many are free at the end.
		run      func(t *testing.T, p *FramePool, l *Latest)
		wantFree int
	}{
		{
			name: "emitted and not kept: reused",
			run: func(t *testing.T, p *FramePool, _ *Latest) {
				a := p.Get(4, 2)
				a.Release()
				if b := p.Get(4, 2); b != a {
					t.Errorf("Get after Release = %p, want the released %p", b, a)
				} else {
					b.Release()
				}
			},
			wantFree: 1,
		},
		{
			name: "Latest holds the newest, releases the one it replaces",
			run: func(t *testing.T, p *FramePool, l *Latest) {
				a := p.Get(4, 2)
				l.PutFrame(a)
				a.Release()
				if p.Free() != 0 {
					t.Errorf("the frame Latest holds went back to the pool")
				}
				b := p.Get(4, 2)
				if b == a {
					t.Fatal("Get returned the frame Latest holds")
				}
				l.PutFrame(b)
				b.Release()
				if p.Free() != 1 {
					t.Errorf("free = %d after Latest replaced its frame, want 1", p.Free())
				}
			},
			wantFree: 1,
		},
		{
			name: "a reader's Acquire outlives Latest's reference",
			run: func(t *testing.T, p *FramePool, l *Latest) {
				a := p.Get(4, 2)
				fill(a, 7)
				l.PutFrame(a)
				a.Release()
				shown := l.Acquire()
				for i := range 3 {
					f := p.Get(4, 2)
					if f == shown {
						t.Fatalf("picture %d reused the buffer a reader holds", i)
					}
					fill(f, byte(i))
					l.PutFrame(f)
					f.Release()
				}
				if shown.Image.Pix[0] != 7 {
					t.Errorf("held picture overwritten: %d", shown.Image.Pix[0])
				}
				shown.Release()
			},
			wantFree: 2,
		},
		{
			name: "Load copies a pooled frame",
			run: func(t *testing.T, p *FramePool, l *Latest) {
				a := p.Get(4, 2)
				fill(a, 9)
				a.SourceWidth = 640
				l.PutFrame(a)
				a.Release()
				kept := l.Load()
				if kept == a || kept.Pooled() || kept.Image.Pix[0] != 9 || kept.SourceWidth != 640 {
					t.Fatalf("Load = %+v, want a copy of the pooled frame", kept)
				}
				b := p.Get(4, 2)
				fill(b, 1)
				l.PutFrame(b)
				b.Release()
				c := p.Get(4, 2) // the buffer of a, now free
				fill(c, 2)
				c.Release()
				if kept.Image.Pix[0] != 9 {
					t.Errorf("the copy changed with the pool: %d", kept.Image.Pix[0])
				}
			},
			wantFree: 1,
		},
		{
			name: "a new size drops the old frames",
			run: func(t *testing.T, p *FramePool, _ *Latest) {
				a := p.Get(4, 2)
				b := p.Get(8, 4)
				a.Release() // old size: not kept
				if b.Image.Rect.Dx() != 8 || len(b.Image.Pix) != 8*4*4 {
					t.Errorf("Get(8, 4) image %v, %d bytes", b.Image.Rect, len(b.Image.Pix))
				}
				b.Release()
			},
			wantFree: 1,
		},
		{
			name: "frames that are not pooled ignore Retain and Release",
			run: func(t *testing.T, _ *FramePool, l *Latest) {
				f := &Frame{PTS: 3}
				f.Retain()
				f.Release()
				f.Release()
				l.PutFrame(f)
				if l.Load() != f || l.Acquire() != f {
					t.Error("Latest did not return the very frame it was given")
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewFramePool()
			tc.run(t, p, NewLatest())
			if got := p.Free(); got != tc.wantFree {
				t.Errorf("free frames = %d, want %d", got, tc.wantFree)
			}
		})
	}
}

func TestFrameReleasedTwice(t *testing.T) {
	p := NewFramePool()
	f := p.Get(2, 2)
	f.Release()
	f.Release() // a bug: ignored, not a second return to the pool
	f.Retain()  // a bug: refused
	if got := p.Misuses(); got != 2 {
		t.Errorf("misuses = %d, want 2", got)
	}
	if got := p.Free(); got != 1 {
		t.Errorf("free = %d, want the frame once", got)
	}
	a, b := p.Get(2, 2), p.Get(2, 2)
	if a == b {
		t.Error("the pool handed out one frame twice")
	}
}

// TestLatestPooledConcurrent is the latest-frame-wins handover under the race
// detector: a producer fills pooled frames with their sequence number and
// hands them to Latest; a painter acquires the newest, checks every byte
// twice with a pause between (a reused buffer would change under it) and
// releases it.
func TestLatestPooledConcurrent(t *testing.T) {
	p, l := NewFramePool(), NewLatest()
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			f := p.Get(16, 8)
			fill(f, byte(i%251+1))
			f.PTS = time.Duration(i + 1)
			l.PutFrame(f)
			f.Release()
		}
	}()
	var last time.Duration
	bad := 0
	for last != n && bad == 0 {
		select {
		case <-l.Ready():
		case <-time.After(5 * time.Second):
			t.Fatalf("no signal; last PTS seen %d", last)
		}
		f := l.Acquire()
		want := f.Image.Pix[0]
		for pass := range 2 {
			for _, v := range f.Image.Pix {
				if v != want {
					bad++
				}
			}
			if pass == 0 {
				time.Sleep(50 * time.Microsecond)
			}
		}
		if f.PTS < last {
			t.Fatalf("Acquire went back in time: %d after %d", f.PTS, last)
		}
		last = f.PTS
		f.Release()
	}
	<-done
	if bad > 0 {
		t.Fatalf("%d bytes of a held picture changed: its buffer was reused", bad)
	}
	if p.Free() > poolKeep {
		t.Errorf("pool keeps %d frames, bound %d", p.Free(), poolKeep)
	}
	if p.Misuses() != 0 {
		t.Errorf("%d refused Retain/Release calls", p.Misuses())
	}
}

func TestLatestAcquireAllocatesNothing(t *testing.T) {
	p, l := NewFramePool(), NewLatest()
	allocs := testing.AllocsPerRun(200, func() {
		f := p.Get(32, 18)
		l.PutFrame(f)
		f.Release()
		shown := l.Acquire()
		shown.Release()
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per frame handed over and painted, want 0", allocs)
	}
}
