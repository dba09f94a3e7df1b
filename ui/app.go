// Package ui is Lookout's desktop window: the device list, the multi-camera
// wall and its tiles. It is the only package that uses Fyne; sessions and
// players reach it as values through fyne.Do.
package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/assets"
	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/ui/x11"
)

// AppID is the application id of FyneApp.toml.
const AppID = "app.lookout.desk"

// Options is what the window is given by main.
type Options struct {
	Accounts   []Account
	NewDecoder func(mimeType string) (player.Decoder, error)
	Logger     *slog.Logger
	// StatePath is the wall state file; empty keeps nothing.
	StatePath string
	// Title is shown in the window's title bar.
	Title string
	// DefaultTiles is how many cameras a first start puts on the wall.
	DefaultTiles int
	// ConfigError, when set, is shown first with an offer to open the demo
	// site through OpenDemo.
	ConfigError error
	OpenDemo    func(ctx context.Context) ([]Account, error)
	// ConfigPath is the config file, for "Open config folder".
	ConfigPath string
	// Size is the initial window size; zero means 1280x720.
	Size fyne.Size
	// Audio is the sound system (nil: none, AudioProblem says why); the
	// window opens the speaker and microphone chosen in the pre-check, or
	// the default ones. Their absence disables talk with the reason shown.
	Audio        check.AudioDevices
	AudioProblem string
	// NewAudioDecoder and NewAudioEncoder make the codecs of camera audio
	// and talk.
	NewAudioDecoder func(mimeType string, clockRate, channels int, out audio.Format) (session.AudioDecoder, error)
	NewAudioEncoder func(mimeType string, in audio.Format, frameSamples int) (session.AudioEncoder, error)
	// Manager, when set, lets the window add, test, edit and remove accounts.
	Manager *AccountManager
	// Actions serve the tiles' snapshot and record buttons.
	Actions *TileActions
	// Diagnostics feeds the diagnostics export.
	Diagnostics *Diagnostics
	// DisplayLost, when set, is called once the X server went away
	// (logout, crash) and the window has shut down without it: every
	// recording finalised, every session ended. It is called on a goroutine
	// of its own, at most displayLostGrace after the loss even when the
	// shutdown has not finished (then err also wraps ErrShutdownSlow), and
	// it must end the process: Run never returns after the loss, since the
	// thread of Fyne's loop stays parked where it met the broken connection
	// (ui/x11). Unset, Xlib's default applies: it exits at once, and
	// recordings in progress are not finalised.
	DisplayLost func(err error)
	// Renderer is how live pictures reach the screen: RendererAuto (or
	// ""), RendererX11 or RendererFyne (present.go).
	Renderer string
}

// ErrShutdownSlow means the window's shutdown after the loss of its display
// had not finished within displayLostGrace.
var ErrShutdownSlow = errors.New("ui: the shutdown did not finish in time")

// displayLostGrace bounds the shutdown after the X server went away: the
// process ends within 2 s of losing its display, whatever is still
// running.
const displayLostGrace = 1500 * time.Millisecond

// Run opens the window and blocks until it is closed or ctx ends. Every
// session has ended when it returns.
func Run(ctx context.Context, opt Options) error {
	if err := setRenderer(opt.Renderer); err != nil {
		return err
	}
	a := app.NewWithID(AppID)
	savePrefs := takeStopHook(a)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := a.NewWindow(opt.Title)
	if opt.Size.IsZero() {
		opt.Size = fyne.NewSize(1280, 720)
	}
	w.Resize(opt.Size)
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	setPresentLog(log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	win := &window{opt: opt, log: log, w: w, a: a}
	var lost <-chan struct{}
	if opt.DisplayLost != nil {
		lost = x11.CatchLoss()
	}
	runEnded, watchEnded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watchEnded)
		win.watchDisplay(lost, runEnded, cancel, func() { win.shutdownOnce.Do(win.shutdown) })
	}()
	if opt.ConfigError != nil {
		win.showConfigError(ctx)
	} else {
		win.build(ctx, opt.Accounts)
	}
	stopWatch := context.AfterFunc(ctx, func() { do(a.Quit) })
	defer stopWatch()
	// Closing the window hides it at once and quits the app the way an
	// interrupt does: Fyne's own close path (destroying the window, then
	// quitting) took one to three seconds under Xvfb.
	var closing time.Time
	w.SetCloseIntercept(func() {
		closing = time.Now()
		w.Hide()
		cancel()
	})
	w.SetMaster()
	w.ShowAndRun()
	savePrefs()
	cancel()
	win.shutdownOnce.Do(win.shutdown)
	close(runEnded)
	<-watchEnded
	if !closing.IsZero() {
		log.Info("window closed", "shutdown_ms", time.Since(closing).Milliseconds())
	}
	return nil
}

