package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// TestMixedLayoutLargeCellOnMainStream: in "1 large + 5" the first tile
// fills the large cell (twice a small one's width and height) and plays the
// main stream, the five others the sub stream; a tile dragged onto the
// large cell takes it and its stream, and the tile it displaced goes back
// to the sub stream. "1+7" and "2+8" place their large cells too.
func TestMixedLayoutLargeCellOnMainStream(t *testing.T) {
	test.NewTempApp(t)
	op := newLiveOpener()
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q,
			NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wall := NewWall(ctx, factory, nil)
	defer wall.Close()
	w := test.NewTempWindow(t, wall.Object())
	w.Resize(fyne.NewSize(1200, 800))
	ids := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6"}
	for _, id := range ids {
		wall.Add("acc/"+id, id)
	}
	wall.SetLayout(Layout1Plus5)
	wall.setPage(0)
	if wall.Pages() != 2 {
		t.Fatalf("7 tiles in 1+5: %d pages", wall.Pages())
	}
	waitFor(t, "the page's six tiles running", func() bool { return slices.Equal(op.running(), ids[:6]) })
	waitFor(t, "c0 on the main stream", func() bool { return op.quality("c0") == session.QualityMain })
	for _, id := range ids[1:6] {
		if q := op.quality(id); q != session.QualitySub {
			t.Errorf("%s in a small cell plays %q", id, q)
		}
	}
	tiles := wall.Tiles()
	big, small := tiles[0].Size(), tiles[1].Size()
	if big.Width < 1.9*small.Width || big.Height < 1.9*small.Height {
		t.Fatalf("the large cell is %v, a small one %v", big, small)
	}
	// Drag c3 onto the large cell.
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(wall.Object())
	onLarge := at.AddXY(big.Width/2, big.Height/2)
	wall.tileDragged("acc/c3", onLarge)
	if pos, size, shown := wall.DropMark(); !shown || pos != (fyne.Position{}) || size != big {
		t.Fatalf("the drop mark over the large cell: %v %v %v (the cell is %v)", pos, size, shown, big)
	}
	wall.tileDropped("acc/c3", onLarge)
	if got := wall.Sources()[0]; got != "acc/c3" {
		t.Fatalf("the large cell holds %s", got)
	}
	waitFor(t, "c3 on the main stream", func() bool { return op.quality("c3") == session.QualityMain })
	waitFor(t, "c0 back on the sub stream", func() bool { return op.quality("c0") == session.QualitySub })
	if got := wall.Tiles()[0].Size(); got != big {
		t.Fatalf("c3 in the large cell is %v", got)
	}

	for _, c := range []struct {
		layout string
		large  int
		ratio  float32
	}{{Layout1Plus7, 1, 3}, {Layout2Plus8, 2, 2}} {
		wall.SetLayout(c.layout)
		wall.setPage(0)
		tiles := wall.Tiles()
		small := tiles[c.large].Size()
		for i := range c.large {
			if s := tiles[i].Size(); s.Width < (c.ratio-0.1)*small.Width || s.Height < (c.ratio-0.1)*small.Height {
				t.Errorf("%s: large cell %d is %v, a small one %v", c.layout, i, s, small)
			}
			src := wall.Sources()[i]
			_, id, _ := strings.Cut(src, "/")
			waitFor(t, c.layout+" "+id+" on the main stream", func() bool { return op.quality(id) == session.QualityMain })
		}
		_, id, _ := strings.Cut(wall.Sources()[c.large], "/")
		waitFor(t, c.layout+" "+id+" on the sub stream", func() bool { return op.quality(id) == session.QualitySub })
	}
}
