package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// fakeOpener opens nothing: "bad/*" sources are refused at once with the
// service's reason, the others stay signaling until cancelled.
type fakeOpener struct {
	mu     sync.Mutex
	opened map[string]session.Quality
}

func (o *fakeOpener) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	o.mu.Lock()
	o.opened[id] = q
	o.mu.Unlock()
	if strings.HasPrefix(id, "bad") {
		return nil, &session.RemoteError{Op: "token", Code: "1010", Reason: "Token not valid", Err: session.ErrUnauthorized}
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (o *fakeOpener) quality(id string) session.Quality {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.opened[id]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for drainUI(); !cond(); drainUI() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWallPagesMaximiseAndFailures(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	op := &fakeOpener{opened: map[string]session.Quality{}}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q,
			NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(800, 600))
	wall.SetLayout(Layout2x2)
	for _, id := range []string{"cam1", "cam2", "bad1", "cam3", "cam4"} {
		wall.Add("acc/"+id, id)
	}
	if wall.Pages() != 2 || wall.Page() != 1 {
		t.Fatalf("5 tiles in 2x2: %d pages, on page %d; want 2 pages, on the last", wall.Pages(), wall.Page())
	}
	wall.PrevPage()
	tiles := wall.Tiles()
	// The failing account's tile shows the service's reason and a Retry
	// button, and keeps trying (nothing is final on a wall); its
	// neighbours keep connecting.
	waitFor(t, "bad1 to wait for its next try", func() bool { return tiles[2].Status().State == session.StateRetrying })
	if !strings.HasPrefix(tiles[2].Phase(), "Credentials refused · renewing in") || tiles[2].Reason() != "Token not valid" || !tiles[2].RetryVisible() {
		t.Fatalf("failed tile shows %q, reason %q (retry %v)", tiles[2].Phase(), tiles[2].Reason(), tiles[2].RetryVisible())
	}
	for _, i := range []int{0, 1, 3} {
		waitFor(t, fmt.Sprintf("tile %d signaling", i), func() bool { return tiles[i].Status().State == session.StateSignaling })
	}
	// Only the visible page runs sessions.
	waitFor(t, "the tile on the hidden page to end its session", func() bool {
		e := wall.entries[4]
		return e.run != nil && e.run.mt.Quality() == ""
	})
	// Maximising switches to the main stream; restoring back to sub.
	waitFor(t, "cam1 sub", func() bool { return op.quality("cam1") == session.QualitySub })
	wall.ToggleMaximise("acc/cam1")
	if wall.Maximised() != "acc/cam1" {
		t.Fatal("not maximised")
	}
	waitFor(t, "cam1 main", func() bool { return op.quality("cam1") == session.QualityMain })
	wall.ToggleMaximise("acc/cam1")
	waitFor(t, "cam1 sub again", func() bool { return op.quality("cam1") == session.QualitySub })
	// Swap and remove.
	wall.Swap("acc/cam1", "acc/cam2")
	if got := wall.Sources()[:2]; got[0] != "acc/cam2" || got[1] != "acc/cam1" {
		t.Fatalf("after swap %v", got)
	}
	wall.Remove("acc/bad1")
	if len(wall.Sources()) != 4 || wall.Pages() != 1 {
		t.Fatalf("after remove: %v, %d pages", wall.Sources(), wall.Pages())
	}
	wall.Close()
}