type window struct {
	opt      Options
	accounts []Account
	snd      *sound
	log      *slog.Logger
	w        fyne.Window
	a        fyne.App
	wall     *Wall
	sidebar  *Sidebar
	status   *widget.Label
	pageLbl  *widget.Label
	prev     *widget.Button
	next     *widget.Button
	layouts  *layoutPicker
	notice   *noticeBar
	undoBar  *undoBar
	warm     *widget.Check // "Keep hidden pages connected"
	geom     windowGeom    // the size and maximised state remembered
	banner   *canvas.Text  // says the demo runs because the config is broken
	openURL  func(*url.URL) error
	done     chan struct{}
	extra    windowExtras
	// shutdownOnce runs shutdown once: after Fyne's loop, or after the
	// loss of the display (watchDisplay), whichever comes first.
	shutdownOnce sync.Once
	// viewSel is the view switcher; savedAudio are the speakers of every
	// view, for the views shown before their directory answers (views.go).
	viewSel    *widget.Select
	savedAudio map[string]AudioTileState
	tour       *touring      // the shown view's tour (tour.go)
	others     []*viewWindow // views open in windows of their own (windows.go)
}

func (win *window) factory(accounts []Account) SessionFactory {
	return func(source string, q session.Quality) (session.Config, error) {
		name, id, _ := strings.Cut(source, "/")
		for _, a := range win.accounts {
			if a.Name == name {
				cfg := session.Config{
					Source: source, ID: id, Opener: a.Opener, Refresh: a.Refresh, Quality: q,
					NewDecoder: win.opt.NewDecoder, Logger: win.log,
					NewAudioDecoder: win.opt.NewAudioDecoder, NewAudioEncoder: win.opt.NewAudioEncoder,
				}
				cfg.AudioFormat = SpeakerFormat
				if c := win.snd.MicCleaner(); c != nil {
					cfg.Cleaner = c
				}
				return cfg, nil
			}
		}
		return session.Config{}, fmt.Errorf("no account %q in the config", name)
	}
}

