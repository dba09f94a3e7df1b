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
