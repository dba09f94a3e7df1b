package ui

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session"
)

// TestSidebarDotsFollowTheTiles: with the service down (its tile cannot
// connect) a device listed online is shown unreachable and the account's
// other devices unknown, not green; an offline answer shows offline; a
// live tile shows online again; the dot's colour and the row's words agree.
func TestSidebarDotsFollowTheTiles(t *testing.T) {
	test.NewTempApp(t)
	s := NewSidebar([]Account{
		{Name: "home", Kind: "tuya", Directory: fakeDirectory{devs: []session.Device{
			{ID: "cam1", Name: "Front door", Type: session.TypeCamera, Online: true},
			{ID: "cam2", Name: "Garage", Type: session.TypeCamera, Online: true},
			{ID: "cam3", Name: "Shed", Type: session.TypeCamera},
		}}},
		{Name: "site", Kind: "een", Directory: fakeDirectory{devs: []session.Device{
			{ID: "dock", Name: "Dock", Type: session.TypeCamera, Online: true},
		}}},
	})
	test.NewTempWindow(t, s.Object())
	tiles := map[string]session.Status{}
	s.TileStatus = func(src string) (session.Status, bool) { st, ok := tiles[src]; return st, ok }
	s.Load(context.Background())
	s.Wait()
	drainUI()

	check := func(when string, want map[string]string) {
		t.Helper()
		s.Sync()
		for src, w := range want {
			if got := s.Reach(src); got != w {
				t.Errorf("%s: %s is %q, want %q", when, src, got, w)
			}
			row := newDeviceRow(s)
			s.updateNode("d:"+src, false, row)
			r := s.reaches[src]
			if row.dot.FillColor != reachColors[r] {
				t.Errorf("%s: %s's dot is %v, want %v", when, src, row.dot.FillColor, reachColors[r])
			}
			if w != "online" && !strings.HasSuffix(row.detail.Text, " · "+w) {
				t.Errorf("%s: %s's row says %q", when, src, row.detail.Text)
			}
		}
	}
	check("as listed", map[string]string{"home/cam1": "online", "home/cam2": "online", "home/cam3": "offline", "site/dock": "online"})

	refused := fmt.Errorf("tuya: token: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	tiles["home/cam1"] = session.Status{State: session.StateRetrying, Err: refused, RetryAt: time.Now().Add(time.Minute)}
	check("service down", map[string]string{"home/cam1": "unreachable", "home/cam2": "state unknown", "home/cam3": "state unknown", "site/dock": "online"})

	tiles["home/cam1"] = session.Status{State: session.StateRetrying, Err: &session.RemoteError{Reason: "device is offline", Err: session.ErrOffline}}
	check("device offline", map[string]string{"home/cam1": "offline", "home/cam2": "online", "home/cam3": "offline"})

	tiles["home/cam3"] = session.Status{State: session.StateLive}
	tiles["home/cam1"] = session.Status{State: session.StateRetrying, Err: refused}
	check("one tile live", map[string]string{"home/cam1": "unreachable", "home/cam2": "online", "home/cam3": "online"})
}

// TestSharedNamesShowTheirAccount: devices of different accounts with the
// same name ("lobby" camera, WCS stream, WHEP stream) are titled with
// their account, on the wall and when opened; a name of its own is not.
func TestSharedNamesShowTheirAccount(t *testing.T) {
	test.NewTempApp(t)
	s := NewSidebar([]Account{
		{Name: "demo", Kind: "tuya", Directory: fakeDirectory{devs: []session.Device{
			{ID: "cam1", Name: "lobby", Type: session.TypeCamera, Online: true},
			{ID: "cam2", Name: "Garage", Type: session.TypeCamera, Online: true},
		}}},
		{Name: "demo-wcs", Kind: "wcs", Directory: fakeDirectory{devs: []session.Device{
			{ID: "lobby", Name: "lobby", Type: session.TypeCamera, Online: true},
		}}},
	})
	test.NewTempWindow(t, s.Object())
	titles := map[string]string{}
	s.OnTitle = func(src, title string) { titles[src] = title }
	// A first start fills the wall as the lists come in, with the
	// devices' own names: the titles follow.
	s.OnLoaded = func(acc string, devs []session.Device) {
		for _, d := range devs {
			titles[acc+"/"+d.ID] = d.Name
		}
	}
	s.Load(context.Background())
	s.Wait()
	drainUI()
	for src, want := range map[string]string{"demo/cam1": "lobby · demo", "demo-wcs/lobby": "lobby · demo-wcs", "demo/cam2": "Garage"} {
		if titles[src] != want {
			t.Errorf("%s titled %q, want %q", src, titles[src], want)
		}
	}
	var opened string
	s.OnOpen = func(_, title string) { opened = title }
	row := newDeviceRow(s)
	s.updateNode("d:demo-wcs/lobby", false, row)
	test.DoubleTap(row)
	if opened != "lobby · demo-wcs" {
		t.Fatalf("opened as %q", opened)
	}
	if row.label.Text != "lobby" {
		t.Fatalf("the row under its account reads %q", row.label.Text)
	}
}
