package videofeed

import (
	"slices"
	"sync"
)

// Audience is the subscriptions of one of a service's streams, in the
// order they came, for the service's FirstPicture and viewer count. The
// zero value is empty and ready.
type Audience struct {
	mu    sync.Mutex
	subs  []*Subscription
	first []byte // what started the latest subscriber that left
}

// Add records a new subscription.
func (a *Audience) Add(s *Subscription) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.subs = append(a.subs, s)
}

// Remove forgets s, keeping the access unit that started it.
func (a *Audience) Remove(s *Subscription) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if au := s.First(); len(au) > 0 {
		a.first = au
	}
	a.subs = slices.DeleteFunc(a.subs, func(x *Subscription) bool { return x == s })
}

// Len returns the number of subscriptions.
func (a *Audience) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.subs)
}

// First returns the access unit that started the latest subscriber that
// got a picture, present or gone, or nil.
func (a *Audience) First() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.subs) - 1; i >= 0; i-- {
		if au := a.subs[i].First(); len(au) > 0 {
			return au
		}
	}
	return append([]byte(nil), a.first...)
}
