package wall

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lookout-app/lookout/session"
)

// DefaultRoomPoll is how often an open room's members are listed.
const DefaultRoomPoll = 2 * time.Second

// Member is one member of a room: its source ("ACCOUNT/ROOM/MEMBER") and
// what the room's directory says of it.
type Member struct {
	Source string
	Device session.Device
}

// RoomUpdate is what one poll of a room changed.
type RoomUpdate struct {
	Arrived []Member // members whose tiles are to show
	Left    []string // member sources whose tiles go
	// Order is every member source with a tile after this update, in the
	// room's own order (the directory's list): their tiles sit together
	// right after the room's tile, in this order.
	Order []string
	Err   error // the poll failed: nothing changed
}

// MemberTitle is the title of a member's tile: the room's name and the
// member's, so a member tile says which room it belongs to.
func MemberTitle(room, member string) string { return room + " · " + member }

// Room follows the members of a room (a source of type room whose account
// lists members, session.Client.Members): a poller lists them and tells the
// renderer who arrived and who left. A member whose tile the user closed
// (Dismiss) stays off the wall while it stays in the room.
type Room struct {
	source  string // ACCOUNT/ROOM
	account string
	id      string
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu        sync.Mutex
	members   map[string]bool // member sources on the wall
	dismissed map[string]bool // member tiles the user closed
	order     []string        // every member source listed last, in the room's order
}

// FollowRoom starts following the members of the room source, listing
// them with members (the account's session.Client.Members) every poll
// (zero: DefaultRoomPoll) until Leave or the model's end; onUpdate is told every poll's changes from the poller's
// goroutine and must not block.
func (m *Model) FollowRoom(source string, members func(ctx context.Context, room string) ([]session.Device, error), poll time.Duration, onUpdate func(RoomUpdate)) *Room {
	account, id, _ := strings.Cut(source, "/")
	r := &Room{source: source, account: account, id: id, stop: make(chan struct{}), done: make(chan struct{}),
		members: map[string]bool{}, dismissed: map[string]bool{}}
	if poll <= 0 {
		poll = DefaultRoomPoll
	}
	go func() {
		defer close(r.done)
		ctx, cancel := context.WithCancel(context.Background())
		watched := make(chan struct{})
		go func() { // a Members call in flight ends with the room
			defer close(watched)
			select {
			case <-r.stop:
			case <-m.done:
			case <-ctx.Done():
			}
			cancel()
		}()
		defer func() {
			cancel()
			<-watched
		}()
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			ms, err := members(ctx, id)
			if ctx.Err() != nil {
				return
			}
			onUpdate(r.update(ms, err))
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// update applies one list of members.
func (r *Room) update(ms []session.Device, err error) RoomUpdate {
	if err != nil {
		return RoomUpdate{Err: err}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	present := map[string]bool{}
	for _, d := range ms {
		present[r.account+"/"+d.ID] = true
	}
	var u RoomUpdate
	for src := range r.members {
		if !present[src] {
			delete(r.members, src)
			u.Left = append(u.Left, src)
		}
	}
	sort.Strings(u.Left)
	for src := range r.dismissed {
		if !present[src] {
			delete(r.dismissed, src)
		}
	}
	r.order = r.order[:0]
	for _, d := range ms {
		src := r.account + "/" + d.ID
		r.order = append(r.order, src)
		if r.members[src] || r.dismissed[src] {
			continue
		}
		r.members[src] = true
		u.Arrived = append(u.Arrived, Member{Source: src, Device: d})
	}
	u.Order = r.orderLocked()
	return u
}

// orderLocked returns the member sources with a tile, in the room's order.
func (r *Room) orderLocked() []string {
	var out []string
	for _, src := range r.order {
		if r.members[src] {
			out = append(out, src)
		}
	}
	return out
}

// Order returns the member sources with a tile, in the room's order: the
// order their tiles take right after the room's tile.
func (r *Room) Order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.orderLocked()
}

// Source returns the room's source.
func (r *Room) Source() string { return r.source }

// IsMember reports whether src is a member tile of the room.
func (r *Room) IsMember(src string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.members[src]
}

// Release stops counting src as the room's tile (it was on the wall
// already, opened by the user): the room neither adds nor removes it.
func (r *Room) Release(src string) {
	r.mu.Lock()
	delete(r.members, src)
	r.mu.Unlock()
}

// Dismiss tells the room the user closed a member's tile: it stays closed
// while that member stays in the room.
func (r *Room) Dismiss(src string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.members[src] {
		delete(r.members, src)
		r.dismissed[src] = true
	}
}

// Restore takes back a member tile the user closed (Undo): it is the
// room's tile again, in the room's order, and reports whether src is still
// in the room (a member who left meanwhile does not come back).
func (r *Room) Restore(src string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.dismissed[src] {
		return false
	}
	delete(r.dismissed, src)
	r.members[src] = true
	return true
}

// Leave stops the poller, waits for it, and returns the member sources
// whose tiles go with the room.
func (r *Room) Leave() []string {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.members))
	for src := range r.members {
		out = append(out, src)
	}
	sort.Strings(out)
	r.members = map[string]bool{}
	return out
}