func (win *window) build(ctx context.Context, accounts []Account) {
	win.accounts = accounts
	win.wall = NewWall(ctx, win.factory(accounts), win.log)

	win.sidebar = NewSidebar(accounts)
	win.wall.RoomOf = win.sidebar.roomMembers
	win.sidebar.OnOpen = win.openSource
	win.sidebar.DropTarget = func(p fyne.Position) bool {
		o := win.wall.Object()
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		s := o.Size()
		return p.X >= at.X && p.Y >= at.Y && p.X < at.X+s.Width && p.Y < at.Y+s.Height
	}
	win.sidebar.OnDrag = win.wall.DragOver
	win.sidebar.OnDrop = func(src, title string, at fyne.Position) {
		if win.wall.DropAt(src, title, at) {
			win.wall.SetTalk(src, win.sidebar.Talk(src))
			if d, ok := win.sidebar.deviceOf(src); ok {
				win.wall.SetDevice(src, d)
			}
		}
	}
	st, found, err := LoadState(win.opt.StatePath)
	if err != nil {
		win.log.Warn("wall state unreadable; starting afresh", "err", err)
	}
	win.restoreGeometry(st.Window)
	win.snd = newSound(win.opt.Audio, win.opt.AudioProblem, st.Speaker, st.Microphone)
	win.applyTalkStages()
	win.wall.setSound(win.snd)
	views := st.views()
	win.wall.SetViews(views)
	if cur := views.CurrentView(); found {
		st.Layout, st.Page, st.Sources = cur.Layout, cur.Page, cur.Sources
	}
	if found && st.Layout != "" {
		win.wall.mode = st.Layout
	}
	win.wall.KeepWarm = st.KeepWarm
	win.wall.OnChange = func() {
		win.saveState()
		win.sidebar.Refresh()
	}
	win.sidebar.OnWall = func(src string) bool { return win.wall.index(src) >= 0 }
	win.sidebar.TileStatus = win.wall.tileStatus
	win.sidebar.OnTitle = win.wall.SetTitle
	restore := func() {
		audio := map[string]AudioTileState{}
		for _, a := range st.Audio {
			audio[a.Source] = a
		}
		win.savedAudio = audio
		for _, src := range st.Sources {
			if a, ok := audio[src]; ok {
				_, id, _ := strings.Cut(src, "/")
				win.wall.AddSpeaker(src, cmp.Or(a.Name, id), session.Device{ID: id, Name: a.Name,
					Type: session.TypeSpeaker, Talk: a.Talk, SendOnly: a.SendOnly})
				continue
			}
			win.wall.Add(src, src)
		}
		win.wall.setPage(st.Page)
	}
	filled := found // a first start fills the wall once every list is in
	win.sidebar.OnLoaded = func(account string, devs []session.Device) {
		for _, d := range devs {
			win.wall.SetTalk(account+"/"+d.ID, d.Talk)
			win.wall.SetDevice(account+"/"+d.ID, d)
			if d.Type == session.TypeRoom && win.wall.index(account+"/"+d.ID) >= 0 {
				// A room restored before its account's list said it is one
				// opens its members now.
				win.wall.roomAdded(account + "/" + d.ID)
			}
		}
		if !filled && win.sidebar.Loaded() {
			filled = true
			win.fillDefault(accounts)
			win.wall.setHint(emptyWallHint)
		}
	}

	// Every toolbar control gives the keyboard back to the wall once used
	// (backToWall): a click on a button or a checkbox never leaves the
	// wall's keys without a taker.
	win.layouts = newLayoutPicker(win.wall.Mode(), func(m string) {
		win.wall.SetLayout(m)
		win.updateStatus()
		win.backToWall()
	})
	win.pageLbl = widget.NewLabel("")
	// The page buttons are arrows (their keys, PgUp and PgDn, are on the
	// shortcut sheet), narrow enough for the layout buttons beside them
	// in a 1280-wide window.
	win.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { win.wall.PrevPage(); win.updateStatus(); win.backToWall() })
	win.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { win.wall.NextPage(); win.updateStatus(); win.backToWall() })
	warm := widget.NewCheck("Keep hidden pages connected", func(on bool) {
		win.wall.KeepWarm = on
		win.wall.apply()
		win.saveState()
		win.backToWall()
	})
	warm.SetChecked(st.KeepWarm)
	win.warm = warm
	precheck := widget.NewButton("Pre-check…", func() { win.openPrecheck(ctx); win.backToWall() })
	// The toolbar spans the window, above the sidebar and the wall, so
	// the wall's width does not have to hold it all.
	tools := container.NewHBox(precheck)
	for _, o := range win.tools(ctx) {
		if b, ok := o.(*widget.Button); ok && b.OnTapped != nil {
			tapped := b.OnTapped
			b.OnTapped = func() { tapped(); win.backToWall() }
		}
		tools.Objects = append(tools.Objects, o)
	}
	// The layout buttons become a drop-down where the window is too narrow
	// for them and the paging controls; past those the row scrolls sideways
	// rather than widen the window past a small screen (the window's
	// minimum is the wall's smallest cells, the sidebar's and the tools');
	// the tools stay put.
	toolbar := container.NewBorder(nil, nil, nil, tools,
		newToolRow(win.layouts.row, win.layouts.compact, win.next,
			win.viewSwitcher(ctx), win.layouts.row, win.layouts.compact, win.prev, win.pageLbl, win.next, warm))
	win.status = widget.NewLabel("")
	win.status.Truncation = fyne.TextTruncateEllipsis
	win.notice = newNoticeBar(func() fyne.Window { return win.w })
	win.soundChanged()
	split := container.NewHSplit(win.sidebar.Object(), win.wall.Object())
	split.Offset = 0.2
	win.undoBar = newUndoBar(func() { win.undo(); win.backToWall() })
	win.wall.OnRemoved = win.undoBar.offer
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(win.undoBar.box, win.notice.box, win.eventsButton()), win.status)
	win.w.SetContent(container.NewBorder(toolbar, bottom, nil, nil, win.withEvents(split)))
	win.w.Canvas().SetOnTypedKey(win.typedKey)
	win.wall.OnKey = win.typedKey
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyLeft, Modifier: fyne.KeyModifierControl},
		func() { win.wall.MoveFocused(-1) })
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyRight, Modifier: fyne.KeyModifierControl},
		func() { win.wall.MoveFocused(1) })
	// Fyne's driver turns Ctrl+Z into its Undo shortcut, never into a
	// custom one.
	win.shortcut(&fyne.ShortcutUndo{}, win.undo)
	win.installViewKeys()
	win.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: fyne.KeyModifierShortcutDefault},
		func() { win.openPrecheck(ctx) })

	if !found && len(accounts) > 0 {
		// A first start fills the wall once the lists are in: until
		// then the wall says so, not how to fill it by hand.
		win.wall.setHint(loadingWallHint)
	}
	win.sidebar.Load(ctx)
	if found {
		// Titles arrive with the device lists; show the tiles at once with
		// their sources and let the names follow.
		restore()
		win.reopenWindows(ctx)
	}
	win.done = make(chan struct{})
	go win.tick(ctx)
}

