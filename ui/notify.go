package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/lookout-app/lookout/session"
)

// lostAfter is how long a tile may be without its camera before the
// window, when in the background, says so.
const lostAfter = time.Minute

// notifier raises desktop notifications while the window is in the
// background: a tile that lost its camera for more than a minute, a speaker
// busy when Talk was pressed, motion on a tile opted in.
type notifier struct {
	mu         sync.Mutex
	background bool
	send       func(title, body string)
	lostSince  map[string]time.Time // source -> when it stopped being live
	told       map[string]bool      // losses already told
	busyTalk   map[string]int       // busy talk failure already told (its number), by source
	sent       []string             // titles sent, for tests
}

func newNotifier(send func(title, body string)) *notifier {
	return &notifier{send: send, lostSince: map[string]time.Time{}, told: map[string]bool{}, busyTalk: map[string]int{}}
}

func (n *notifier) setBackground(bg bool) {
	n.mu.Lock()
	n.background = bg
	n.mu.Unlock()
}

// notify sends only while the window is in the background.
func (n *notifier) notify(title, body string) bool {
	n.mu.Lock()
	bg := n.background
	if bg {
		n.sent = append(n.sent, title)
	}
	n.mu.Unlock()
	if bg && n.send != nil {
		n.send(title, body)
	}
	return bg
}

// check looks at the tiles once (on the Fyne goroutine).
func (n *notifier) check(entries []*wallEntry, now time.Time) {
	seen := map[string]bool{}
	for _, e := range entries {
		src := e.source
		seen[src] = true
		st := e.tile.Status()
		switch st.State {
		case session.StateLive:
			delete(n.lostSince, src)
			delete(n.told, src)
		case session.StateRetrying, session.StateFailed:
			since, ok := n.lostSince[src]
			if !ok {
				n.lostSince[src] = now
			} else if now.Sub(since) >= lostAfter && !n.told[src] {
				if n.notify("Camera lost: "+e.tile.Title, e.tile.Title+" has had no picture for "+
					now.Sub(since).Round(time.Second).String()+": "+st.Reason()) {
					n.told[src] = true
				}
			}
		}
		talkErr, failures := e.tile.TalkError()
		if errors.Is(talkErr, session.ErrBusy) && n.busyTalk[src] != failures {
			n.busyTalk[src] = failures
			n.notify("Speaker busy: "+e.tile.Title, e.tile.Title+": "+e.tile.TalkNote())
		} else if talkErr == nil {
			delete(n.busyTalk, src)
		}
	}
	for src := range n.lostSince {
		if !seen[src] {
			delete(n.lostSince, src)
			delete(n.told, src)
		}
	}
}

// Sent returns the titles of the notifications sent.
func (n *notifier) Sent() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent...)
}

// startNotifier follows the window's foreground state and checks the tiles
// every second until ctx ends.
func (win *window) startNotifier(ctx context.Context) {
	a := win.a
	win.extra.notes = newNotifier(func(title, body string) {
		a.SendNotification(fyne.NewNotification(title, body))
	})
	lc := a.Lifecycle()
	lc.SetOnExitedForeground(func() { win.extra.notes.setBackground(true) })
	lc.SetOnEnteredForeground(func() { win.extra.notes.setBackground(false) })
	win.extra.wg.Add(1)
	go func() {
		defer win.extra.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				do(func() {
					if win.wall != nil {
						win.extra.notes.check(win.wall.entries, now)
						for _, e := range win.wall.entries {
							e.tile.deco.watcher.tick()
						}
					}
				})
			}
		}
	}()
}

// motionAlert is motion on a tile opted in: a notification in the
// background, and the tile brought to focus (on its page).
func (win *window) motionAlert(source string, t *Tile) {
	if win.extra.notes != nil {
		win.extra.notes.notify("Motion: "+t.Title, "Something moves on "+t.Title)
	}
	if win.wall != nil && win.wall.index(source) >= 0 {
		win.wall.Add(source, t.Title) // shows its page
		win.w.Canvas().Focus(t)
	}
}
