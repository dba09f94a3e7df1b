package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	model "github.com/lookout-app/lookout/session/wall"
)

// cellLayout lays objects out row by row in cols x rows equal cells, so a
// page keeps its cell size however few tiles it holds; a mixed layout's
// spans (model.MixedCells) place them instead, large cells first.
type cellLayout struct {
	cols, rows int
	spans      []model.Cell
}

// count is how many objects the layout places.
func (l cellLayout) count() int {
	if l.spans != nil {
		return len(l.spans)
	}
	return l.cols * l.rows
}

// rect is the place of object i: its position and size.
func (l cellLayout) rect(size fyne.Size, i int) (fyne.Position, fyne.Size) {
	pad := theme.Padding()
	c := l.cell(size)
	sp := model.Cell{Col: i % l.cols, Row: i / l.cols, W: 1, H: 1}
	if l.spans != nil {
		sp = l.spans[i]
	}
	return fyne.NewPos(float32(sp.Col)*(c.Width+pad), float32(sp.Row)*(c.Height+pad)),
		fyne.NewSize(float32(sp.W)*c.Width+float32(sp.W-1)*pad, float32(sp.H)*c.Height+float32(sp.H-1)*pad)
}

// at returns the object index whose place holds the point (x, y) of a
// layout of the given size.
func (l cellLayout) at(size fyne.Size, x, y float32) int {
	pad := theme.Padding()
	c := l.cell(size)
	col := max(0, min(l.cols-1, int(x/(c.Width+pad))))
	row := max(0, min(l.rows-1, int(y/(c.Height+pad))))
	if l.spans == nil {
		return row*l.cols + col
	}
	for i, sp := range l.spans {
		if col >= sp.Col && col < sp.Col+sp.W && row >= sp.Row && row < sp.Row+sp.H {
			return i
		}
	}
	return len(l.spans) - 1
}

func (l cellLayout) cell(size fyne.Size) fyne.Size {
	pad := theme.Padding()
	return fyne.NewSize((size.Width-pad*float32(l.cols-1))/float32(l.cols),
		(size.Height-pad*float32(l.rows-1))/float32(l.rows))
}

// Layout implements fyne.Layout.
func (l cellLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	presentDirty.Store(true) // tiles move: their child windows follow (present.go)
	for i, o := range objs {
		if i >= l.count() {
			o.Hide()
			continue
		}
		pos, sz := l.rect(size, i)
		o.Move(pos)
		o.Resize(sz)
	}
}

// minCell is the smallest cell of the wall: the grid asks the window for
// its cells at this size whatever they hold, so no tile (a speaker's
// controls, a long error) raises the window's minimum size; a tile fits
// itself into its cell.
var minCell = fyne.NewSize(160, 90)

// MinSize implements fyne.Layout: the cells at their smallest, never what
// the objects in them would like.
func (l cellLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	return fyne.NewSize(minCell.Width*float32(l.cols)+pad*float32(l.cols-1), minCell.Height*float32(l.rows)+pad*float32(l.rows-1))
}

// emptyCell is a free place on the wall: a faint frame that says a camera
// can be dropped there.
type emptyCell struct {
	widget.BaseWidget
	frame   *canvas.Rectangle
	hint    *canvas.Text
	hovered bool // the pointer is over it (a tour holds)
}

// MouseIn implements desktop.Hoverable.
func (c *emptyCell) MouseIn(*desktop.MouseEvent) { c.hovered = true }

// MouseMoved implements desktop.Hoverable.
func (c *emptyCell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (c *emptyCell) MouseOut() { c.hovered = false }

func newEmptyCell() *emptyCell {
	c := &emptyCell{frame: canvas.NewRectangle(color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x18}),
		hint: canvas.NewText("drop a camera here", theme.Color(theme.ColorNamePlaceHolder))}
	c.frame.StrokeColor = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x60}
	c.frame.StrokeWidth = 1
	c.frame.CornerRadius = 4
	c.hint.TextSize = theme.TextSize() * 0.85
	c.hint.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *emptyCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.frame, container.NewCenter(c.hint)))
}

// MinSize keeps empty cells as small as tiles may be.
func (c *emptyCell) MinSize() fyne.Size { return minCell }

// gridSize is the page's grid: NxN for the fixed layouts; for auto the
// smallest near-square grid that holds a full page, so the last page of
// several keeps the cell size of the others.
func (w *Wall) gridSize() (cols, rows int) {
	if w.maxed != nil {
		return 1, 1
	}
	if cols, rows, _, ok := model.MixedCells(w.mode); ok {
		return cols, rows
	}
	n := min(len(w.entries), w.perPage())
	if w.mode == LayoutAuto || w.mode == "" {
		cols = max(1, int(math.Ceil(math.Sqrt(float64(n)))))
		return cols, max(1, (n+cols-1)/cols)
	}
	cols = w.columns(n)
	return cols, cols
}

// pageLayout is the layout of the page shown.
func (w *Wall) pageLayout() cellLayout {
	cols, rows := w.gridSize()
	l := cellLayout{cols: cols, rows: rows}
	if _, _, cells, ok := model.MixedCells(w.mode); ok && w.maxed == nil {
		l.spans = cells
	}
	return l
}

