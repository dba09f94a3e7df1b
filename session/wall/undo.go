package wall

import (
	"time"

	"github.com/lookout-app/lookout/session"
)

// UndoFor is how long a removal can be undone (the window offers Undo and
// takes Ctrl+Z for as long).
const UndoFor = 12 * time.Second

// Removal is a tile the user took off the wall, as Undo puts it back.
type Removal struct {
	Source, Title string
	Index         int // its place on the wall
	Talk          session.Talk
	// Room is the room source whose member tile this was, or "": Undo
	// makes it the room's member tile again while the room is open.
	Room   string
	Member string // the member's own name in its room
	At     time.Time
}

// Undo keeps the last removal the user made, undoable for UndoFor. Only a
// user's removal counts: the tile of a member who left a room, and the
// member tiles that go with their room, are the room's doing and never
// offered (closing a room is one removal, of the room). It is not safe for
// concurrent use; the window keeps it on one goroutine.
type Undo struct {
	last *Removal
}

// Removed records r as the removal to undo, replacing the one before.
func (u *Undo) Removed(r Removal) { u.last = &r }

// Offered returns the removal still undoable at now.
func (u *Undo) Offered(now time.Time) (Removal, bool) {
	if u.last == nil || now.Sub(u.last.At) >= UndoFor {
		return Removal{}, false
	}
	return *u.last, true
}

// Take returns the removal to undo at now and forgets it; ok is false when
// none is undoable any more.
func (u *Undo) Take(now time.Time) (Removal, bool) {
	r, ok := u.Offered(now)
	u.last = nil
	return r, ok
}

// Forget drops the removal on offer.
func (u *Undo) Forget() { u.last = nil }
