package wall_test

import (
	"testing"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

// TestMixedCellsTileTheGrid: each mixed layout's cells cover its grid once,
// its large cells come first and play the main stream, the small ones the
// sub stream; a layout that is not mixed has no cells.
func TestMixedCellsTileTheGrid(t *testing.T) {
	for _, c := range []struct {
		layout       string
		large, small int
	}{{wall.Layout1Plus5, 1, 5}, {wall.Layout1Plus7, 1, 7}, {wall.Layout2Plus8, 2, 8}} {
		cols, rows, cells, ok := wall.MixedCells(c.layout)
		if !ok || len(cells) != c.large+c.small {
			t.Fatalf("%s: %d cells, ok %v", c.layout, len(cells), ok)
		}
		cover := make([]int, cols*rows)
		for i, sp := range cells {
			if sp.Large() != (i < c.large) {
				t.Errorf("%s: cell %d %+v large %v", c.layout, i, sp, sp.Large())
			}
			want := session.QualitySub
			if i < c.large {
				want = session.QualityMain
			}
			if q := wall.CellQuality(c.layout, i); q != want {
				t.Errorf("%s: cell %d plays %q", c.layout, i, q)
			}
			for r := sp.Row; r < sp.Row+sp.H; r++ {
				for k := sp.Col; k < sp.Col+sp.W; k++ {
					cover[r*cols+k]++
				}
			}
		}
		for i, n := range cover {
			if n != 1 {
				t.Errorf("%s: grid cell %d covered %d times", c.layout, i, n)
			}
		}
	}
	if _, _, _, ok := wall.MixedCells("3x3"); ok || wall.CellQuality("3x3", 0) != session.QualitySub {
		t.Error("3x3 taken for a mixed layout")
	}
}
