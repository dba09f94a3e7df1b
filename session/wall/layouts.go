package wall

import "github.com/lookout-app/lookout/session"

// Mixed layouts: a grid of equal cells where the first tiles of a page take
// larger cells, spanning several of them.
const (
	// Layout1Plus5 is one large cell (2x2 of a 3x3 grid) and five small.
	Layout1Plus5 = "1+5"
	// Layout1Plus7 is one large cell (3x3 of a 4x4 grid) and seven small.
	Layout1Plus7 = "1+7"
	// Layout2Plus8 is two large cells (2x2 each, side by side on a 4x4
	// grid) and eight small below.
	Layout2Plus8 = "2+8"
)

// Cell is a place on a page: its column and row in the layout's grid and
// how many columns and rows it spans.
type Cell struct{ Col, Row, W, H int }

// Large reports whether the cell spans more than one grid cell.
func (c Cell) Large() bool { return c.W > 1 || c.H > 1 }

// MixedCells returns a mixed layout's grid and its cells in the order the
// tiles of a page fill them (the large first), or ok=false for a layout
// that is not mixed.
func MixedCells(layout string) (cols, rows int, cells []Cell, ok bool) {
	switch layout {
	case Layout1Plus5:
		return 3, 3, []Cell{{0, 0, 2, 2}, {2, 0, 1, 1}, {2, 1, 1, 1}, {0, 2, 1, 1}, {1, 2, 1, 1}, {2, 2, 1, 1}}, true
	case Layout1Plus7:
		cells = []Cell{{0, 0, 3, 3}, {3, 0, 1, 1}, {3, 1, 1, 1}, {3, 2, 1, 1}}
		for c := range 4 {
			cells = append(cells, Cell{c, 3, 1, 1})
		}
		return 4, 4, cells, true
	case Layout2Plus8:
		cells = []Cell{{0, 0, 2, 2}, {2, 0, 2, 2}}
		for r := 2; r < 4; r++ {
			for c := range 4 {
				cells = append(cells, Cell{c, r, 1, 1})
			}
		}
		return 4, 4, cells, true
	}
	return 0, 0, nil, false
}

// CellQuality is the stream a tile in cell i of a page of layout plays: the
// main stream in a mixed layout's large cells, else the sub stream.
func CellQuality(layout string, i int) session.Quality {
	if _, _, cells, ok := MixedCells(layout); ok && i >= 0 && i < len(cells) && cells[i].Large() {
		return session.QualityMain
	}
	return session.QualitySub
}