// fillDefault puts the first online cameras of the loaded lists on the wall.
func (win *window) fillDefault(accounts []Account) {
	added := 0
	for _, a := range accounts {
		for _, d := range win.sidebar.Devices(a.Name) {
			if added < win.opt.DefaultTiles && d.Online && (d.Type == session.TypeCamera || d.Type == session.TypeStream) {
				win.wall.Add(a.Name+"/"+d.ID, d.Name)
				win.wall.SetTalk(a.Name+"/"+d.ID, d.Talk)
				win.wall.SetDevice(a.Name+"/"+d.ID, d)
				added++
			}
		}
	}
}

func (win *window) saveState() {
	if win.opt.StatePath == "" || win.wall == nil {
		return
	}
	views := win.wall.Views()
	st := WallState{Layout: win.wall.Mode(), Page: win.wall.Page(), Sources: win.wall.savedSources(), KeepWarm: win.wall.KeepWarm, Window: win.geometry(),
		Speaker: win.snd.speakerID, Microphone: win.snd.micID, Audio: win.savedAudioOf(views), Views: views.List(), View: views.Current()}
	if err := SaveState(win.opt.StatePath, st); err != nil {
		win.log.Warn("cannot save the wall layout", "file", win.opt.StatePath, "err", err)
	}
}

