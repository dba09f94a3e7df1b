package ui

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// tourStep is how often the window looks at its tour (the countdown shown,
// the pointer over the wall).
const tourStep = 250 * time.Millisecond

// touring runs the shown view's tour (model.Tour): every step it holds
// the countdown while the pointer is over the wall or a tile is
// maximised, starts the next view's or page's sessions TourLead before the
// change, and moves on when it is due. All on the Fyne goroutine.
type touring struct {
	win  *window
	now  func() time.Time
	tour *model.Tour // nil: the shown view has no tour
	view int         // the view the tour belongs to
	soon bool        // the next view's or page's sessions were started
	lbl  *widget.Label
}

func newTouring(win *window, now func() time.Time) *touring {
	t := &touring{win: win, now: now, lbl: widget.NewLabel("")}
	t.lbl.Hide()
	return t
}

// reset takes the shown view's tour setting afresh, its countdown from
// the start (a view shown, a setting changed).
func (t *touring) reset() {
	x := t.win.wall.viewsModel().CurrentView()
	t.view = t.win.wall.CurrentView()
	t.soon = false
	if x.TourSeconds <= 0 {
		t.tour = nil
		t.lbl.Hide()
		return
	}
	t.tour = model.NewTour(time.Duration(x.TourSeconds)*time.Second, t.now())
	t.show()
}

// next returns where the tour goes: a view (view true) or a page of the
// shown view; ok is false when there is nowhere to go.
func (t *touring) next() (i int, view, ok bool) {
	w := t.win.wall
	if w.viewsModel().CurrentView().TourViews {
		i, ok = w.viewsModel().NextTouring()
		return i, true, ok
	}
	if w.Pages() < 2 {
		return 0, false, false
	}
	return (w.Page() + 1) % w.Pages(), false, true
}

// step looks at the tour once.
func (t *touring) step() {
	if t.win.wall.CurrentView() != t.view {
		t.reset() // shown by the user or by the tour
	}
	if t.tour == nil {
		return
	}
	now := t.now()
	t.tour.SetPaused(t.win.wall.hovered() || t.win.wall.Maximised() != "", now)
	i, view, ok := t.next()
	if ok && !t.soon && t.tour.Soon(now) {
		t.soon = true
		if view {
			t.win.wall.Preload(i, t.win.cameraTitle)
		} else {
			t.win.wall.preloadPage(i)
		}
	}
	if t.tour.Due(now) {
		t.soon = false
		t.tour.Restart(now)
		if ok {
			if view {
				t.win.showView(i)
				t.reset()
			} else {
				t.win.wall.setPage(i)
				t.win.updateStatus()
			}
		}
	}
	t.show()
}

// show puts the countdown in the toolbar.
func (t *touring) show() {
	if t.tour == nil {
		t.lbl.Hide()
		return
	}
	left := t.tour.Left(t.now())
	secs := int((left + time.Second - 1) / time.Second)
	if t.tour.Paused() {
		t.lbl.SetText(fmt.Sprintf("Tour paused (%d s)", secs))
	} else {
		t.lbl.SetText(fmt.Sprintf("Tour: next in %d s", secs))
	}
	t.lbl.Show()
}

// run steps the tour until the window closes.
func (t *touring) run(done <-chan struct{}) {
	tk := time.NewTicker(tourStep)
	defer tk.Stop()
	for {
		select {
		case <-done:
			return
		case <-tk.C:
			do(t.step)
		}
	}
}

// cameraTitle says whether source is a camera a tour may start before it
// shows (not a speaker, not a room) and its name.
func (win *window) cameraTitle(source string) (string, bool) {
	d, known := win.sidebar.deviceOf(source)
	if !known {
		_, speaker := win.savedAudio[source]
		return source, !speaker
	}
	if d.Type == session.TypeSpeaker || d.Type == session.TypeRoom {
		return "", false
	}
	if d.Name == "" {
		return source, true
	}
	return d.Name, true
}

// setTour sets the shown view's tour: every seconds (0: none), through the
// views with a tour or the view's pages.
func (win *window) setTour(seconds int, views bool) error {
	if err := win.wall.Views().SetTour(win.wall.CurrentView(), seconds, views); err != nil {
		return err
	}
	win.tour.reset()
	win.saveState()
	return nil
}

// askTour asks for the shown view's tour setting.
func (win *window) askTour() {
	x := win.wall.viewsModel().CurrentView()
	secs := widget.NewEntry()
	secs.SetText(strconv.Itoa(x.TourSeconds))
	through := widget.NewRadioGroup([]string{"its pages", "the views with a tour"}, nil)
	through.SetSelected("its pages")
	if x.TourViews {
		through.SetSelected("the views with a tour")
	}
	dialog.ShowForm("Tour of "+x.Name, "OK", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Every (seconds, 0: off)", secs),
		widget.NewFormItem("Through", through),
	}, func(ok bool) {
		if ok {
			n, err := strconv.Atoi(secs.Text)
			if err != nil || n < 0 {
				dialog.ShowInformation("Tour", "The interval is a number of seconds.", win.w)
				return
			}
			_ = win.setTour(n, through.Selected == "the views with a tour")
		}
		win.backToWall()
	}, win.w)
}

// startTour steps the tour in a goroutine until ctx ends; the function it
// returns waits for that goroutine.
func (win *window) startTour(ctx context.Context) func() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		win.tour.run(ctx.Done())
	}()
	return wg.Wait
}
