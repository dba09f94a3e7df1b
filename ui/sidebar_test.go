package ui

import (
	"context"
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
