package ui

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// rooms holds the wall's open rooms. A room (a source of type room whose
// account lists members, Account.Members) opens as its own tile, which
// plays the room and talks to it, followed by one tile per member; the
// wall model's room poller (session/wall's Room) says who arrives and who
// leaves, and the wall adds and removes their tiles. Closing the room's
// tile leaves the room: the poller stops and every member tile goes.
type rooms struct {
	// Poll is the interval between member lists; zero means 2 s.
	Poll   time.Duration
	groups map[string]*roomGroup
}

// roomGroup is one open room.
type roomGroup struct {
	room *model.Room
}

// SetRoomPoll sets how often open rooms list their members.
func (w *Wall) SetRoomPoll(d time.Duration) { w.rooms.Poll = d }

// RoomMembers returns the member sources of an open room on the wall.
func (w *Wall) RoomMembers(room string) []string {
	g := w.rooms.groups[room]
	if g == nil {
		return nil
	}
	var out []string
	for _, src := range w.Sources() {
		if g.room.IsMember(src) {
			out = append(out, src)
		}
	}
	return out
}

// roomAdded opens source as a room when it is one.
func (w *Wall) roomAdded(source string) {
	if w.RoomOf == nil || w.rooms.groups[source] != nil {
		return
	}
	members := w.RoomOf(source)
	if members == nil {
		return
	}
	g := &roomGroup{}
	if w.rooms.groups == nil {
		w.rooms.groups = map[string]*roomGroup{}
	}
	w.rooms.groups[source] = g
	g.room = w.model.FollowRoom(source, members, w.rooms.Poll, func(u model.RoomUpdate) {
		do(func() { w.syncRoom(source, g, u) })
	})
}

// syncRoom adds the tiles of members who arrived and removes those of
// members who left, keeps the member tiles together right after the
// room's tile in the room's order, and leaves the page shown and the
// undo history alone: a room's members come and go by themselves.
func (w *Wall) syncRoom(source string, g *roomGroup, u model.RoomUpdate) {
	if w.rooms.groups[source] != g {
		return // left meanwhile
	}
	if u.Err != nil {
		w.log.Info("room: members", "room", source, "err", session.Reason(u.Err))
		return
	}
	if len(u.Left) == 0 && len(u.Arrived) == 0 && w.roomPlaced(source, u.Order) {
		return
	}
	for _, src := range u.Left {
		if i := w.index(src); i >= 0 {
			w.takeOff(i)
		}
	}
	for _, m := range u.Arrived {
		if w.index(m.Source) >= 0 { // on the wall already, opened by the user
			g.room.Release(m.Source)
			continue
		}
		w.addMember(source, m.Source, cmp.Or(m.Device.Name, m.Device.ID), m.Device.Talk)
	}
	w.placeRoom(source, g.room.Order())
	w.page = max(0, min(w.page, w.pages()-1))
	w.apply()
	w.changed()
}

// addMember puts a member's tile on the wall without showing its page;
// placeRoom puts it in its place.
func (w *Wall) addMember(room, src, name string, talk session.Talk) {
	roomTitle := room
	if i := w.index(room); i >= 0 {
		roomTitle = w.entries[i].tile.Title
	}
	e := w.add(src, model.MemberTitle(roomTitle, name), false)
	e.room, e.member = room, name
	e.talk = talk
	e.tile.SetTalk(talk, w.talkWhy())
}

// roomPlaced reports whether the member tiles of order sit right after
// the room's tile, in that order.
func (w *Wall) roomPlaced(room string, order []string) bool {
	i := w.index(room)
	if i < 0 {
		return false
	}
	for k, src := range order {
		if i+1+k >= len(w.entries) || w.entries[i+1+k].source != src {
			return false
		}
	}
	return true
}

// placeRoom moves the member tiles of order right after the room's tile,
// in that order; the other tiles keep theirs.
func (w *Wall) placeRoom(room string, order []string) {
	members := make([]*wallEntry, 0, len(order))
	in := map[string]bool{}
	for _, src := range order {
		if i := w.index(src); i >= 0 {
			members = append(members, w.entries[i])
			in[src] = true
		}
	}
	rest := make([]*wallEntry, 0, len(w.entries))
	for _, e := range w.entries {
		if !in[e.source] {
			rest = append(rest, e)
		}
	}
	at := len(rest)
	for i, e := range rest {
		if e.source == room {
			at = i + 1
		}
	}
	out := append(append(append(make([]*wallEntry, 0, len(w.entries)), rest[:at]...), members...), rest[at:]...)
	w.entries = out
}

// roomOpen returns the open room group of source, or nil.
func (w *Wall) roomOpen(source string) *roomGroup { return w.rooms.groups[source] }

// savedSources are the wall's sources a restart puts back: a room's
// member tiles come back with their room, from its directory.
func (w *Wall) savedSources() []string {
	var out []string
	for _, e := range w.entries {
		if e.room == "" {
			out = append(out, e.source)
		}
	}
	return out
}

// closeRooms stops every room's poller and waits for them.
func (w *Wall) closeRooms() {
	for _, g := range w.rooms.groups {
		g.room.Leave()
	}
}

// roomMembers returns what lists the members of a source the sidebar
// lists as a room of an account with Members, or nil.
func (s *Sidebar) roomMembers(source string) func(ctx context.Context, room string) ([]session.Device, error) {
	account, id, _ := strings.Cut(source, "/")
	n := s.node(account)
	if n == nil || n.acc.Members == nil {
		return nil
	}
	for _, d := range n.devices {
		if d.ID == id && d.Type == session.TypeRoom {
			return n.acc.Members
		}
	}
	return nil
}
