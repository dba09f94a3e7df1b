package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// The wall shows one of several named views (model.Views): each its own
// tiles, layout and page. Only the shown view's tiles are on the wall, so
// only they run sessions, besides the tiles of any view in windows of
// their own (model.Views.Runs); switching takes the shown view's tiles off
// (their sessions end, as a closed tile's, but for those in windows of
// their own) and puts the next view's on.

// views returns the wall's views, making the single default one first.
func (w *Wall) viewsModel() *model.Views {
	if w.views == nil {
		w.views = model.NewViews(nil, 0)
	}
	return w.views
}

// SetViews gives the wall its views (from the saved state) without
// changing the tiles shown: the caller puts the current view's on.
func (w *Wall) SetViews(v *model.Views) { w.views = v }

// Views returns the views as they are now (the shown one with its tiles,
// layout and page of this moment).
func (w *Wall) Views() *model.Views {
	v := w.viewsModel()
	v.Update(w.mode, w.page, w.savedSources())
	return v
}

// CurrentView returns the index of the view shown.
func (w *Wall) CurrentView() int { return w.viewsModel().Current() }

// ShowView takes the shown view's tiles off the wall and puts view i's on:
// open is called for each of its sources, in order, to add it as the
// window knows it (a camera, a speaker, its title). Nothing happens for
// the view shown.
func (w *Wall) ShowView(i int, open func(source string)) error {
	v := w.viewsModel()
	if i == v.Current() {
		return nil
	}
	if i < 0 || i >= v.Len() {
		return model.ErrNoView
	}
	v.Update(w.mode, w.page, w.savedSources())
	if _, err := v.Switch(i); err != nil {
		return err
	}
	w.putView(open)
	return nil
}

// putView clears the wall and puts the current view's tiles on it: the
// tiles of sources it shows too, and those Preload started, carry on
// (their pictures show at once); the others end.
func (w *Wall) putView(open func(source string)) {
	x := w.viewsModel().CurrentView()
	next := map[string]bool{}
	for _, s := range x.Sources {
		next[s] = true
	}
	kept := w.entries[:0:0]
	for _, e := range w.entries {
		if w.own[e.source] == e && w.viewsModel().Runs(e.source) {
			continue // in a window of its own: it runs on there (windows.go)
		}
		if next[e.source] && w.warmable(e) {
			w.keepWarm(e)
			continue
		}
		kept = append(kept, e)
	}
	w.entries = kept
	w.clearTiles()
	w.mode = cmp.Or(x.Layout, LayoutAuto)
	w.quiet = true
	for _, s := range x.Sources {
		open(s)
	}
	w.quiet = false
	w.dropWarm() // started for this view, but it no longer has them
	w.maxed = nil
	w.page = max(0, min(x.Page, w.pages()-1))
	w.apply()
	w.changed()
}

// clearTiles takes every tile off the wall without offering Undo: their
// sessions end, rooms stop following their members.
func (w *Wall) clearTiles() {
	w.closeRooms()
	w.rooms.groups = nil
	for _, e := range w.entries {
		w.stop(e)
	}
	w.entries = nil
	w.maxed, w.focused = nil, nil
	w.undo.Forget() // a tile of another view never comes back on this one
}

// viewOpen adds source to the wall as the window knows it: a speaker as an
// audio tile, a camera with its name, talk and device from the sidebar.
func (win *window) viewOpen(source string) {
	d, known := win.sidebar.deviceOf(source)
	if a, ok := win.savedAudio[source]; (known && d.Type == session.TypeSpeaker) || (!known && ok) {
		if !known {
			_, id, _ := strings.Cut(source, "/")
			d = session.Device{ID: id, Name: a.Name, Type: session.TypeSpeaker, Talk: a.Talk, SendOnly: a.SendOnly}
		}
		_, id, _ := strings.Cut(source, "/")
		win.wall.AddSpeaker(source, cmp.Or(d.Name, id), d)
		return
	}
	if !known {
		win.wall.Add(source, source)
		return
	}
	win.wall.Add(source, cmp.Or(d.Name, source))
	win.wall.SetTalk(source, d.Talk)
	win.wall.SetDevice(source, d)
}

// rememberAudio keeps what the shown view knows of its speakers, for the
// views that show them later before their directory answers.
func (win *window) rememberAudio() {
	if win.savedAudio == nil {
		win.savedAudio = map[string]AudioTileState{}
	}
	for _, a := range win.wall.audioTiles() {
		win.savedAudio[a.Source] = a
	}
}

// showView shows view i (Ctrl+1…9, the switcher); a view open in a
// window of its own is brought forward there instead.
func (win *window) showView(i int) {
	if vw := win.windowOf(i); vw != nil {
		vw.w.RequestFocus()
		win.viewsChanged() // the switcher goes back to the view shown here
		return
	}
	win.rememberAudio()
	// The tiles in windows of their own stay there, running, whichever
	// view shows (windows.go).
	if err := win.wall.ShowView(i, win.viewOpen); err != nil {
		return
	}
	win.viewsChanged()
}

