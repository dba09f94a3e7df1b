package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	model "github.com/lookout-app/lookout/session/wall"
)

// notifier raises the wall model's alerts (session/wall's Alerts: a tile
// that lost its camera for more than a minute, a speaker busy when Talk was
// pressed, motion on a tile opted in) as desktop notifications while the
// window is in the background.
type notifier struct {
	mu         sync.Mutex
	background bool
	send       func(title, body string)
	alerts     *model.Alerts // used on the Fyne goroutine only
	sent       []string      // titles sent, for tests
}

func newNotifier(send func(title, body string)) *notifier {
	return &notifier{send: send, alerts: model.NewAlerts()}
}

func (n *notifier) setBackground(bg bool) {
	n.mu.Lock()
	n.background = bg
	n.mu.Unlock()
}

// notify sends only while the window is in the background.
func (n *notifier) notify(a model.Alert) bool {
	n.mu.Lock()
	bg := n.background
	if bg {
		n.sent = append(n.sent, a.Title)
	}
	n.mu.Unlock()
	if bg && n.send != nil {
		n.send(a.Title, a.Body)
	}
	return bg
}

// check looks at the tiles once (on the Fyne goroutine).
func (n *notifier) check(entries []*wallEntry, now time.Time) {
	tiles := make([]model.Watched, 0, len(entries))
	for _, e := range entries {
		if e.tile == nil {
			continue // a speaker tile
		}
		w := model.Watched{Source: e.source, Title: e.tile.Title, Status: e.tile.Status()}
		if e.run != nil {
			w.TalkEnds, w.TalkErr = e.run.talkEnded()
		}
		tiles = append(tiles, w)
	}
	n.alerts.Check(now, tiles, n.notify)
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
		win.extra.notes.notify(model.MotionAlert(source, t.Title))
	}
	if win.wall != nil && win.wall.index(source) >= 0 {
		win.wall.Add(source, t.Title) // shows its page
		win.w.Canvas().Focus(t)
	}
}
