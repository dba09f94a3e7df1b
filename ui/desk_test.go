package ui

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// shortcut types s as the window's driver does: the focused object first
// when it takes shortcuts, else the canvas's own.
func shortcut(c fyne.Canvas, s fyne.Shortcut) {
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(s)
}

// TestMotionAlertKeepsTheFocus: motion on a tile opted in shows on that
// tile and notifies, but moves neither the keyboard focus nor the page:
// Delete still closes the tile the user chose. With hidden pages kept
// connected, a tile on another page runs and its motion notifies even with
// the window in front.
func TestMotionAlertKeepsTheFocus(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	c := win.w.Canvas()
	win.wall.SetLayout(Layout2x2)
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		win.wall.Add("acc/"+id, "Cam "+id)
	}
	win.wall.setPage(0)
	tiles := win.wall.Tiles()
	test.Tap(tiles[0]) // the user chooses c1
	if c.Focused() != tiles[0] {
		t.Fatal("a click did not focus c1")
	}
	moved := func(i int) {
		tiles[i].deco.setWatching(true)
		tiles[i].deco.watcher.changed(true) // motion starts on it
		drainUI()
	}
	moved(1)
	if !tiles[1].MotionShown() {
		t.Error("the motion frame does not show on c2")
	}
	if c.Focused() != tiles[0] || win.focusedEntry().source != "acc/c1" || win.wall.Page() != 0 {
		t.Fatalf("motion on c2 moved the focus (on c1: %v; acting on %s), page %d", c.Focused() == tiles[0], win.focusedEntry().source, win.wall.Page())
	}
	if n := len(win.extra.notes.Sent()); n != 0 {
		t.Fatalf("%d notifications for motion on a tile in view, window in front", n)
	}
	press(c, fyne.KeyDelete)
	if got := strings.Join(win.wall.Sources(), " "); got != "acc/c2 acc/c3 acc/c4 acc/c5" {
		t.Fatalf("Delete after the alert left %s: it acted on the wrong tile", got)
	}
	win.undo()

	// Hidden pages kept connected: c5 (page 2) runs unseen, and its motion
	// is told although the window is in front.
	running := func() bool { e := win.wall.entries[4]; return e.run != nil && e.run.mt.Quality() != "" }
	waitFor(t, "c5 without a session on its hidden page", func() bool { return !running() })
	test.Tap(win.warm)
	waitFor(t, "c5 connected on its hidden page", running)
	tiles = win.wall.Tiles()
	c.Focus(tiles[0])
	moved(4)
	if sent := win.extra.notes.Sent(); !slices.Contains(sent, "Motion: Cam c5") {
		t.Fatalf("motion on a hidden page told %q", sent)
	}
	if c.Focused() != tiles[0] || win.wall.Page() != 0 {
		t.Fatalf("motion on a hidden page moved the focus (%v) or the page (%d)", c.Focused(), win.wall.Page())
	}
}

// roomDirectory is an account's directory with one room, "r", whose
// members the test sets.
type roomDirectory struct {
	mu      sync.Mutex
	members []session.Device
	polls   int
}

func (d *roomDirectory) Devices(context.Context) ([]session.Device, error) {
	return []session.Device{
		{ID: "cam", Name: "Porch", Type: session.TypeCamera, Online: true},
		{ID: "r", Name: "Standup", Type: session.TypeRoom, Online: true},
	}, nil
}

func (d *roomDirectory) Members(_ context.Context, room string) ([]session.Device, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.polls++
	return slices.Clone(d.members), nil
}

// set makes the room's members the ones named (IDs "r/NAME").
func (d *roomDirectory) set(names ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.members = nil
	for _, n := range names {
		d.members = append(d.members, session.Device{ID: "r/" + n, Name: strings.ToUpper(n[:1]) + n[1:], Type: session.TypeStream})
	}
}

