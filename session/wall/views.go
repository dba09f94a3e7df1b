package wall

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// View is one named wall of a config: its tiles in order, its layout and
// the page shown. The renderer keeps the shown view's tiles running; the
// others are only this description until they are shown.
type View struct {
	Name    string   `json:"name"`
	Layout  string   `json:"layout"`
	Page    int      `json:"page"`
	Sources []string `json:"sources"`
	// TourSeconds is the view's tour interval (0: no tour); TourViews
	// moves on to the next view with a tour, else to the view's next page.
	TourSeconds int  `json:"tour_seconds,omitempty"`
	TourViews   bool `json:"tour_views,omitempty"`
	// Window is set while the view is open in a window of its own, so
	// the next start opens it there again; TileWindows are the view's
	// tiles open in windows of their own, kept while another view shows
	// (their tiles run on there).
	Window      *OwnWindow  `json:"window,omitempty"`
	TileWindows []OwnWindow `json:"tile_windows,omitempty"`
}

// OwnWindow is a view, or one of its tiles (Source), in a window of its
// own.
type OwnWindow struct {
	Source     string `json:"source,omitempty"`
	FullScreen bool   `json:"full_screen,omitempty"`
}

// clone copies x with its own slices.
func (x View) clone() View {
	x.Sources = slices.Clone(x.Sources)
	x.TileWindows = slices.Clone(x.TileWindows)
	if x.Window != nil {
		w := *x.Window
		x.Window = &w
	}
	return x
}

// Errors of the views' intents.
var (
	// ErrViewName is returned for an empty name.
	ErrViewName = errors.New("a view needs a name")
	// ErrViewExists is returned for a name another view has.
	ErrViewExists = errors.New("a view of that name exists")
	// ErrNoView is returned for an index out of range.
	ErrNoView = errors.New("no such view")
	// ErrLastView is returned when the only view would be deleted.
	ErrLastView = errors.New("the last view cannot be deleted")
	// ErrViewShown is returned for the shown view, which a window of its
	// own cannot take.
	ErrViewShown = errors.New("the view is the one shown")
	// ErrNotInView is returned for a tile the shown view does not hold.
	ErrNotInView = errors.New("no such tile in the view")
)

// Views are the named walls of a config and which one shows. The zero
// value has no view; NewViews makes one that has at least one.
type Views struct {
	list    []View
	current int
}

// DefaultViewName names the view an old single-wall state becomes.
const DefaultViewName = "Wall"

// NewViews returns views holding list (copied) with current shown; an empty
// list becomes one view named DefaultViewName, a current out of range the
// first view, duplicate or empty names are made unique.
func NewViews(list []View, current int) *Views {
	v := &Views{}
	for _, x := range list {
		x = x.clone()
		x.Name = v.unique(strings.TrimSpace(x.Name))
		v.list = append(v.list, x)
	}
	if len(v.list) == 0 {
		v.list = []View{{Name: DefaultViewName}}
	}
	if current < 0 || current >= len(v.list) {
		current = 0
	}
	v.current = current
	return v
}

// unique returns name, or name with a number after it when a view has it
// already; an empty name becomes "View N".
func (v *Views) unique(name string) string {
	if name == "" {
		name = fmt.Sprintf("View %d", len(v.list)+1)
	}
	if v.find(name) < 0 {
		return name
	}
	for n := 2; ; n++ {
		if c := fmt.Sprintf("%s %d", name, n); v.find(c) < 0 {
			return c
		}
	}
}

// find returns the index of the view named name (case-insensitive), or -1.
func (v *Views) find(name string) int {
	for i, x := range v.list {
		if strings.EqualFold(x.Name, name) {
			return i
		}
	}
	return -1
}

// List returns a copy of the views in order.
func (v *Views) List() []View {
	out := make([]View, len(v.list))
	for i, x := range v.list {
		out[i] = x.clone()
	}
	return out
}

// Names returns the views' names in order.
func (v *Views) Names() []string {
	out := make([]string, len(v.list))
	for i, x := range v.list {
		out[i] = x.Name
	}
	return out
}

// Len returns how many views there are.
func (v *Views) Len() int { return len(v.list) }

// Current returns the index of the view shown.
func (v *Views) Current() int { return v.current }

// CurrentView returns a copy of the view shown.
func (v *Views) CurrentView() View {
	return v.list[v.current].clone()
}

// Update stores what the shown view holds now (the renderer's tiles,
// layout and page).
func (v *Views) Update(layout string, page int, sources []string) {
	v.UpdateView(v.current, layout, page, sources)
}

// UpdateView stores what view i holds now, for a view shown elsewhere
// (another window).
func (v *Views) UpdateView(i int, layout string, page int, sources []string) {
	if i < 0 || i >= len(v.list) {
		return
	}
	x := &v.list[i]
	x.Layout, x.Page, x.Sources = layout, page, slices.Clone(sources)
}

// Switch makes view i the shown one and returns it: the view shown is in
// no window of its own. The tiles of any view in windows of their own
// stay there and run on (Runs); the view left keeps them recorded.
func (v *Views) Switch(i int) (View, error) {
	if i < 0 || i >= len(v.list) {
		return View{}, ErrNoView
	}
	v.current = i
	v.list[i].Window = nil
	return v.CurrentView(), nil
}

// SetWindow records view i open in a window of its own (w nil: not), as
// the next start reopens it; its tiles are in that window, none in one of
// its own. The shown view cannot be.
func (v *Views) SetWindow(i int, w *OwnWindow) error {
	if i < 0 || i >= len(v.list) {
		return ErrNoView
	}
	if w != nil {
		if i == v.current {
			return ErrViewShown
		}
		c := *w
		c.Source = ""
		w = &c
		v.list[i].TileWindows = nil
	}
	v.list[i].Window = w
	return nil
}