// tick refreshes the status bar once a second.
func (win *window) tick(ctx context.Context) {
	defer close(win.done)
	defer win.startTour(ctx)() // the tour's steps end before done closes
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var cpu cpuMeter
	var line statusLine // used on the Fyne goroutine only
	last := time.Now()
	minWatch := win.newMinimisedWatch()
	defer minWatch.close()
	ptrWatch := win.newPointerWatch() // pointerleave.go
	defer ptrWatch.close()
	var poll <-chan time.Time
	if minWatch != nil || ptrWatch != nil {
		pt := time.NewTicker(minimisedPoll)
		defer pt.Stop()
		poll = pt.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll:
			if ctx.Err() == nil { // select picks at random among ready cases
				if minWatch != nil {
					minWatch.poll(win)
				}
				ptrWatch.poll(win)
			}
		case <-t.C:
			if ctx.Err() != nil {
				// The window is quitting: once Fyne's loop has ended, a
				// call handed to it would wait for ever.
				return
			}
			pct := cpu.percent()
			// On the seconds clock, with the tiles' own once-a-second
			// changes (idleclock.go): one repaint a second, not two.
			seconds.put(win, func() bool {
				now := time.Now() // the paint counts' interval ends here
				secs := now.Sub(last).Seconds()
				last = now
				live, tiles, decoded := win.allTiles() // every window's
				paint := win.wall.TakePaintRates(secs)
				// Minimised, nobody reads the status bar: rewriting it
				// would repaint the window every second for nothing.
				if !win.wall.Paused() {
					win.showSecond(&line, live, tiles, decoded, pct)
				}
				minP, avgP := rateSummary(paint)
				win.log.Info("wall", "live", live, "tiles", tiles, "decode_fps", round1(decoded),
					"paint_fps_min", round1(minP), "paint_fps_avg", round1(avgP), "cpu_pct", round1(pct),
					"minimised", win.wall.Paused())
				return false
			})
		}
	}
}

// showSecond shows one second's counts and figures in the status bar (the
// figures as line averages them), the page and the sidebar's dots; what
// has not changed is left alone. On the Fyne goroutine.
func (win *window) showSecond(line *statusLine, live, tiles int, decoded, pct float64) {
	win.updateStatus()
	win.sidebar.Sync()
	if text := line.add(live, tiles, decoded, pct); text != win.status.Text {
		win.status.SetText(text)
	}
}

// updateStatus shows the wall's page and which page buttons apply; what
// has not changed is left alone (a change repaints the whole window).
func (win *window) updateStatus() {
	if page := fmt.Sprintf("page %d/%d", win.wall.Page()+1, win.wall.Pages()); win.pageLbl.Text != page {
		win.pageLbl.SetText(page)
	}
	if win.wall.Page() > 0 && win.wall.Maximised() == "" {
		win.prev.Enable()
	} else {
		win.prev.Disable()
	}
	if win.wall.Page() < win.wall.Pages()-1 && win.wall.Maximised() == "" {
		win.next.Enable()
	} else {
		win.next.Disable()
	}
}

// watchDisplay waits for the loss of the X server until Run has shut the
// window down. After a loss, Fyne's goroutine is parked for good in
// ui/x11's IO error handler (its loop polls X events every frame, so it
// meets the broken connection within one), and the window's state is this
// goroutine's: it shuts the window down as Run would after its loop,
// finalising every recording, or waits for the shutdown Run had begun (a
// logout may close the window, then end the X server), and hands over to
// Options.DisplayLost, which ends the process. Should the shutdown take
// longer than displayLostGrace, it hands over anyway and the process's end
// cuts the shutdown short.
func (win *window) watchDisplay(lost, runEnded <-chan struct{}, cancel context.CancelFunc, shutdown func()) {
	select {
	case <-lost:
	case <-runEnded:
		return
	}
	start := time.Now()
	err := x11.LossErr()
	if err == nil {
		err = x11.ErrConnectionLost
	}
	win.log.Warn("the X server went away: finalising recordings and ending the window", "err", err)
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		shutdown()
	}()
	select {
	case <-done:
		win.log.Info("window shut down without its display", "shutdown_ms", time.Since(start).Milliseconds())
	case <-time.After(displayLostGrace):
		err = fmt.Errorf("%w: %w within %v", err, ErrShutdownSlow, displayLostGrace)
	}
	win.opt.DisplayLost(err)
}

