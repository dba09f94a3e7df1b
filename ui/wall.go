package ui

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// Layouts of the wall. LayoutAuto picks the smallest square grid that holds
// the tiles, up to 4x4 a page.
const (
	LayoutAuto = "auto"
	Layout1    = "1"
	Layout2x2  = "2x2"
	Layout3x3  = "3x3"
	Layout4x4  = "4x4"
	// The mixed layouts: large cells (on the main stream) and small ones.
	Layout1Plus5 = model.Layout1Plus5
	Layout1Plus7 = model.Layout1Plus7
	Layout2Plus8 = model.Layout2Plus8
)

// Layouts lists the layouts in menu order.
var Layouts = []string{LayoutAuto, Layout1, Layout2x2, Layout3x3, Layout4x4, Layout1Plus5, Layout1Plus7, Layout2Plus8}

// SessionFactory returns the session config for a source at a quality.
type SessionFactory func(source string, q session.Quality) (session.Config, error)

type wallEntry struct {
	talk   session.Talk
	silent bool // the device sends no sound: no speaker button (SetDevice)
	source string
	tile   *Tile
	// run binds the tile to its tile of the wall model from the first time
	// it shows until it is removed; the model runs, switches, hides and
	// ends its sessions.
	run *runner
	// speaker and ctrl replace tile and run for speakers (speakertile.go).
	speaker *SpeakerTile
	ctrl    *speakerCtrl
	// room is the room source whose member tile this is, member the
	// member's own name; both "" for a tile the user opened.
	room, member string
	// away stands in the tile's cell while the tile is in a window of its
	// own (windows.go); its session runs on, whatever the wall shows.
	away fyne.CanvasObject
}

// Wall is the multi-camera wall: tiles in a grid, paged, one of them
// possibly maximised. It renders the wall model (session/wall), which owns
// every tile's life, and sends it what the user does: a tile shown, hidden,
// maximised or restored, closed. Only visible tiles run a session unless
// KeepWarm (or they record).
type Wall struct {
	done <-chan struct{} // the wall's lifetime: its sessions end with it
	// paused: nobody can see the wall (the window is minimised), so its
	// sessions decode nothing (SetPaused).
	paused   bool
	model    *model.Model
	factory  SessionFactory
	log      *slog.Logger
	grid     *fyne.Container
	empty    fyne.CanvasObject
	hint     *widget.Label // what the empty wall says
	box      *fyne.Container
	entries  []*wallEntry
	mode     string
	page     int
	maxed    *wallEntry
	focused  *wallEntry
	KeepWarm bool
	snd      *sound // nil in tests without sound
	// OnChange is called after every change a user makes (to persist it).
	OnChange func()
	// OnKey gets the keys a focused tile does not use (PgUp, PgDn, Esc).
	OnKey func(*fyne.KeyEvent)
	// RoomOf returns what lists a room source's members (its account's
	// Members), or nil when source is not a room; rooms open as groups of
	// tiles.
	RoomOf func(source string) func(ctx context.Context, room string) ([]session.Device, error)
	rooms  rooms
	// OnTile is called with every tile the wall makes.
	OnTile   func(source string, t *Tile)
	stopping sync.WaitGroup
	closed   bool
	// OnRemoved is called with a tile's title after the user removed it.
	OnRemoved func(title string)
	undo      model.Undo            // the removal Undo puts back (the model decides)
	now       func() time.Time      // the clock of Undo's offer
	moving    string                // the source of a tile being dragged
	drop      *fyne.Container       // the layer showing where a drag lands
	dropMark  *canvas.Rectangle     // the cell marked on it
	views     *model.Views          // the named walls; the shown one is on it (views.go)
	warm      map[string]*wallEntry // tiles of the view shown next, running before it shows (views.go)
	own       map[string]*wallEntry // tiles in windows of their own, whichever view shows (windows.go)
	quiet     bool                  // a view is being put on: one change is told at its end
}

// NewWall makes an empty wall whose sessions live until ctx ends.
func NewWall(ctx context.Context, factory SessionFactory, log *slog.Logger) *Wall {
	w := &Wall{done: ctx.Done(), factory: factory, log: log, mode: LayoutAuto,
		model: model.New(ctx.Done(), model.Config{Factory: model.Factory(factory), Logger: log}), now: time.Now}
	w.grid = container.NewGridWithColumns(1)
	w.hint = widget.NewLabel(emptyWallHint)
	w.empty = container.NewCenter(w.hint)
	w.box = container.NewStack(w.empty)
	return w
}

// Object is the wall's canvas object.
func (w *Wall) Object() fyne.CanvasObject { return w.box }

// Sources returns the sources on the wall in order.
func (w *Wall) Sources() []string {
	out := make([]string, len(w.entries))
	for i, e := range w.entries {
		out[i] = e.source
	}
	return out
}

