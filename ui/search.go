package ui

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
)

// searchEntry is the sidebar's search box: a clear button inside it, and
// Esc clears it.
type searchEntry struct {
	widget.Entry
	clear *widget.Button
}

func newSearchEntry() *searchEntry {
	e := &searchEntry{}
	e.clear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { e.SetText("") })
	e.clear.Importance = widget.LowImportance
	e.clear.Hide()
	e.ActionItem = e.clear
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey clears the search on Esc.
func (e *searchEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.SetText("")
		return
	}
	e.Entry.TypedKey(k)
}

func (e *searchEntry) showClear(on bool) {
	if on {
		e.clear.Show()
	} else {
		e.clear.Hide()
	}
}

// ClearVisible reports whether the clear button shows.
func (e *searchEntry) ClearVisible() bool { return e.clear.Visible() }

// searchBar is the search box.
func (s *Sidebar) searchBar() fyne.CanvasObject { return s.search }

// noMatches is the note shown over the empty list when the search finds
// nothing.
func (s *Sidebar) noMatches() fyne.CanvasObject {
	s.none = widget.NewLabel("")
	s.none.Alignment = fyne.TextAlignCenter
	s.none.Wrapping = fyne.TextWrapWord
	s.none.Hide()
	return container.NewVBox(widget.NewLabel(""), s.none)
}

// NoMatches is the note shown when the search finds nothing, or "".
func (s *Sidebar) NoMatches() string {
	if !s.none.Visible() {
		return ""
	}
	return s.none.Text
}

func (s *Sidebar) updateNoMatches() {
	found := s.filter == ""
	for _, n := range s.accounts {
		if n.loading || n.err != nil || len(s.matching(n)) > 0 {
			found = true
		}
	}
	if found {
		s.none.Hide()
		return
	}
	s.none.SetText(fmt.Sprintf("No devices match %q.\nPress Esc to clear the search.", strings.TrimSpace(s.search.Text)))
	s.none.Show()
}

// matching returns an account's devices that match the search, in natural
// order of their names ("Camera 2" before "Camera 10").
func (s *Sidebar) matching(n *accountNode) []session.Device {
	var out []session.Device
	for _, d := range n.devices {
		if s.filter != "" && !strings.Contains(strings.ToLower(d.Name+" "+d.ID+" "+string(d.Type)), s.filter) {
			continue
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b session.Device) int {
		if c := naturalCompare(a.Name, b.Name); c != 0 {
			return c
		}
		return naturalCompare(a.ID, b.ID)
	})
	return out
}

// naturalCompare orders strings case-insensitively with runs of digits
// compared by their value.
func naturalCompare(a, b string) int {
	ar, br := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	i, j := 0, 0
	for i < len(ar) && j < len(br) {
		if unicode.IsDigit(ar[i]) && unicode.IsDigit(br[j]) {
			si, sj := i, j
			for i < len(ar) && unicode.IsDigit(ar[i]) {
				i++
			}
			for j < len(br) && unicode.IsDigit(br[j]) {
				j++
			}
			na := strings.TrimLeft(string(ar[si:i]), "0")
			nb := strings.TrimLeft(string(br[sj:j]), "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if ar[i] != br[j] {
			return int(ar[i]) - int(br[j])
		}
		i++
		j++
	}
	return (len(ar) - i) - (len(br) - j)
}

// onSelected remembers the selected row; Add to wall works for devices.
func (s *Sidebar) onSelected(uid widget.TreeNodeID) {
	s.selected = uid
	if _, _, ok := s.device(uid); ok {
		s.add.Enable()
	} else {
		s.add.Disable()
	}
}

// Selected returns the selected source, or "".
func (s *Sidebar) Selected() string {
	src, _, _ := s.device(s.selected)
	return src
}

// Refresh redraws the rows, for example after the wall changed.
func (s *Sidebar) Refresh() { s.tree.Refresh() }
