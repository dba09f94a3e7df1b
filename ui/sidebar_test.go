package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session"
)

type fakeDirectory struct {
	devs []session.Device
	err  error
}

func (f fakeDirectory) Devices(context.Context) ([]session.Device, error) { return f.devs, f.err }

func TestSidebarListsFiltersAndOpens(t *testing.T) {
	test.NewTempApp(t)
	s := NewSidebar([]Account{
		{Name: "home", Kind: "tuya", Directory: fakeDirectory{devs: []session.Device{
			{ID: "cam1", Name: "Front door", Type: session.TypeCamera, Online: true},
			{ID: "cam2", Name: "Garage", Type: session.TypeCamera},
		}}},
		{Name: "site", Kind: "een", Directory: fakeDirectory{err: &session.RemoteError{Reason: "Token not valid", Err: session.ErrUnauthorized}}},
	})
	test.NewTempWindow(t, s.Object())
	// Load fetches on goroutines and hands the results to do(); drainUI
	// applies them here, as the main loop would.
	s.Load(context.Background())
	s.Wait()
	drainUI()
	if !s.Loaded() {
		t.Fatal("not loaded after Wait")
	}
	if got := s.children("a:home"); len(got) != 2 || got[0] != "d:home/cam1" {
		t.Fatalf("home children %v", got)
	}
	if got := s.children("a:site"); len(got) != 1 || got[0] != "e:site" {
		t.Fatalf("a failing account shows %v, want its error row", got)
	}
	test.Type(s.search, "gar")
	if got := s.children("a:home"); len(got) != 1 || got[0] != "d:home/cam2" {
		t.Fatalf("search 'gar' shows %v", got)
	}
	var opened, title string
	s.OnOpen = func(src, t string) { opened, title = src, t }
	row := newDeviceRow(s)
	s.updateNode("d:home/cam2", false, row)
	test.DoubleTap(row)
	if opened != "home/cam2" || title != "Garage" {
		t.Fatalf("double-click opened %q %q", opened, title)
	}
	if row.label.Text != "Garage" {
		t.Fatalf("row shows %q", row.label.Text)
	}
	// Dragging a row and letting go over the wall opens it; elsewhere not.
	opened = ""
	s.DropTarget = func(p fyne.Position) bool { return p.X > 300 }
	row.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: fyne.NewPos(100, 50)}})
	row.DragEnd()
	if opened != "" {
		t.Fatalf("a drop outside the wall opened %q", opened)
	}
	row.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: fyne.NewPos(500, 50)}})
	row.DragEnd()
	if opened != "home/cam2" {
		t.Fatalf("a drop on the wall opened %q", opened)
	}

	errRow := newDeviceRow(s)
	s.updateNode("e:site", false, errRow)
	if errRow.label.Text != "error: Token not valid" {
		t.Fatalf("error row shows %q", errRow.label.Text)
	}
}

func TestSidebarClickSelectsAndWallMarks(t *testing.T) {
	test.NewTempApp(t)
	s := NewSidebar([]Account{{Name: "home", Kind: "tuya", Directory: fakeDirectory{devs: []session.Device{
		{ID: "c10", Name: "Camera 10", Type: session.TypeCamera, Online: true},
		{ID: "c2", Name: "Camera 2", Type: session.TypeCamera, Online: true},
		{ID: "c1", Name: "camera 1", Type: session.TypeCamera},
	}}}})
	test.NewTempWindow(t, s.Object())
	s.Load(context.Background())
	s.Wait()
	drainUI()
	if got := s.children("a:home"); strings.Join(got, " ") != "d:home/c1 d:home/c2 d:home/c10" {
		t.Fatalf("order %v, want natural order of the names", got)
	}
	wall, _ := newTestWall(t)
	s.OnOpen = func(src, title string) { wall.Add(src, title) }
	s.OnWall = func(src string) bool { return wall.index(src) >= 0 }
	if !s.add.Disabled() {
		t.Fatal("Add to wall is enabled with nothing selected")
	}
	// A single click on the name (the row widget) selects the device.
	row := newDeviceRow(s)
	s.updateNode("d:home/c2", false, row)
	test.Tap(row)
	if s.Selected() != "home/c2" || s.add.Disabled() {
		t.Fatalf("click selected %q (add disabled %v)", s.Selected(), s.add.Disabled())
	}
	test.Tap(s.add)
	if got := wall.Sources(); len(got) != 1 || got[0] != "home/c2" {
		t.Fatalf("Add to wall put %v", got)
	}
	s.updateNode("d:home/c2", false, row)
	if !strings.Contains(row.detail.Text, "on the wall") {
		t.Fatalf("a device on the wall shows %q", row.detail.Text)
	}
	other := newDeviceRow(s)
	s.updateNode("d:home/c10", false, other)
	if strings.Contains(other.detail.Text, "on the wall") {
		t.Fatalf("a device not on the wall shows %q", other.detail.Text)
	}
	// Adding it again adds nothing and highlights its tile.
	test.Tap(s.add)
	if len(wall.Sources()) != 1 || !wall.Tiles()[0].Highlighted() {
		t.Fatalf("second add: %v, highlighted %v", wall.Sources(), wall.Tiles()[0].Highlighted())
	}
	// An account row selected: nothing to add.
	s.tree.Select("a:home")
	if !s.add.Disabled() {
		t.Fatal("Add to wall is enabled for an account row")
	}
}

func TestSearchClearsAndSaysNoMatches(t *testing.T) {
	test.NewTempApp(t)
	s := NewSidebar([]Account{{Name: "home", Kind: "tuya", Directory: fakeDirectory{devs: []session.Device{
		{ID: "cam1", Name: "Front door", Type: session.TypeCamera, Online: true},
	}}}})
	w := test.NewTempWindow(t, s.Object())
	s.Load(context.Background())
	s.Wait()
	drainUI()
	for _, tc := range []struct {
		name, typed string
		clear       bool
		none        string
	}{
		{"a match", "front", true, ""},
		{"no match", "zzz", true, `No devices match "zzz"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.search.SetText("")
			test.Type(s.search, tc.typed)
			if s.search.ClearVisible() != tc.clear || !strings.HasPrefix(s.NoMatches(), tc.none) || (tc.none == "") != (s.NoMatches() == "") {
				t.Fatalf("clear %v, note %q", s.search.ClearVisible(), s.NoMatches())
			}
			w.Canvas().Focus(s.search)
			s.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
			if s.search.Text != "" || s.search.ClearVisible() || s.NoMatches() != "" || len(s.children("a:home")) != 1 {
				t.Fatalf("after Esc: %q, clear %v, note %q", s.search.Text, s.search.ClearVisible(), s.NoMatches())
			}
		})
	}
	test.Type(s.search, "door")
	test.Tap(s.search.clear)
	if s.search.Text != "" {
		t.Fatalf("the clear button left %q", s.search.Text)
	}
}

func TestNaturalCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"Camera 2", "Camera 10", true},
		{"Camera 10", "Camera 2", false},
		{"camera 1", "Camera 2", true},
		{"Cam 02", "Cam 3", true},
		{"Garage", "Front door", false},
		{"Lobby", "Lobby 1", true},
	} {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			if got := naturalCompare(tc.a, tc.b) < 0; got != tc.less {
				t.Fatalf("%q < %q = %v", tc.a, tc.b, got)
			}
		})
	}
}
