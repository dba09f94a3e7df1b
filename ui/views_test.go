package ui

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// liveOpener counts the sessions open now per device: an Open holds its
// session until its context ends (the tile's session ended).
type liveOpener struct {
	mu    sync.Mutex
	live  map[string]int
	opens map[string]int
	q     map[string]session.Quality
}

func newLiveOpener() *liveOpener {
	return &liveOpener{live: map[string]int{}, opens: map[string]int{}, q: map[string]session.Quality{}}
}

func (o *liveOpener) opened(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.opens[id]
}

func (o *liveOpener) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	o.mu.Lock()
	o.opens[id]++
	o.live[id]++
	o.q[id] = q
	o.mu.Unlock()
	<-ctx.Done()
	o.mu.Lock()
	o.live[id]--
	o.mu.Unlock()
	return nil, ctx.Err()
}

// running returns the devices with a session open, sorted.
func (o *liveOpener) running() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for id, n := range o.live {
		if n > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (o *liveOpener) quality(id string) session.Quality {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.q[id]
}

// entrancesAndParking is a wall.json in the test's folder with two views:
// Entrances (acc/door, acc/gate) and Parking (acc/lot1), both 2x2.
func entrancesAndParking(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wall.json")
	if err := SaveState(path, WallState{Views: []model.View{
		{Name: "Entrances", Layout: Layout2x2, Sources: []string{"acc/door", "acc/gate"}},
		{Name: "Parking", Layout: Layout2x2, Sources: []string{"acc/lot1"}},
	}}); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildStateWindow builds a window on the state file path, as a start of
// the app does.
func buildStateWindow(t *testing.T, a fyne.App, path string, op session.Opener) (*window, func()) {
	t.Helper()
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{StatePath: path,
		NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}}
	devs := []session.Device{{ID: "door", Name: "Door", Online: true}, {ID: "gate", Name: "Gate", Online: true},
		{ID: "lot1", Name: "Lot 1", Online: true}, {ID: "lot2", Name: "Lot 2", Online: true}}
	win.build(ctx, []Account{{Name: "acc", Kind: "tuya", Opener: op, Directory: fakeDirectory{devs: devs}}})
	win.sidebar.Wait()
	drainUI()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			win.shutdown()
		})
	}
	t.Cleanup(stop)
	return win, stop
}

func ctrlDigit(c fyne.Canvas, k fyne.KeyName) {
	shortcut(c, &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierControl})
}