// Tiles returns the tiles in wall order.
func (w *Wall) Tiles() []*Tile {
	out := make([]*Tile, len(w.entries))
	for i, e := range w.entries {
		out[i] = e.tile
	}
	return out
}

// Mode returns the layout in use.
func (w *Wall) Mode() string { return w.mode }

// Page returns the page shown, from 0.
func (w *Wall) Page() int { return w.page }

// Add puts a source on the wall (once) and shows its page.
func (w *Wall) Add(source, title string) { w.add(source, title, true) }

// add puts a source on the wall (once); show brings its page forward (the
// user asked for it), else the page shown stays (a room's member arrived).
func (w *Wall) add(source, title string, show bool) *wallEntry {
	for i, e := range w.entries {
		if e.source == source { // already there: show it
			if !show {
				return e
			}
			if w.maxed != nil && w.maxed != e {
				w.maxed = nil
			}
			w.page = i / w.perPage()
			w.apply()
			e.tile.Highlight()
			return e
		}
	}
	e := w.takeWarm(source)
	if e == nil {
		e = w.newEntry(source, title)
	}
	w.entries = append(w.entries, e)
	if !show {
		return e // the room places it and applies
	}
	w.page = (len(w.entries) - 1) / w.perPage()
	w.apply()
	w.changed()
	w.roomAdded(source)
	return e
}

// newEntry makes the tile of source, wired to the wall.
func (w *Wall) newEntry(source, title string) *wallEntry {
	e := &wallEntry{source: source}
	e.tile = w.makeTile(e, title)
	return e
}

// makeTile makes a tile widget for entry e, wired to the wall.
func (w *Wall) makeTile(e *wallEntry, title string) *Tile {
	source := e.source
	t := NewTile(title, nil)
	t.OnClose = func() { w.Remove(source) }
	t.OnMaximise = func() { w.ToggleMaximise(source) }
	t.OnFocus = func() { w.focus(e) }
	t.zoom.onZoom = func() {
		if w.index(source) >= 0 {
			w.apply() // a zoomed tile plays the main stream
		}
	}
	t.OnDrag = func(p fyne.Position, done bool) {
		if done {
			w.tileDropped(source, p)
		} else {
			w.tileDragged(source, p)
		}
	}
	t.OnKey = func(k *fyne.KeyEvent) {
		if w.OnKey != nil {
			w.OnKey(k)
		}
	}
	t.SetTalk(e.talk, w.talkWhy())
	t.SetSoundShown(w.hasSpeaker())
	if w.OnTile != nil {
		w.OnTile(source, t)
	}
	return t
}

// Remove takes a source off the wall as the user does (Undo is offered)
// and ends its session. Closing a room's tile closes its member tiles.
func (w *Wall) Remove(source string) { w.remove(source, true) }

// remove takes a source off the wall; byUser offers Undo (the model's
// Undo decides what that brings back), else it is the room's doing (a
// member left) and nothing is offered.
func (w *Wall) remove(source string, byUser bool) {
	i := w.index(source)
	if i < 0 {
		return
	}
	e := w.entries[i]
	w.takeOff(i)
	room, member := "", ""
	if g := w.rooms.groups[source]; g != nil {
		// The room goes as one unit: its poller stops, its member tiles
		// go with it; Undo brings back the room (and its members with it).
		delete(w.rooms.groups, source)
		for _, src := range g.room.Leave() {
			if j := w.index(src); j >= 0 {
				w.takeOff(j)
			}
		}
	} else if byUser {
		for rs, g := range w.rooms.groups {
			if g.room.IsMember(source) {
				g.room.Dismiss(source)
				room, member = rs, e.member
			}
		}
	}
	w.page = max(0, min(w.page, w.pages()-1))
	w.apply()
	w.changed()
	if !byUser {
		return
	}
	w.undo.Removed(model.Removal{Source: source, Title: e.tile.Title, Index: i, Talk: e.talk, Room: room, Member: member, At: w.now()})
	if w.OnRemoved != nil {
		w.OnRemoved(e.tile.Title)
	}
}

// takeOff takes entry i off the wall and ends its tile, without laying the
// wall out again.
func (w *Wall) takeOff(i int) {
	e := w.entries[i]
	w.stop(e)
	w.entries = append(w.entries[:i], w.entries[i+1:]...)
	if w.maxed == e {
		w.maxed = nil
	}
	if w.focused == e {
		w.focused = nil
	}
}

// setSound gives the wall the window's speaker and microphone; call it
// again after they change, to update the tiles' Talk buttons.
func (w *Wall) setSound(snd *sound) {
	w.snd = snd
	if snd != nil {
		w.model.SetRouter(snd.router.Router)
	}
	for _, e := range w.entries {
		e.tile.SetTalk(e.talk, w.talkWhy())
		e.tile.SetSoundShown(w.hasSpeaker() && !e.silent)
	}
}

