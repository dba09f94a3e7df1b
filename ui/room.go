package ui

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/lookout-app/lookout/session"
)

// defaultRoomPoll is how often an open room's members are listed.
const defaultRoomPoll = 2 * time.Second

// rooms holds the wall's open rooms. A room (a source of type room whose
// account implements session.RoomDirectory) opens as its own tile, which
// plays the room and talks to it, followed by one tile per member; a
// poller keeps the member tiles in step with the room. Closing the room's
// tile leaves the room: the poller stops and every member tile goes.
type rooms struct {
	// Poll is the interval between member lists; zero means 2 s.
	Poll   time.Duration
	groups map[string]*roomGroup
	wg     sync.WaitGroup
}

// roomGroup is one open room.
type roomGroup struct {
	source    string          // ACCOUNT/ROOM
	members   map[string]bool // member sources on the wall
	dismissed map[string]bool // member tiles the user closed
	syncing   bool            // the group itself is removing tiles
	cancel    context.CancelFunc
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
		if g.members[src] {
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
	dir := w.RoomOf(source)
	if dir == nil {
		return
	}
	account, room, _ := strings.Cut(source, "/")
	ctx, cancel := until(w.done)
	g := &roomGroup{source: source, members: map[string]bool{}, dismissed: map[string]bool{}, cancel: cancel}
	if w.rooms.groups == nil {
		w.rooms.groups = map[string]*roomGroup{}
	}
	w.rooms.groups[source] = g
	poll := w.rooms.Poll
	if poll <= 0 {
		poll = defaultRoomPoll
	}
	w.rooms.wg.Add(1)
	go func() {
		defer w.rooms.wg.Done()
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			ms, err := dir.Members(ctx, room)
			if ctx.Err() != nil {
				return
			}
			do(func() { w.syncRoom(g, account, ms, err) })
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// syncRoom adds the tiles of members who arrived and removes those of
// members who left.
func (w *Wall) syncRoom(g *roomGroup, account string, ms []session.Device, err error) {
	if w.rooms.groups[g.source] != g {
		return // left meanwhile
	}
	if err != nil {
		w.log.Info("room: members", "room", g.source, "err", session.Reason(err))
		return
	}
	present := map[string]session.Device{}
	for _, m := range ms {
		present[account+"/"+m.ID] = m
	}
	g.syncing = true
	defer func() { g.syncing = false }()
	for src := range g.members {
		if _, ok := present[src]; !ok {
			delete(g.members, src)
			w.Remove(src)
		}
	}
	for src := range g.dismissed {
		if _, ok := present[src]; !ok {
			delete(g.dismissed, src)
		}
	}
	for _, m := range ms {
		src := account + "/" + m.ID
		if g.members[src] || g.dismissed[src] || w.index(src) >= 0 {
			continue
		}
		g.members[src] = true
		title := m.Name
		if title == "" {
			title = m.ID
		}
		w.Add(src, title)
		w.SetTalk(src, m.Talk)
	}
}

// roomRemoved leaves a room whose tile was closed, or remembers that the
// user closed a member's tile.
func (w *Wall) roomRemoved(source string) {
	if g := w.rooms.groups[source]; g != nil {
		delete(w.rooms.groups, source)
		g.cancel()
		g.syncing = true
		for src := range g.members {
			w.Remove(src)
		}
		return
	}
	for _, g := range w.rooms.groups {
		if g.members[source] && !g.syncing {
			delete(g.members, source)
			g.dismissed[source] = true
		}
	}
}

// closeRooms stops every room's poller and waits for them.
func (w *Wall) closeRooms() {
	for _, g := range w.rooms.groups {
		g.cancel()
	}
	w.rooms.wg.Wait()
}

// roomDirectory returns the member directory of a source the sidebar lists
// as a room of an account that implements session.RoomDirectory, or nil.
func (s *Sidebar) roomDirectory(source string) session.RoomDirectory {
	account, id, _ := strings.Cut(source, "/")
	n := s.node(account)
	if n == nil {
		return nil
	}
	rd, ok := n.acc.Directory.(session.RoomDirectory)
	if !ok {
		return nil
	}
	for _, d := range n.devices {
		if d.ID == id && d.Type == session.TypeRoom {
			return rd
		}
	}
	return nil
}