// viewsChanged brings the switcher and the status up to date and saves.
func (win *window) viewsChanged() {
	if win.viewSel != nil {
		v := win.wall.viewsModel()
		win.viewSel.Options = v.Names()
		win.viewSel.SetSelectedIndex(v.Current())
		win.viewSel.Refresh()
	}
	win.layouts.mark(win.wall.Mode())
	win.updateStatus()
	win.saveState()
}

// newView adds an empty view named name, on the layout in use, and shows it.
func (win *window) newView(name string) error {
	i, err := win.wall.Views().Create(name, LayoutAuto)
	if err != nil {
		return err
	}
	win.showView(i)
	return nil
}

// renameView renames the shown view.
func (win *window) renameView(name string) error {
	if err := win.wall.Views().Rename(win.wall.CurrentView(), name); err != nil {
		return err
	}
	win.viewsChanged()
	return nil
}

// duplicateView copies the shown view (its tiles, layout and page) under
// name (empty: its name and "copy") and shows the copy.
func (win *window) duplicateView(name string) error {
	i, err := win.wall.Views().Duplicate(win.wall.CurrentView(), name)
	if err != nil {
		return err
	}
	win.viewsShifted(i, 1)
	win.showView(i)
	return nil
}

// deleteView deletes the shown view and shows its neighbour.
func (win *window) deleteView() error {
	win.rememberAudio()
	cur := win.wall.CurrentView()
	if win.wall.Views().Len() == 1 {
		return model.ErrLastView
	}
	win.closeTileWindowsOf(cur) // back in their cells, and off with the view
	moved, err := win.wall.Views().Delete(cur)
	if err != nil {
		return err
	}
	win.viewsShifted(cur+1, -1)
	if vw := win.windowOf(win.wall.CurrentView()); moved && vw != nil {
		// The neighbour to show here is in a window of its own: it
		// comes back here.
		win.closeViewWindow(vw)
		vw.w.Close()
	}
	if moved {
		win.wall.putView(win.viewOpen)
	}
	win.viewsChanged()
	return nil
}

// viewSwitcher is the toolbar's view control: a list of the views and a
// menu button to create, rename, duplicate and delete them.
func (win *window) viewSwitcher(ctx context.Context) fyne.CanvasObject {
	v := win.wall.viewsModel()
	win.viewSel = widget.NewSelect(v.Names(), nil)
	win.viewSel.SetSelectedIndex(v.Current())
	win.viewSel.OnChanged = func(string) {
		if i := win.viewSel.SelectedIndex(); i >= 0 && i != win.wall.CurrentView() {
			win.showView(i)
		}
		win.backToWall()
	}
	var menuBtn *widget.Button
	menuBtn = widget.NewButton("Views…", func() {
		m := fyne.NewMenu("",
			fyne.NewMenuItem("New view…", func() { win.askViewName("New view", "", win.newView) }),
			fyne.NewMenuItem("Rename…", func() {
				win.askViewName("Rename view", win.wall.viewsModel().CurrentView().Name, win.renameView)
			}),
			fyne.NewMenuItem("Duplicate", func() { win.viewError(win.duplicateView("")) }),
			fyne.NewMenuItem("Tour…", win.askTour),
			fyne.NewMenuItem("Open a view in its own window…", func() { win.askViewWindow(ctx) }),
			fyne.NewMenuItem("Delete", func() {
				name := win.wall.viewsModel().CurrentView().Name
				dialog.ShowConfirm("Delete view", fmt.Sprintf("Delete the view %q? Its cameras stay in the list.", name),
					func(ok bool) {
						if ok {
							win.viewError(win.deleteView())
						}
						win.backToWall()
					}, win.w)
			}),
		)
		c := win.w.Canvas()
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(menuBtn)
		widget.ShowPopUpMenuAtPosition(m, c, at.AddXY(0, menuBtn.Size().Height))
	})
	win.tour = newTouring(win, time.Now)
	win.tour.reset()
	return container.NewHBox(widget.NewLabel("View"), win.viewSel, menuBtn, win.tour.lbl)
}

// askViewName asks for a view's name and hands it to act; an error (a
// name taken) is shown and the question asked again.
func (win *window) askViewName(title, name string, act func(string) error) {
	e := widget.NewEntry()
	e.SetText(name)
	dialog.ShowForm(title, "OK", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", e)}, func(ok bool) {
		if ok {
			if err := act(e.Text); err != nil {
				win.viewError(err)
			}
		}
		win.backToWall()
	}, win.w)
}

// viewError tells the user why a view intent was refused.
func (win *window) viewError(err error) {
	if err == nil {
		return
	}
	var msg string
	switch {
	case errors.Is(err, model.ErrViewExists):
		msg = "Another view has that name."
	case errors.Is(err, model.ErrViewName):
		msg = "A view needs a name."
	case errors.Is(err, model.ErrLastView):
		msg = "The last view cannot be deleted."
	default:
		msg = err.Error()
	}
	dialog.ShowInformation("Views", msg, win.w)
}