// TestRoomIsOneUnit: a room's member tiles sit together right after the
// room's tile in the room's order, titled ROOM · MEMBER; they come and go
// without moving the page or offering Undo; closing a member's tile is the
// user's and Undo puts it back in its place; closing the room closes its
// members, and Undo brings back the room with them.
func TestRoomIsOneUnit(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	op := &fakeOpener{opened: map[string]session.Quality{}}
	dir := &roomDirectory{}
	dir.set("ann", "bob")
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{
		NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}}
	win.build(ctx, []Account{{Name: "acc", Kind: "trtc", Opener: op, Directory: dir, Members: dir.Members}})
	t.Cleanup(func() { cancel(); win.shutdown() })
	win.sidebar.Wait()
	drainUI()
	win.wall.SetRoomPoll(10 * time.Millisecond)
	win.wall.SetLayout(Layout2x2)
	wall := func() string { return strings.Join(win.wall.Sources(), " ") }
	polled := func() int { dir.mu.Lock(); defer dir.mu.Unlock(); return dir.polls }
	// settle waits for two polls after now, so the wall saw the room as
	// it is.
	settle := func() {
		t.Helper()
		n := polled()
		waitFor(t, "two polls of the room", func() bool { return polled() >= n+2 })
		drainUI()
	}

	win.wall.Add("acc/cam", "Porch")
	win.wall.Add("acc/r", "Standup")
	waitFor(t, "the members", func() bool { return wall() == "acc/cam acc/r acc/r/ann acc/r/bob" })
	win.wall.Add("acc/x", "Yard") // a tile of the user's after the room
	if got := win.wall.Tiles()[2].Title; got != "Standup · Ann" {
		t.Fatalf("member tile titled %q", got)
	}
	win.wall.setPage(0)
	win.undoBar.hide()

	// A member arrives first in the room's list, another leaves: the page
	// stays, the members stay together after the room, no Undo is offered.
	dir.set("cy", "ann")
	waitFor(t, "cy in, bob out", func() bool { return wall() == "acc/cam acc/r acc/r/cy acc/r/ann acc/x" })
	settle()
	if win.wall.Page() != 0 || win.undoBar.box.Visible() || win.wall.Undoable() {
		t.Fatalf("the room's own changes moved to page %d or offered Undo (%v %v)", win.wall.Page(), win.undoBar.box.Visible(), win.wall.Undoable())
	}
	if win.wall.Undo() {
		t.Fatalf("Undo after a member left did something: %s", wall())
	}

	// The user closes a member's tile: it stays closed while the member
	// stays; Undo puts it back in its place, still the room's.
	win.wall.Remove("acc/r/cy")
	settle()
	if got := wall(); got != "acc/cam acc/r acc/r/ann acc/x" || !win.undoBar.box.Visible() {
		t.Fatalf("after closing cy: %s (Undo offered %v)", got, win.undoBar.box.Visible())
	}
	shortcut(w.Canvas(), &fyne.ShortcutUndo{})
	settle()
	if got := wall(); got != "acc/cam acc/r acc/r/cy acc/r/ann acc/x" || !slices.Contains(win.wall.RoomMembers("acc/r"), "acc/r/cy") {
		t.Fatalf("after undoing cy's close: %s, members %v", got, win.wall.RoomMembers("acc/r"))
	}

	// Closing the room closes its members; Undo brings back the room, and
	// its members follow it.
	win.wall.Remove("acc/r")
	drainUI()
	if got := wall(); got != "acc/cam acc/x" || !strings.Contains(win.undoBar.label.Text, "Standup") {
		t.Fatalf("after closing the room: %s, offer %q", got, win.undoBar.label.Text)
	}
	win.undo()
	waitFor(t, "the room back with its members", func() bool { return wall() == "acc/cam acc/r acc/r/cy acc/r/ann acc/x" })
	if st := win.wall.savedSources(); strings.Join(st, " ") != "acc/cam acc/r acc/x" {
		t.Fatalf("the saved wall holds %v: members come back with their room, not on their own", st)
	}
}

// TestKeysStayWithTheWall: wall keys do nothing while a dialog is open
// over the wall, and a click on a toolbar control (the checkbox, a button)
// gives the keys back to the wall.
func TestKeysStayWithTheWall(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	c := win.w.Canvas()
	win.wall.SetLayout(Layout2x2)
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		win.wall.Add("acc/"+id, "Cam "+id)
	}
	win.wall.setPage(0)

	d := dialog.NewCustom("Accounts", "Close", widget.NewEntry(), win.w)
	d.Show()
	c.Unfocus() // "f" typed outside the dialog's entry
	for _, k := range []fyne.KeyName{fyne.KeyF, fyne.KeyPageDown} {
		press(c, k)
	}
	c.OnTypedRune()('?')
	if win.w.FullScreen() || win.wall.Page() != 0 || win.extra.sheet != nil {
		t.Fatalf("keys reached the wall through a dialog: full screen %v, page %d, sheet %v", win.w.FullScreen(), win.wall.Page(), win.extra.sheet != nil)
	}
	win.wall.Remove("acc/c1")
	shortcut(c, &fyne.ShortcutUndo{})
	if win.wall.index("acc/c1") >= 0 {
		t.Fatal("Ctrl+Z undid through a dialog")
	}
	d.Hide()
	shortcut(c, &fyne.ShortcutUndo{})
	if win.wall.index("acc/c1") != 0 {
		t.Fatalf("Ctrl+Z after the dialog closed: %v", win.wall.Sources())
	}

	// A click on the checkbox, then PgDn and PgUp page the wall.
	test.Tap(win.warm)
	press(c, fyne.KeyPageDown)
	if win.wall.Page() != 1 {
		t.Fatalf("PgDn after clicking the checkbox: page %d (focus on %T)", win.wall.Page(), c.Focused())
	}
	// The tile the user chose keeps the keys after a toolbar button.
	tile := win.wall.Tiles()[4]
	test.Tap(tile)
	test.Tap(win.layouts.buttons[Layout3x3])
	if c.Focused() != tile {
		t.Fatalf("after a layout button the focus is on %T, not the tile chosen", c.Focused())
	}
	press(c, fyne.KeyReturn)
	if win.wall.Maximised() != "acc/c5" {
		t.Fatalf("Enter after the layout button maximised %q", win.wall.Maximised())
	}
}

