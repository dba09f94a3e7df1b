package wall

import (
	"errors"
	"time"

	"github.com/lookout-app/lookout/session"
)

// LostAfter is how long a tile may be without its camera before an alert
// says so.
const LostAfter = time.Minute

// AlertKind says what an alert is about.
type AlertKind int

// Alert kinds.
const (
	AlertLost   AlertKind = iota + 1 // a tile without its camera for LostAfter
	AlertBusy                        // a talk refused because the device is busy
	AlertMotion                      // motion on a tile opted in
)

// Alert is one desktop notification the wall raises.
type Alert struct {
	Kind        AlertKind
	Source      string
	Title, Body string
}

// Watched is what the alerts look at in one tile.
type Watched struct {
	Source, Title string
	Status        session.Status
	// TalkEnds counts the tile's talks that ended (or failed to start);
	// TalkErr is why the latest one did, nil when it ended well.
	TalkEnds int
	TalkErr  error
}

// Alerts decides the wall's alerts from its tiles' states: a tile that has
// lost its camera for LostAfter (told once per loss), a talk that a busy
// device refused (session.ErrBusy, told once per talk). It is not safe for
// concurrent use; the window checks it from one goroutine.
type Alerts struct {
	lostSince map[string]time.Time
	told      map[string]bool
	busyTold  map[string]int // the TalkEnds already told, by source
}

// NewAlerts returns alerts with nothing seen yet.
func NewAlerts() *Alerts {
	return &Alerts{lostSince: map[string]time.Time{}, told: map[string]bool{}, busyTold: map[string]int{}}
}

// Check looks at the tiles once at now and hands each alert due to send,
// which reports whether it was delivered (a window in front delivers
// none: a lost camera's alert stays due and is handed again on the next
// Check; a busy talk's is handed once).
func (a *Alerts) Check(now time.Time, tiles []Watched, send func(Alert) bool) {
	seen := map[string]bool{}
	for _, w := range tiles {
		src := w.Source
		seen[src] = true
		switch w.Status.State {
		case session.StateLive:
			delete(a.lostSince, src)
			delete(a.told, src)
		case session.StateRetrying, session.StateFailed, session.StateStalled:
			since, ok := a.lostSince[src]
			if !ok {
				a.lostSince[src] = now
			} else if now.Sub(since) >= LostAfter && !a.told[src] {
				if send(Alert{Kind: AlertLost, Source: src, Title: "Camera lost: " + w.Title,
					Body: w.Title + " has had no picture for " + now.Sub(since).Round(time.Second).String() + ": " + w.Status.Reason()}) {
					a.told[src] = true
				}
			}
		}
		if errors.Is(w.TalkErr, session.ErrBusy) && a.busyTold[src] != w.TalkEnds {
			// Told at the moment or never: a refusal an hour old is news
			// to nobody.
			a.busyTold[src] = w.TalkEnds
			send(Alert{Kind: AlertBusy, Source: src, Title: "Speaker busy: " + w.Title,
				Body: w.Title + ": " + session.Reason(w.TalkErr)})
		}
	}
	for src := range a.lostSince {
		if !seen[src] {
			delete(a.lostSince, src)
			delete(a.told, src)
		}
	}
	for src := range a.busyTold {
		if !seen[src] {
			delete(a.busyTold, src)
		}
	}
}

// Due reports whether the alert is to be delivered as a notification: an
// alert is news the user cannot see while the window is in the background
// (background); motion is also news on a tile the wall does not show
// (shown false: another page, another tile maximised), a tile that only
// runs because hidden pages are kept connected. No alert moves the
// keyboard focus: a key acts on the tile the user chose last.
func (a Alert) Due(background, shown bool) bool {
	if background {
		return true
	}
	return a.Kind == AlertMotion && !shown
}

// MotionAlert is the alert of motion starting on a tile opted in.
func MotionAlert(source, title string) Alert {
	return Alert{Kind: AlertMotion, Source: source, Title: "Motion: " + title, Body: "Something moves on " + title}
}