// talkWhy says why no tile can talk (no microphone), or "".
func (w *Wall) talkWhy() string {
	if w.snd == nil {
		return "no sound system"
	}
	return w.snd.talkProblem()
}

// focus makes e the focused tile, the one whose audio plays.
func (w *Wall) focus(e *wallEntry) {
	w.focused = e
	w.model.SetHeard(e.source)
	for _, o := range w.entries {
		o.tile.SetHeard(o == e)
	}
}

// SetTalk records what a source's device takes, from its directory.
func (w *Wall) SetTalk(source string, talk session.Talk) {
	if i := w.index(source); i >= 0 {
		w.entries[i].talk = talk
		w.entries[i].tile.SetTalk(talk, w.talkWhy())
	}
}

// SetTitle renames the tile of a source (and the member tiles of a room).
func (w *Wall) SetTitle(source, title string) {
	if i := w.index(source); i >= 0 {
		w.entries[i].tile.SetTitle(title)
	} else if e := w.own[source]; e != nil {
		e.tile.SetTitle(title) // in a window of its own, its view not shown
	}
	for _, e := range w.entries {
		if e.room == source && e.room != "" {
			e.tile.SetTitle(model.MemberTitle(title, e.member))
		}
	}
}

// Swap exchanges the places of two sources.
func (w *Wall) Swap(a, b string) {
	i, j := w.index(a), w.index(b)
	if i < 0 || j < 0 {
		return
	}
	w.entries[i], w.entries[j] = w.entries[j], w.entries[i]
	w.apply()
	w.changed()
}

// MoveFocused swaps the focused tile with its neighbour by delta places.
func (w *Wall) MoveFocused(delta int) {
	if w.focused == nil {
		return
	}
	i := w.index(w.focused.source)
	j := i + delta
	if j < 0 || j >= len(w.entries) {
		return
	}
	w.Swap(w.entries[i].source, w.entries[j].source)
}

func (w *Wall) index(source string) int {
	for i, e := range w.entries {
		if e.source == source {
			return i
		}
	}
	return -1
}

// ToggleMaximise fills the wall with a tile on its main stream, or restores
// the grid (and the sub stream).
func (w *Wall) ToggleMaximise(source string) {
	i := w.index(source)
	if i < 0 {
		return
	}
	if w.maxed == w.entries[i] {
		w.maxed = nil
	} else {
		w.maxed = w.entries[i]
	}
	w.apply()
}

// Maximised returns the maximised source, or "".
func (w *Wall) Maximised() string {
	if w.maxed == nil {
		return ""
	}
	return w.maxed.source
}

// SetLayout switches the grid.
func (w *Wall) SetLayout(mode string) {
	w.mode = mode
	w.page = min(w.page, w.pages()-1)
	w.apply()
	w.changed()
}

// NextPage and PrevPage page through tiles that do not fit.
func (w *Wall) NextPage() { w.setPage(w.page + 1) }

// PrevPage shows the previous page.
func (w *Wall) PrevPage() { w.setPage(w.page - 1) }

func (w *Wall) setPage(p int) {
	if p < 0 || p >= w.pages() || p == w.page {
		return
	}
	w.page = p
	w.maxed = nil
	w.apply()
	w.changed()
}

// Pages returns how many pages the wall has.
func (w *Wall) Pages() int { return w.pages() }

func (w *Wall) perPage() int {
	if _, _, cells, ok := model.MixedCells(w.mode); ok {
		return len(cells)
	}
	switch w.mode {
	case Layout1:
		return 1
	case Layout2x2:
		return 4
	case Layout3x3:
		return 9
	default:
		return 16
	}
}

func (w *Wall) pages() int {
	return max(1, (len(w.entries)+w.perPage()-1)/w.perPage())
}

// columns is the grid width for n tiles on a page.
func (w *Wall) columns(n int) int {
	switch w.mode {
	case Layout1:
		return 1
	case Layout2x2:
		return 2
	case Layout3x3:
		return 3
	case Layout4x4:
		return 4
	}
	return max(1, int(math.Ceil(math.Sqrt(float64(n)))))
}

// visible returns the entries shown now.
func (w *Wall) visible() []*wallEntry {
	if w.maxed != nil {
		return []*wallEntry{w.maxed}
	}
	start := w.page * w.perPage()
	end := min(start+w.perPage(), len(w.entries))
	if start >= end {
		return nil
	}
	return w.entries[start:end]
}

// shows reports whether source's tile is on the wall's view now.
func (w *Wall) shows(source string) bool {
	for _, e := range w.visible() {
		if e.source == source {
			return true
		}
	}
	return false
}