// SetTileWindow records the shown view's tile of source open in a window
// of its own (open false: in none, whichever view it was opened from), as
// the next start reopens it. A source has one tile, so one window: opening
// it records it on the shown view only.
func (v *Views) SetTileWindow(source string, fullScreen, open bool) error {
	if open && !slices.Contains(v.list[v.current].Sources, source) {
		return fmt.Errorf("%q: %w", source, ErrNotInView)
	}
	for i := range v.list {
		x := &v.list[i]
		x.TileWindows = slices.DeleteFunc(x.TileWindows, func(w OwnWindow) bool { return w.Source == source })
	}
	if open {
		x := &v.list[v.current]
		x.TileWindows = append(x.TileWindows, OwnWindow{Source: source, FullScreen: fullScreen})
	}
	return nil
}

// TileWindowOf returns the index of the view whose tile of source is in a
// window of its own; ok is false when none is.
func (v *Views) TileWindowOf(source string) (i int, ok bool) {
	for i, x := range v.list {
		if slices.ContainsFunc(x.TileWindows, func(w OwnWindow) bool { return w.Source == source }) {
			return i, true
		}
	}
	return 0, false
}

// Runs reports whether the tile of source runs in the window showing the
// views: the shown view holds it, or a tile of any view is in a window of
// its own (it runs whatever view shows, until its window closes).
func (v *Views) Runs(source string) bool {
	if slices.Contains(v.list[v.current].Sources, source) {
		return true
	}
	_, ok := v.TileWindowOf(source)
	return ok
}

// CloseTileWindow forgets the window of source's tile and says where the
// tile goes: back to its cell (true) when the shown view holds it, else
// nowhere (false): it ends as the tile of a view not shown.
func (v *Views) CloseTileWindow(source string) (back bool) {
	_ = v.SetTileWindow(source, false, false) // closing never fails
	return slices.Contains(v.list[v.current].Sources, source)
}

// RemoveTile takes source off the view whose tile window holds it (the
// user closed the tile there while another view shows) and forgets the
// window; it reports whether a view held it.
func (v *Views) RemoveTile(source string) bool {
	i, ok := v.TileWindowOf(source)
	if !ok {
		return false
	}
	x := &v.list[i]
	x.Sources = slices.DeleteFunc(x.Sources, func(s string) bool { return s == source })
	_ = v.SetTileWindow(source, false, false)
	return true
}

// checkName trims name and checks that no view but except has it.
func (v *Views) checkName(name string, except int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", ErrViewName
	}
	if j := v.find(name); j >= 0 && j != except {
		return "", fmt.Errorf("%q: %w", name, ErrViewExists)
	}
	return name, nil
}

// Create adds an empty view named name at the end, with layout, and
// returns its index (the shown view stays).
func (v *Views) Create(name, layout string) (int, error) {
	name, err := v.checkName(name, -1)
	if err != nil {
		return 0, err
	}
	v.list = append(v.list, View{Name: name, Layout: layout})
	return len(v.list) - 1, nil
}

// Rename renames view i.
func (v *Views) Rename(i int, name string) error {
	if i < 0 || i >= len(v.list) {
		return ErrNoView
	}
	name, err := v.checkName(name, i)
	if err != nil {
		return err
	}
	v.list[i].Name = name
	return nil
}

// Duplicate adds a copy of view i right after it, named name (empty: the
// original's name and "copy"), and returns its index.
func (v *Views) Duplicate(i int, name string) (int, error) {
	if i < 0 || i >= len(v.list) {
		return 0, ErrNoView
	}
	if strings.TrimSpace(name) == "" {
		name = v.unique(v.list[i].Name + " copy")
	}
	name, err := v.checkName(name, -1)
	if err != nil {
		return 0, err
	}
	x := v.list[i].clone()
	x.Name = name
	x.Window, x.TileWindows = nil, nil // the windows show the original
	v.list = slices.Insert(v.list, i+1, x)
	if v.current > i {
		v.current++
	}
	return i + 1, nil
}

// Delete removes view i; the shown view stays shown unless it is the one
// deleted, when its neighbour (the one before, or the new first) shows.
// It reports whether the shown view changed.
func (v *Views) Delete(i int) (bool, error) {
	if i < 0 || i >= len(v.list) {
		return false, ErrNoView
	}
	if len(v.list) == 1 {
		return false, ErrLastView
	}
	v.list = slices.Delete(v.list, i, i+1)
	switch {
	case v.current == i:
		v.current = max(0, i-1)
		return true, nil
	case v.current > i:
		v.current--
	}
	return false, nil
}

// SetTour sets view i's tour: every seconds (0: none), through the views
// (views) or the view's pages.
func (v *Views) SetTour(i, seconds int, views bool) error {
	if i < 0 || i >= len(v.list) {
		return ErrNoView
	}
	v.list[i].TourSeconds, v.list[i].TourViews = max(0, seconds), views
	return nil
}

// NextTouring returns the view a tour of views moves on to from the shown
// one: the next, in order and round, that has a tour; ok is false when no
// other view has one.
func (v *Views) NextTouring() (int, bool) {
	for k := 1; k < len(v.list); k++ {
		i := (v.current + k) % len(v.list)
		if v.list[i].TourSeconds > 0 {
			return i, true
		}
	}
	return 0, false
}