// layoutPage puts the visible tiles into the page's cells and fills the
// rest with empty cells.
func (w *Wall) layoutPage(vis []*wallEntry) {
	l := w.pageLayout()
	objs := make([]fyne.CanvasObject, 0, l.count())
	for _, e := range vis {
		e.tile.SetMaximised(w.maxed == e)
		objs = append(objs, e.object())
	}
	for len(objs) < l.count() {
		objs = append(objs, newEmptyCell())
	}
	w.grid.Layout = l
	w.grid.Objects = objs
	w.box.Objects = []fyne.CanvasObject{w.grid, w.dropLayer()}
	w.box.Refresh()
	w.grid.Refresh()
}

// dropLayer is the layer above the grid that shows where a dragged camera
// will land.
func (w *Wall) dropLayer() fyne.CanvasObject {
	if w.drop == nil {
		w.dropMark = canvas.NewRectangle(color.NRGBA{R: 0x3d, G: 0x8b, B: 0xff, A: 0x40})
		w.dropMark.StrokeColor = focusColor
		w.dropMark.StrokeWidth = 3
		w.dropMark.Hide()
		w.drop = container.NewWithoutLayout(w.dropMark)
	}
	return w.drop
}

// slotAt returns the wall position a camera dropped at the absolute
// position p would take (the tile under p, or the first free cell when p
// is over a free one), and the cell it shows in; ok is false outside the
// wall or while a tile is maximised.
func (w *Wall) slotAt(p fyne.Position) (slot, cell int, ok bool) {
	if w.maxed != nil {
		return 0, 0, false
	}
	drv := fyne.CurrentApp().Driver()
	at := drv.AbsolutePositionForObject(w.box)
	size := w.box.Size()
	x, y := p.X-at.X, p.Y-at.Y
	if x < 0 || y < 0 || x >= size.Width || y >= size.Height {
		return 0, 0, false
	}
	l := w.pageLayout()
	cell = l.at(size, x, y)
	first := w.page * w.perPage()
	onPage := len(w.visible())
	if w.moving != "" { // a tile of this page moves among its places
		onPage--
	}
	if cell >= onPage {
		cell = max(onPage, 0)
	}
	if cell >= l.count() { // the page is full: the camera goes to its end
		cell = l.count() - 1
	}
	return first + cell, cell, true
}

// DragOver shows where a camera dragged to the absolute position p would
// land; a position outside the wall hides the mark.
func (w *Wall) DragOver(p fyne.Position) {
	w.dropLayer()
	_, cell, ok := w.slotAt(p)
	if !ok || len(w.entries) == 0 {
		w.dropMark.Hide()
		dropShown.Store(false)
		w.drop.Refresh()
		return
	}
	pos, sz := w.pageLayout().rect(w.box.Size(), cell)
	w.dropMark.Move(pos)
	w.dropMark.Resize(sz)
	w.dropMark.Show()
	dropShown.Store(true) // the pictures go through Fyne, under the mark (present.go)
	w.drop.Refresh()
}

// DropMark returns the area marked for a drop in wall coordinates, and
// whether it shows.
func (w *Wall) DropMark() (fyne.Position, fyne.Size, bool) {
	if w.dropMark == nil {
		return fyne.Position{}, fyne.Size{}, false
	}
	return w.dropMark.Position(), w.dropMark.Size(), w.dropMark.Visible()
}

// DropAt puts source where DragOver showed it would land (moving it there
// when it is on the wall already) and reports whether p was over the wall.
func (w *Wall) DropAt(source, title string, p fyne.Position) bool {
	if w.dropMark != nil {
		w.dropMark.Hide()
	}
	dropShown.Store(false)
	slot, _, ok := w.slotAt(p)
	if !ok {
		return false
	}
	if w.index(source) < 0 {
		w.Add(source, title)
	}
	w.moveTo(source, slot)
	return true
}

// moveTo moves source to position slot of the wall, shifting the others.
func (w *Wall) moveTo(source string, slot int) {
	i := w.index(source)
	if i < 0 {
		return
	}
	slot = max(0, min(slot, len(w.entries)-1))
	e := w.entries[i]
	w.entries = append(w.entries[:i], w.entries[i+1:]...)
	w.entries = append(w.entries[:slot], append([]*wallEntry{e}, w.entries[slot:]...)...)
	w.page = slot / w.perPage()
	w.apply()
	w.changed()
}

// tileDragged follows a tile dragged across the wall.
func (w *Wall) tileDragged(source string, p fyne.Position) {
	w.moving = source
	w.DragOver(p)
}

// tileDropped moves a dragged tile to where the mark showed.
func (w *Wall) tileDropped(source string, p fyne.Position) {
	slot, _, ok := w.slotAt(p)
	w.moving = ""
	dropShown.Store(false)
	if w.dropMark != nil {
		w.dropMark.Hide()
		w.drop.Refresh()
	}
	if ok && slot != w.index(source) {
		w.moveTo(source, slot)
	}
}
