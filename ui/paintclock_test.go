package ui

import (
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// batchesAfter waits until the paint clock has handed more than from
// batches to the Fyne goroutine (or 10 s pass), lets three more
// ticks go by, and returns how many it handed over since. Other goroutines
// of earlier tests may queue UI calls of their own meanwhile; only the
// clock's count.
func batchesAfter(from int64) int64 {
	deadline := time.Now().Add(10 * time.Second)
	for painter.batches.Load() == from && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * painter.Interval()) // later ticks must not hand more over while one waits
	return painter.batches.Load() - from
}

// TestPaintClockBatches: pictures of several tiles reach them in one UI
// call per tick, one picture per tile per tick in the order they came (the
// second waits for the next tick instead of replacing the first), a
// stopped runner's tile gets nothing, a picture counts as painted when the
// canvas draws it (once, however often it is redrawn), and the clock stops
// with its last runner.
func TestPaintClockBatches(t *testing.T) {
	test.NewTempApp(t)
	drainUI()
	var runners []*runner
	for _, name := range []string{"a", "b", "c"} {
		tile := NewTile(name, &fakeControl{})
		tile.SetStatus(session.Status{State: session.StateLive})
		r := &runner{sink: player.NewPaced()}
		r.tile.Store(tile)
		runners = append(runners, r)
		painter.add(r)
	}
	runners[2].stopped.Store(true)
	red, green := color.RGBA{R: 10, A: 255}, color.RGBA{G: 200, A: 255}
	from := painter.batches.Load()
	for _, r := range runners {
		r.sink.PutFrame(frame(32, 18, red))
		r.sink.PutFrame(frame(32, 18, green))
	}
	for step, want := range []color.RGBA{red, green} {
		n := batchesAfter(from)
		if n != 1 {
			t.Fatalf("step %d: %d UI calls handed over for three tiles' pictures, want 1", step, n)
		}
		from += n // no other batch until this one runs
		drainUI()
		for i, r := range runners {
			if r.stopped.Load() {
				if r.widget().frame != nil {
					t.Errorf("step %d: stopped tile %d was handed a picture", step, i)
				}
				continue
			}
			if got := r.widget().TakePaints(); got != 0 {
				t.Errorf("step %d: tile %d counts %d pictures painted before the canvas drew any", step, i, got)
			}
			if g := r.widget().frame.Image.At(0, 0); g != want {
				t.Errorf("step %d: tile %d shows %v, want %v", step, i, g, want)
			}
			r.widget().drawPicture(32, 18)
			r.widget().drawPicture(32, 18) // a redraw of the same picture
			if got := r.widget().TakePaints(); got != 1 {
				t.Errorf("step %d: tile %d counts %d pictures painted, want 1", step, i, got)
			}
		}
	}
	for _, r := range runners {
		painter.remove(r)
		r.sink.Clear()
	}
	painter.mu.Lock()
	running := painter.stop != nil
	painter.mu.Unlock()
	if running {
		t.Fatal("the clock runs with no runner")
	}
}

// TestPaintIntervalFollowsTheFastestCamera: the tick is a little faster
// than the fastest camera, within a display's rate and 15 a second.
func TestPaintIntervalFollowsTheFastestCamera(t *testing.T) {
	for _, tc := range []struct {
		name string
		fps  float64
		want time.Duration
	}{
		{"unknown", 0, defaultPaintInterval},
		{"25 fps", 25, 38095238 * time.Nanosecond},
		{"30 fps", 30, 31746031 * time.Nanosecond},
		{"120 fps is held to 60", 120, minPaintInterval},
		{"2 fps is held to 15", 2, maxPaintInterval},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := paintIntervalFor(tc.fps)
			if got != tc.want {
				t.Errorf("paintIntervalFor(%v) = %v, want %v", tc.fps, got, tc.want)
			}
			if tc.fps >= 15 && tc.fps <= 60 && got >= time.Duration(float64(time.Second)/tc.fps) {
				t.Errorf("tick %v is not faster than the camera's %v fps", got, tc.fps)
			}
		})
	}
}