// installViewKeys adds Ctrl+1…9: the first nine views.
func (win *window) installViewKeys() {
	keys := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
	for i, k := range keys {
		win.shortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierControl}, func() { win.showView(i) })
	}
}

// savedAudioOf lists the speakers of every view, for the saved state: the
// shown view's as they are, the others' as last known.
func (win *window) savedAudioOf(v *model.Views) []AudioTileState {
	win.rememberAudio()
	var out []AudioTileState
	seen := map[string]bool{}
	for _, x := range v.List() {
		for _, s := range x.Sources {
			if a, ok := win.savedAudio[s]; ok && !seen[s] {
				seen[s] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// warmable reports whether e can run off the wall until its view shows: a
// camera's tile, not a speaker's nor a room's or its members'.
func (w *Wall) warmable(e *wallEntry) bool {
	return e.speaker == nil && e.room == "" && w.rooms.groups[e.source] == nil
}

// keepWarm keeps e running off the wall until add takes it.
func (w *Wall) keepWarm(e *wallEntry) {
	if w.warm == nil {
		w.warm = map[string]*wallEntry{}
	}
	e.tile.SetMaximised(false)
	w.warm[e.source] = e
}

// takeWarm returns the running tile of source kept for the wall, if any:
// one in a window of its own (its cell says so), or one started ahead.
func (w *Wall) takeWarm(source string) *wallEntry {
	if e := w.own[source]; e != nil {
		return e
	}
	e := w.warm[source]
	delete(w.warm, source)
	return e
}

// dropWarm ends the tiles kept off the wall.
func (w *Wall) dropWarm() {
	for s, e := range w.warm {
		w.stop(e)
		delete(w.warm, s)
	}
}

// Preload starts the sessions of view i's cameras that are not on the
// wall (sub stream, off the wall) so that showing it shows pictures; the
// cameras are those camera says are (not speakers nor rooms), with the
// titles title gives. Showing another view ends them.
func (w *Wall) Preload(i int, camera func(source string) (title string, ok bool)) {
	v := w.viewsModel()
	if i < 0 || i >= v.Len() || i == v.Current() {
		return
	}
	x := v.List()[i]
	per := w.perPageOf(x.Layout)
	for k, s := range x.Sources {
		if k >= max(0, x.Page)*per+per || k < max(0, x.Page)*per {
			continue // not on the page it shows first
		}
		if w.index(s) >= 0 || w.warm[s] != nil || w.own[s] != nil {
			continue // running already (on the wall, ahead, in its own window)
		}
		title, ok := camera(s)
		if !ok {
			continue
		}
		e := w.newEntry(s, title)
		w.start(e, model.CellQuality(x.Layout, k-max(0, x.Page)*per))
		if e.run != nil {
			w.keepWarm(e)
		}
	}
}

// Warm returns the sources running off the wall for the view shown next.
func (w *Wall) Warm() []string {
	var out []string
	for s := range w.warm {
		out = append(out, s)
	}
	return out
}

// perPageOf is how many tiles a page of layout holds.
func (w *Wall) perPageOf(layout string) int {
	mode := w.mode
	w.mode = cmp.Or(layout, LayoutAuto)
	n := w.perPage()
	w.mode = mode
	return n
}

// preloadPage starts the sessions of page p's tiles before it shows (a
// tour of pages), on the sub stream; the next apply hides what is not
// shown.
func (w *Wall) preloadPage(p int) {
	if p == w.page || p < 0 || p >= w.pages() {
		return
	}
	per := w.perPage()
	for k := p * per; k < min(len(w.entries), (p+1)*per); k++ {
		e := w.entries[k]
		switch {
		case e.speaker != nil:
		case e.run == nil:
			w.start(e, session.QualitySub)
		default:
			e.run.mt.SetHidden(false)
		}
	}
}

// hovered reports whether the pointer is over the wall's tiles or free
// cells (the tour holds).
func (w *Wall) hovered() bool {
	for _, e := range w.visible() {
		if e.tile.hovered {
			return true
		}
	}
	for _, o := range w.grid.Objects {
		if c, ok := o.(*emptyCell); ok && c.hovered {
			return true
		}
	}
	return false
}

// askViewWindow asks which view to open in a window of its own, full
// screen on its monitor.
func (win *window) askViewWindow(ctx context.Context) {
	v := win.wall.viewsModel()
	var names []string
	for i, n := range v.Names() {
		if i != v.Current() {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		win.viewError(ErrViewOpen)
		return
	}
	sel := widget.NewSelect(names, nil)
	sel.SetSelectedIndex(0)
	full := widget.NewCheck("Full screen", nil)
	full.SetChecked(true)
	dialog.ShowForm("Open a view in its own window", "Open", "Cancel", []*widget.FormItem{
		widget.NewFormItem("View", sel), widget.NewFormItem("", full)}, func(ok bool) {
		if ok {
			for i, n := range v.Names() {
				if n == sel.Selected {
					if _, err := win.openViewWindow(ctx, i, full.Checked); err != nil {
						win.viewWindowError(err)
					}
				}
			}
		}
		win.backToWall()
	}, win.w)
}
