package ui

import (
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// TestPaintClockBatches: pictures of several tiles reach them in one UI
// call per tick, the newest one wins, a stopped runner's tile gets nothing,
// and the clock stops with its last runner.
func TestPaintClockBatches(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	var runners []*runner
	for _, name := range []string{"a", "b", "c"} {
		tile := NewTile(name, &fakeControl{})
		tile.SetStatus(session.Status{State: session.StateLive})
		r := &runner{tile: tile, sink: player.NewLatest()}
		runners = append(runners, r)
		painter.add(r)
	}
	runners[2].stopped.Store(true)
	for _, r := range runners {
		r.sink.PutFrame(frame(32, 18, color.RGBA{R: 10, A: 255}))
		r.sink.PutFrame(frame(32, 18, color.RGBA{G: 200, A: 255})) // the newest wins
	}
	// Wait for the tick to queue its batch.
	deadline := time.Now().Add(10 * time.Second)
	calls := 0
	for time.Now().Before(deadline) {
		uiQueue.mu.Lock()
		calls = len(uiQueue.q)
		uiQueue.mu.Unlock()
		if calls > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * paintInterval) // later ticks must not queue more while one waits
	uiQueue.mu.Lock()
	calls = len(uiQueue.q)
	uiQueue.mu.Unlock()
	if calls != 1 {
		t.Fatalf("%d UI calls queued for three tiles' pictures, want 1", calls)
	}
	drainUI()
	for i, r := range runners {
		got := r.tile.TakePaints()
		want := 1
		if r.stopped.Load() {
			want = 0
		}
		if got != want {
			t.Errorf("tile %d: %d pictures, want %d", i, got, want)
		}
	}
	if g := runners[0].tile.picture.Image.At(0, 0); g != (color.RGBA{G: 200, A: 255}) {
		t.Errorf("tile shows %v, want the newest picture", g)
	}
	for _, r := range runners {
		painter.remove(r)
	}
	painter.mu.Lock()
	running := painter.stop != nil
	painter.mu.Unlock()
	if running {
		t.Fatal("the clock runs with no runner")
	}
}
