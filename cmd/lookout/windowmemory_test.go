package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestWindowMemoryTrimsCHeap: the window gives glibc's free pages back
// every windowTrimEvery (ffmpeg.TrimCHeap, tested in player/ffmpeg), and
// stop ends the trimming.
func TestWindowMemoryTrimsCHeap(t *testing.T) {
	// The environment keeps windowMemory from changing this process's GC
	// target and glibc's settings; the trimming runs whatever they are.
	t.Setenv("GOGC", "100")
	t.Setenv("MALLOC_ARENA_MAX", "8")
	var n atomic.Int32
	old := windowTrim
	windowTrim = func() { n.Add(1) }
	oldPO := windowPageOut
	windowPageOut = func(*slog.Logger) {}
	defer func() { windowTrim, windowPageOut = old, oldPO }()
	synctest.Test(t, func(t *testing.T) {
		stop := windowMemory(t.Context(), slog.New(slog.DiscardHandler))
		time.Sleep(3*windowTrimEvery + windowTrimEvery/2)
		synctest.Wait()
		if got := n.Load(); got != 3 {
			t.Errorf("%d trims in %v, want 3 (one every %v)", got, 3*windowTrimEvery+windowTrimEvery/2, windowTrimEvery)
		}
		stop()
		time.Sleep(2 * windowTrimEvery)
		if got := n.Load(); got != 3 {
			t.Errorf("%d trims after stop, want still 3", got)
		}
	})
}

// TestWindowMemoryPagesOutOnce: the window pages out its start-up code once,
// windowPageOutAfter after it starts (pageOutCode, tested in
// pageout_linux_test.go), and not if it stops before.
func TestWindowMemoryPagesOutOnce(t *testing.T) {
	t.Setenv("GOGC", "100")
	t.Setenv("MALLOC_ARENA_MAX", "8")
	var n atomic.Int32
	old := windowPageOut
	windowPageOut = func(*slog.Logger) { n.Add(1) }
	defer func() { windowPageOut = old }()
	synctest.Test(t, func(t *testing.T) {
		stop := windowMemory(t.Context(), slog.New(slog.DiscardHandler))
		time.Sleep(windowPageOutAfter - time.Second)
		synctest.Wait()
		if got := n.Load(); got != 0 {
			t.Errorf("%d page-outs before %v, want 0", got, windowPageOutAfter)
		}
		time.Sleep(10 * windowPageOutAfter)
		synctest.Wait()
		if got := n.Load(); got != 1 {
			t.Errorf("%d page-outs in %v, want 1", got, 11*windowPageOutAfter)
		}
		stop()
	})
	synctest.Test(t, func(t *testing.T) {
		stop := windowMemory(t.Context(), slog.New(slog.DiscardHandler))
		time.Sleep(windowPageOutAfter / 2)
		stop()
		time.Sleep(2 * windowPageOutAfter)
		if got := n.Load(); got != 1 {
			t.Errorf("%d page-outs in all, want still 1 after a window stopped before %v", got, windowPageOutAfter)
		}
	})
}

// windowHeapGoalMax is how far the window's heap may grow past its live
// heap before a collection.
const windowHeapGoalMax = 1.25

// TestWindowMemoryBoundsHeapGoal: with GOGC unset, the window collects
// before its heap grows past windowHeapGoalMax times the live heap (Go's
// default, 100, lets it double; the third round's 50, grow by half; the
// fourth round's 35, by 35 %).
func TestWindowMemoryBoundsHeapGoal(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("MALLOC_ARENA_MAX", "8")
	oldPO := windowPageOut
	windowPageOut = func(*slog.Logger) {}
	defer func() { windowPageOut = oldPO }()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	ctx, cancel := context.WithCancel(t.Context())
	stop := windowMemory(ctx, slog.New(slog.DiscardHandler))
	defer stop()
	defer cancel()
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	goal, inUse := s[0].Value.Uint64(), s[1].Value.Uint64()
	runtime.KeepAlive(live)
	t.Logf("live heap %.1f MB, goal %.1f MB (%.2f times)", float64(inUse)/1e6, float64(goal)/1e6, float64(goal)/float64(inUse))
	if float64(goal) > windowHeapGoalMax*float64(inUse) {
		t.Errorf("heap goal %d bytes for %d live: over %.2f times", goal, inUse, windowHeapGoalMax)
	}
}