// quality is the stream e plays: the main stream when its tile is that
// large (maximised, the 1x1 layout, a mixed layout's large cell), else the
// sub stream.
func (w *Wall) quality(e *wallEntry) session.Quality {
	if w.maxed == e || w.mode == Layout1 || e.tile.zoom.z.Zoomed() {
		return session.QualityMain
	}
	if w.maxed == nil {
		if i := w.index(e.source); i >= 0 {
			return model.CellQuality(w.mode, i-w.page*w.perPage())
		}
	}
	return session.QualitySub
}

// apply tells the model which tiles show and at which quality (it starts,
// switches and stops their sessions), then lays the visible tiles out.
func (w *Wall) apply() {
	vis := w.visible()
	shown := map[*wallEntry]bool{}
	for _, e := range vis {
		shown[e] = true
		q := w.quality(e)
		if e.run == nil {
			w.start(e, q)
			continue
		}
		e.run.mt.SetQuality(q)
		e.run.mt.SetHidden(false)
	}
	if w.KeepWarm {
		// Hidden pages are kept connected: every tile runs, seen or not,
		// so its motion and its losses are told.
		for _, e := range w.entries {
			switch {
			case shown[e]:
			case e.run == nil:
				w.start(e, session.QualitySub)
			default:
				e.run.mt.SetQuality(session.QualitySub)
				e.run.mt.SetHidden(false) // decoding: motion is measured on its pictures
			}
		}
	} else {
		for _, e := range w.entries {
			if !shown[e] && e.run != nil && e.away == nil {
				// The model ends its session (the tile says closed),
				// unless it records: then it plays on, unseen.
				e.run.mt.SetHidden(true)
			}
		}
	}
	if len(vis) == 0 {
		w.box.Objects = []fyne.CanvasObject{w.empty}
		w.box.Refresh()
		return
	}
	w.layoutPage(vis)
}

func (w *Wall) start(e *wallEntry, q session.Quality) {
	if e.speaker != nil {
		return // an audio tile opens sessions while it talks
	}
	r, err := startRunner(w.model, e.source, q, false, e.tile, w.snd)
	if err != nil {
		e.tile.SetStatus(session.Status{State: session.StateFailed, Err: err})
		return
	}
	r.mt.SetZoom(e.tile.zoom.z)
	e.run = r
}

// stop ends an entry's tile on the model without blocking the Fyne
// goroutine; Close waits. A tile of the same source opened meanwhile starts
// its session once this one's is gone (the model sees to it).
func (w *Wall) stop(e *wallEntry) {
	w.stopSpeaker(e)
	if e.run == nil {
		return
	}
	r := e.run
	e.run = nil
	r.mt.End() // at once: the source may be opened again before it is gone
	w.stopping.Add(1)
	go func() {
		defer w.stopping.Done()
		r.Stop()
	}()
}

// Live counts the running tiles showing pictures (a tile switching
// streams keeps its last picture until the new stream's first), and the
// speakers ready to talk (SpeakerTile.Ready).
func (w *Wall) Live() int {
	n := 0
	for _, e := range w.entries {
		if e.run != nil && e.tile.Status().State == session.StateLive || e.speaker != nil && e.speaker.Ready() {
			n++
		}
	}
	return n
}

// SetPaused stops (on) or resumes (off) decoding in every tile, for a
// window that is minimised or shown again; tiles started meanwhile follow.
// Sessions stay connected: a picture is back one keyframe after resuming.
func (w *Wall) SetPaused(on bool) {
	w.paused = on
	w.model.SetPaused(on)
}

// Paused reports whether the wall's decoding is paused (SetPaused).
func (w *Wall) Paused() bool { return w.paused }

// DecodeFPS is the sum of the running tiles' decode rates.
func (w *Wall) DecodeFPS() float64 {
	var fps float64
	for _, e := range w.entries {
		if e.run != nil {
			fps += e.run.Stats().FPS
		}
	}
	return fps
}

// TakePaintRates returns the pictures per second each visible tile showed
// over the last secs seconds, and restarts the counts.
func (w *Wall) TakePaintRates(secs float64) []float64 {
	var out []float64
	for _, e := range w.visible() {
		if e.speaker != nil {
			continue // an audio tile paints no pictures
		}
		n := e.tile.TakePaints()
		if secs > 0 {
			out = append(out, float64(n)/secs)
		}
	}
	return out
}

func (w *Wall) changed() {
	if w.OnChange != nil && !w.quiet {
		w.OnChange()
	}
}

// Close ends every session and waits for all of them.
func (w *Wall) Close() {
	w.closed = true
	w.closeRooms()
	for _, e := range w.entries {
		w.stop(e)
	}
	w.dropWarm()
	w.dropOwn()
	w.stopping.Wait()
	w.model.Close()
}