// shutdown ends every session and saves the wall, after the window closed.
func (win *window) shutdown() {
	if win.wall == nil {
		return
	}
	win.saveState()
	win.closeViewWindows()
	win.closeClipPlayers()
	win.wall.Close()
	win.sidebar.Wait()
	<-win.done
	win.snd.close()
	win.closeExtras()
}

// rateSummary returns the smallest and the mean of rates (0, 0 for none).
func rateSummary(rates []float64) (lo, mean float64) {
	if len(rates) == 0 {
		return 0, 0
	}
	lo = rates[0]
	for _, r := range rates {
		lo = min(lo, r)
		mean += r
	}
	return lo, mean / float64(len(rates))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// cpuMeter measures this process's CPU use between calls, in percent of
// one core.
type cpuMeter struct {
	last time.Time
	used time.Duration
}

func (c *cpuMeter) percent() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	now := time.Now()
	var pct float64
	if !c.last.IsZero() {
		pct = 100 * float64(used-c.used) / float64(now.Sub(c.last))
	}
	c.last, c.used = now, used
	return pct
}

// WindowState is the window's size (its content, when not maximised) and
// whether it was maximised, as the next start restores them.
type WindowState struct {
	Width     float32 `json:"width"`
	Height    float32 `json:"height"`
	Maximised bool    `json:"maximised,omitempty"`
}

// windowGeom follows the window's size and maximised state. Its fields
// are written on the Fyne goroutine (the minimised watch's check) and read
// when the state is saved.
type windowGeom struct {
	mu     sync.Mutex
	st     WindowState
	known  bool      // st holds a size
	asked  bool      // the saved maximised state was asked of the window manager
	last   fyne.Size // the size seen at the previous check
	loaded bool      // st came from the state file
}

// restoreGeometry gives the window the size it had last time; the
// maximised state follows once the window shows (followGeometry).
func (win *window) restoreGeometry(ws *WindowState) {
	if ws == nil || ws.Width < 1 || ws.Height < 1 {
		return
	}
	g := &win.geom
	g.mu.Lock()
	g.st, g.known, g.loaded = *ws, true, true
	g.mu.Unlock()
	win.w.Resize(fyne.NewSize(ws.Width, ws.Height))
}

// followGeometry asks the window manager once to maximise the window when
// it was maximised last time, then notes the window's state: maximised or
// not, and its size while it is neither maximised, full screen nor
// minimised (the same size at two checks in a row, so a size seen while
// the window manager is still maximising is not taken). Call it on the
// Fyne goroutine.
func (win *window) followGeometry(x *x11.Watcher, id uintptr, minimised bool) {
	g := &win.geom
	if !g.asked {
		g.asked = true
		g.mu.Lock()
		want := g.loaded && g.st.Maximised
		g.mu.Unlock()
		if want {
			_ = x.SetMaximised(id, true)
			return
		}
	}
	if minimised || win.w.FullScreen() {
		return
	}
	maxed, err := x.Maximised(id)
	if err != nil {
		return
	}
	size := win.w.Canvas().Size()
	g.mu.Lock()
	defer g.mu.Unlock()
	if maxed != g.st.Maximised {
		win.log.Info("window", "maximised", maxed)
	}
	g.st.Maximised = maxed
	if maxed {
		g.last = fyne.Size{}
		return
	}
	if size == g.last && size.Width >= 1 && size.Height >= 1 && (!g.known || size.Width != g.st.Width || size.Height != g.st.Height) {
		g.st.Width, g.st.Height, g.known = size.Width, size.Height, true
		win.log.Info("window size", "width", size.Width, "height", size.Height)
	}
	g.last = size
}

// geometry returns the window's state to save, or nil before it is known.
func (win *window) geometry() *WindowState {
	g := &win.geom
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.known {
		return nil
	}
	st := g.st
	return &st
}
