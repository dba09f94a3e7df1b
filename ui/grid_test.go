package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// newTestWall is a wall of fakeOpener sessions in an 800x600 test window.
func newTestWall(t *testing.T) (*Wall, fyne.Window) {
	t.Helper()
	op := &fakeOpener{opened: map[string]session.Quality{}}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q,
			NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	w := test.NewTempWindow(t, wall.Object())
	w.SetPadded(false)
	w.Resize(fyne.NewSize(800, 600))
	t.Cleanup(wall.Close)
	return wall, w
}

func addCams(w *Wall, n int) {
	for i := range n {
		id := string(rune('a'+i/26)) + string(rune('a'+i%26))
		w.Add("acc/"+id, id)
	}
}

func countEmpty(w *Wall) int {
	n := 0
	for _, o := range w.grid.Objects {
		if _, ok := o.(*emptyCell); ok && o.Visible() {
			n++
		}
	}
	return n
}

func TestGridKeepsItsCells(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name       string
		layout     string
		tiles      int
		page       int // page shown
		cols, rows int // cells a tile takes a share of
		empty      int
	}{
		{"4x4 with four cameras", Layout4x4, 4, 0, 4, 4, 12},
		{"3x3 with four cameras", Layout3x3, 4, 0, 3, 3, 5},
		{"2x2 with one camera", Layout2x2, 1, 0, 2, 2, 3},
		{"lone tile on page 2 of 2x2", Layout2x2, 5, 1, 2, 2, 3},
		{"lone tile on page 2 of auto", LayoutAuto, 17, 1, 4, 4, 15},
		{"auto with three cameras", LayoutAuto, 3, 0, 2, 2, 1},
		{"auto with five cameras", LayoutAuto, 5, 0, 3, 2, 1},
		{"layout 1", Layout1, 3, 2, 1, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wall, _ := newTestWall(t)
			wall.SetLayout(tc.layout)
			addCams(wall, tc.tiles)
			wall.setPage(tc.page)
			if wall.Page() != tc.page {
				t.Fatalf("on page %d, want %d", wall.Page(), tc.page)
			}
			size := wall.Object().Size()
			tile := wall.visible()[0].tile
			wantW, wantH := size.Width/float32(tc.cols), size.Height/float32(tc.rows)
			got := tile.Size()
			if got.Width > wantW || got.Width < wantW-10 || got.Height > wantH || got.Height < wantH-10 {
				t.Fatalf("tile is %v in a %v wall, want about %.0fx%.0f (%dx%d cells)", got, size, wantW, wantH, tc.cols, tc.rows)
			}
			if n := countEmpty(wall); n != tc.empty {
				t.Fatalf("%d empty cells, want %d", n, tc.empty)
			}
		})
	}
}

func TestDropShowsWhereAndPutsThere(t *testing.T) {
	test.NewTempApp(t)
	wall, _ := newTestWall(t)
	wall.SetLayout(Layout4x4)
	addCams(wall, 4) // aa ab ac ad in the first row
	cell := wall.Object().Size().Width / 4
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(wall.Object())
	at := func(col, row int) fyne.Position {
		return abs.Add(fyne.NewPos(float32(col)*cell+cell/2, float32(row)*(wall.Object().Size().Height/4)+20))
	}
	for _, tc := range []struct {
		name     string
		source   string
		col, row int
		markCol  int // cell marked, in the first row
		want     []string
	}{
		{"a free cell: the first free one", "acc/new", 2, 2, 0, []string{"acc/aa", "acc/ab", "acc/ac", "acc/ad", "acc/new"}},
		{"onto a tile: its place", "acc/new2", 1, 0, 1, []string{"acc/aa", "acc/new2", "acc/ab", "acc/ac", "acc/ad", "acc/new"}},
		{"a tile of the wall moves", "acc/aa", 3, 0, 3, []string{"acc/new2", "acc/ab", "acc/ac", "acc/aa", "acc/ad", "acc/new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wall.DragOver(at(tc.col, tc.row))
			pos, size, shown := wall.DropMark()
			wantCell := tc.markCol
			if tc.row == 2 {
				wantCell = len(wall.Sources()) // the first free cell
			}
			wantX, wantY := float32(wantCell%4)*cell, float32(wantCell/4)*wall.Object().Size().Height/4
			if !shown || pos.X < wantX-1 || pos.X > wantX+10 || pos.Y < wantY-1 || pos.Y > wantY+10 || size.Width < cell-10 {
				t.Fatalf("mark at %v size %v shown %v, want the cell at %.0f,%.0f", pos, size, shown, wantX, wantY)
			}
			if !wall.DropAt(tc.source, tc.source, at(tc.col, tc.row)) {
				t.Fatal("drop on the wall refused")
			}
			if _, _, shown := wall.DropMark(); shown {
				t.Fatal("the mark stays after the drop")
			}
			if got := strings.Join(wall.Sources(), " "); got != strings.Join(tc.want, " ") {
				t.Fatalf("wall %s, want %s", got, strings.Join(tc.want, " "))
			}
		})
	}
	wall.DragOver(fyne.NewPos(-50, -50))
	if _, _, shown := wall.DropMark(); shown {
		t.Fatal("a drag outside the wall shows a mark")
	}
	if wall.DropAt("acc/out", "out", fyne.NewPos(-50, -50)) {
		t.Fatal("a drop outside the wall was taken")
	}
}

func TestDragATileAcrossTheWall(t *testing.T) {
	test.NewTempApp(t)
	wall, _ := newTestWall(t)
	wall.SetLayout(Layout2x2)
	addCams(wall, 3) // aa ab / ac and a free cell
	size := wall.Object().Size()
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(wall.Object())
	at := func(col, row int) fyne.Position {
		return abs.Add(fyne.NewPos(float32(col)*size.Width/2+size.Width/4, float32(row)*size.Height/2+size.Height/4))
	}
	for _, tc := range []struct {
		name     string
		from     int // tile dragged
		col, row int
		markCell int
		want     string
	}{
		{"onto another tile", 0, 0, 1, 2, "acc/ab acc/ac acc/aa"},
		{"onto the free cell: the last place", 0, 1, 1, 2, "acc/ac acc/aa acc/ab"},
		{"back to the first place", 2, 0, 0, 0, "acc/ab acc/ac acc/aa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile := wall.Tiles()[tc.from]
			tile.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: at(tc.col, tc.row)}})
			pos, _, shown := wall.DropMark()
			wantX, wantY := float32(tc.markCell%2)*size.Width/2, float32(tc.markCell/2)*size.Height/2
			if !shown || pos.X < wantX-1 || pos.X > wantX+10 || pos.Y < wantY-1 || pos.Y > wantY+10 {
				t.Fatalf("mark at %v shown %v, want cell %d", pos, shown, tc.markCell)
			}
			tile.DragEnd()
			if got := strings.Join(wall.Sources(), " "); got != tc.want {
				t.Fatalf("wall %s, want %s", got, tc.want)
			}
			if _, _, shown := wall.DropMark(); shown {
				t.Fatal("the mark stays after the drop")
			}
		})
	}
}