// TestViewsSwitchAndPersist: an old single-wall state loads as one view;
// a new view gets its own tiles and layout; only the shown view's tiles run
// sessions; Ctrl+1 and Ctrl+2 and the toolbar's switcher switch; rename,
// duplicate and delete work; and a restart shows the same views, the same
// one in front, with its tiles running and the others' not.
func TestViewsSwitchAndPersist(t *testing.T) {
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "wall.json")
	// A state file written before views.
	if err := SaveState(path, WallState{Layout: Layout2x2, Sources: []string{"acc/door", "acc/gate"}}); err != nil {
		t.Fatal(err)
	}
	op := newLiveOpener()
	win, stop := buildStateWindow(t, a, path, op)
	c := win.w.Canvas()
	if got := win.wall.viewsModel().Names(); !slices.Equal(got, []string{model.DefaultViewName}) {
		t.Fatalf("old state loads as views %v", got)
	}
	waitFor(t, "the old wall's tiles running", func() bool { return slices.Equal(op.running(), []string{"door", "gate"}) })
	if err := win.renameView("Entrances"); err != nil {
		t.Fatal(err)
	}
	if err := win.newView("Parking"); err != nil {
		t.Fatal(err)
	}
	if win.wall.CurrentView() != 1 || len(win.wall.Sources()) != 0 || win.viewSel.Selected != "Parking" {
		t.Fatalf("new view: shown %d, tiles %v, switcher %q", win.wall.CurrentView(), win.wall.Sources(), win.viewSel.Selected)
	}
	win.wall.Add("acc/lot1", "Lot 1")
	win.wall.Add("acc/lot2", "Lot 2")
	win.wall.SetLayout(Layout1)
	// Only the shown view's tiles run: the entrances' sessions end, and
	// the 1x1 layout shows one parking tile (on its main stream).
	waitFor(t, "only Parking's shown tile running", func() bool { return slices.Equal(op.running(), []string{"lot1"}) })
	if q := op.quality("lot1"); q != session.QualityMain {
		t.Errorf("a 1x1 tile plays %q", q)
	}
	win.wall.NextPage()
	waitFor(t, "lot2 shown", func() bool { return slices.Equal(op.running(), []string{"lot2"}) })
	ctrlDigit(c, fyne.Key1)
	if win.wall.CurrentView() != 0 || win.wall.Mode() != Layout2x2 || win.viewSel.Selected != "Entrances" ||
		win.layouts.selected != Layout2x2 || !slices.Equal(win.wall.Sources(), []string{"acc/door", "acc/gate"}) {
		t.Fatalf("Ctrl+1: view %d, layout %s (picker %s), tiles %v", win.wall.CurrentView(), win.wall.Mode(), win.layouts.selected, win.wall.Sources())
	}
	if got := win.wall.Tiles()[0].Title; got != "Door" {
		t.Errorf("a view shown again names its tiles from the list: %q", got)
	}
	waitFor(t, "only Entrances running", func() bool { return slices.Equal(op.running(), []string{"door", "gate"}) })
	// Ctrl+9 with two views does nothing.
	ctrlDigit(c, fyne.Key9)
	if win.wall.CurrentView() != 0 {
		t.Fatalf("Ctrl+9 moved to view %d", win.wall.CurrentView())
	}
	ctrlDigit(c, fyne.Key2)
	if win.wall.CurrentView() != 1 || win.wall.Mode() != Layout1 || win.wall.Page() != 1 {
		t.Fatalf("Ctrl+2: view %d layout %s page %d", win.wall.CurrentView(), win.wall.Mode(), win.wall.Page())
	}
	// The toolbar's switcher shows the first view again.
	win.viewSel.SetSelectedIndex(0)
	drainUI()
	if win.wall.CurrentView() != 0 {
		t.Fatalf("the switcher left view %d shown", win.wall.CurrentView())
	}
	if err := win.duplicateView(""); err != nil {
		t.Fatal(err)
	}
	if got := win.wall.viewsModel().Names(); !slices.Equal(got, []string{"Entrances", "Entrances copy", "Parking"}) || win.wall.CurrentView() != 1 {
		t.Fatalf("after duplicate: %v, shown %d", got, win.wall.CurrentView())
	}
	if !slices.Equal(win.wall.Sources(), []string{"acc/door", "acc/gate"}) {
		t.Fatalf("the copy shows %v", win.wall.Sources())
	}
	if err := win.renameView("parking"); err == nil {
		t.Fatal("renaming onto another view's name was accepted")
	}
	if err := win.deleteView(); err != nil {
		t.Fatal(err)
	}
	if got := win.wall.viewsModel().Names(); !slices.Equal(got, []string{"Entrances", "Parking"}) || win.wall.CurrentView() != 0 {
		t.Fatalf("after delete: %v, shown %d", got, win.wall.CurrentView())
	}
	ctrlDigit(c, fyne.Key2)
	stop()
	if got := op.running(); len(got) != 0 {
		t.Fatalf("sessions after the window closed: %v", got)
	}

	// A restart: the same views, Parking in front on its layout and page.
	st, _, err := LoadState(path)
	if err != nil || len(st.Views) != 2 || st.View != 1 || strings.Join(st.Sources, " ") != "acc/lot1 acc/lot2" {
		t.Fatalf("saved %+v, %v", st, err)
	}
	op2 := newLiveOpener()
	win2, _ := buildStateWindow(t, a, path, op2)
	if got := win2.wall.viewsModel().Names(); !slices.Equal(got, []string{"Entrances", "Parking"}) || win2.wall.CurrentView() != 1 {
		t.Fatalf("restarted views %v shown %d", got, win2.wall.CurrentView())
	}
	if win2.wall.Mode() != Layout1 || !slices.Equal(win2.wall.Sources(), []string{"acc/lot1", "acc/lot2"}) || win2.viewSel.Selected != "Parking" {
		t.Fatalf("restarted Parking: %s %v (switcher %q)", win2.wall.Mode(), win2.wall.Sources(), win2.viewSel.Selected)
	}
	if win2.wall.Page() != 1 {
		t.Fatalf("restarted Parking on page %d", win2.wall.Page())
	}
	waitFor(t, "Parking's shown tile running after the restart", func() bool { return slices.Equal(op2.running(), []string{"lot2"}) })
	ctrlDigit(win2.w.Canvas(), fyne.Key1)
	if !slices.Equal(win2.wall.Sources(), []string{"acc/door", "acc/gate"}) || win2.wall.Mode() != Layout2x2 {
		t.Fatalf("restarted Entrances: %s %v", win2.wall.Mode(), win2.wall.Sources())
	}
	waitFor(t, "Entrances running after the restart", func() bool { return slices.Equal(op2.running(), []string{"door", "gate"}) })
}
