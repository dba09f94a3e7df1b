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
	room    *model.Room
	syncing bool // the group itself is removing tiles
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
// members who left.
func (w *Wall) syncRoom(source string, g *roomGroup, u model.RoomUpdate) {
	if w.rooms.groups[source] != g {
		return // left meanwhile
	}
	if u.Err != nil {
		w.log.Info("room: members", "room", source, "err", session.Reason(u.Err))
		return
	}
	g.syncing = true
	defer func() { g.syncing = false }()
	for _, src := range u.Left {
		w.Remove(src)
	}
	for _, m := range u.Arrived {
		if w.index(m.Source) >= 0 { // on the wall already, opened by the user
			g.room.Release(m.Source)
			continue
		}
		w.Add(m.Source, cmp.Or(m.Device.Name, m.Device.ID))
		w.SetTalk(m.Source, m.Device.Talk)
	}
}

// roomRemoved leaves a room whose tile was closed, or tells the room that
// the user closed a member's tile.
func (w *Wall) roomRemoved(source string) {
	if g := w.rooms.groups[source]; g != nil {
		delete(w.rooms.groups, source)
		g.syncing = true
		for _, src := range g.room.Leave() {
			w.Remove(src)
		}
		return
	}
	for _, g := range w.rooms.groups {
		if !g.syncing {
			g.room.Dismiss(source)
		}
	}
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
