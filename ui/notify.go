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

// notify sends an alert of a tile the wall shows, so only while the window
// is in the background.
func (n *notifier) notify(a model.Alert) bool { return n.deliver(a, true) }

// deliver sends the alert when the model says it is due (Alert.Due): in
// the background, or motion on a tile the wall does not show.
func (n *notifier) deliver(a model.Alert, shown bool) bool {
	n.mu.Lock()
	due := a.Due(n.background, shown)
	if due {
		n.sent = append(n.sent, a.Title)
	}
	n.mu.Unlock()
	if due && n.send != nil {
		n.send(a.Title, a.Body)
	}
	return due
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
						win.extra.notes.check(win.wall.running(), now)
						for _, e := range win.wall.running() { // tiles in windows of their own too
							e.tile.deco.watcher.tick()
						}
					}
				})
			}
		}
	}()
}

// motionAlert is motion on a tile opted in: the tile's motion frame shows
// it, and a notification tells it while the window is in the background or
// the tile is not on the page shown (a hidden page kept connected). It
// never moves the keyboard focus or the page: a key acts on the tile the
// user chose last.
func (win *window) motionAlert(source string, t *Tile) {
	shown := win.wall != nil && (win.wall.shows(source) || win.wall.own[source] != nil) // its own window shows it
	if win.extra.notes != nil {
		win.extra.notes.deliver(model.MotionAlert(source, t.Title), shown)
	}
}