// TestCtrlZUndoesWhileOffered: Ctrl+Z (Fyne's Undo shortcut) puts the last
// removed tile back while Undo is offered, at least 10 s, and not after.
func TestCtrlZUndoesWhileOffered(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	c := win.w.Canvas()
	now := time.Now()
	win.wall.now = func() time.Time { return now }
	for _, id := range []string{"c1", "c2", "c3"} {
		win.wall.Add("acc/"+id, "Cam "+id)
	}
	if model.UndoFor < 10*time.Second {
		t.Fatalf("Undo offered for %v only", model.UndoFor)
	}
	remove := func() {
		tile := win.wall.Tiles()[1]
		test.Tap(tile)
		press(c, fyne.KeyDelete)
		if win.wall.index("acc/c2") >= 0 || !win.undoBar.box.Visible() {
			t.Fatalf("Delete left %v (Undo offered %v)", win.wall.Sources(), win.undoBar.box.Visible())
		}
	}
	remove()
	now = now.Add(10*time.Second - time.Millisecond)
	shortcut(c, &fyne.ShortcutUndo{})
	if got := strings.Join(win.wall.Sources(), " "); got != "acc/c1 acc/c2 acc/c3" || win.undoBar.box.Visible() {
		t.Fatalf("Ctrl+Z 10 s after: %s (offer shown %v)", got, win.undoBar.box.Visible())
	}
	remove()
	now = now.Add(model.UndoFor)
	shortcut(c, &fyne.ShortcutUndo{})
	if win.wall.index("acc/c2") >= 0 {
		t.Fatal("Ctrl+Z undid a removal no longer offered")
	}
}

// TestGridMinSizeIsItsSmallestCells: whatever the tiles hold (speakers'
// controls, long reasons), the grid asks for its cells at their smallest.
func TestGridMinSizeIsItsSmallestCells(t *testing.T) {
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := newTestWindow(t, op, nil)
	win.wall.SetLayout(Layout4x4)
	for i := range 12 {
		id := string(rune('a' + i))
		if i%2 == 0 {
			win.wall.AddSpeaker("acc/"+id, "Speaker "+id, session.Device{ID: id, Name: "Speaker " + id, Type: session.TypeSpeaker, Talk: session.TalkHalf})
		} else {
			win.wall.Add("acc/"+id, "Cam "+id)
		}
	}
	pad := float32(4) // theme.Padding() of the default theme
	want := fyne.NewSize(4*minCell.Width+3*pad, 4*minCell.Height+3*pad)
	if got := win.wall.grid.MinSize(); got.Width > want.Width || got.Height > want.Height {
		t.Fatalf("4x4 grid asks for %v, its smallest cells need %v", got, want)
	}
	if got := win.wall.Object().MinSize(); got.Height > want.Height {
		t.Fatalf("the wall asks for %v, its smallest cells need %v", got, want)
	}
}

// TestSpeakerTileFitsASmallCell: in the wall's smallest cell a speaker
// tile still shows its name and its Call button inside the tile.
func TestSpeakerTileFitsASmallCell(t *testing.T) {
	test.NewTempApp(t)
	st := NewSpeakerTile("gate", session.Device{ID: "gate", Name: "gate", Type: session.TypeSpeaker, Talk: session.TalkFull}, nil)
	w := test.NewTempWindow(t, container.NewWithoutLayout(st))
	w.Resize(fyne.NewSize(400, 300))
	st.Resize(minCell)
	st.Refresh()
	drv := fyne.CurrentApp().Driver()
	tileAt := drv.AbsolutePositionForObject(st)
	for name, o := range map[string]fyne.CanvasObject{"Call button": st.callBtn, "title": st.title} {
		at := drv.AbsolutePositionForObject(o)
		if bottom := at.Y + o.Size().Height - tileAt.Y; bottom > minCell.Height+0.5 || o.Size().Height < 1 {
			t.Errorf("the %s ends %.0f px down a %.0f px tile", name, bottom, minCell.Height)
		}
	}
}
