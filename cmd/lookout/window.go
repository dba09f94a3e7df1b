package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/ui"
)

// cmdWindow opens the desktop window.
func cmdWindow(ctx context.Context, g *globals, args []string, stderr io.Writer) error {
	fs := newFlags(g, "lookout")
	forceDemo := fs.Bool("demo", false, "open the demo site even when a config exists")
	backend := fs.String("audio", "", "sound system: auto, null (silent devices), none, room (a simulated room: what plays comes back into the microphone), or a miniaudio backend name")
	renderer := fs.String("renderer", ui.RendererAuto, "how pictures reach the screen: auto (X11 child windows where the X server allows, else Fyne), x11 (the same, warning when it falls back) or fyne")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unknown command %q (try 'lookout help')", pos[0])
	}
	switch *renderer {
	case ui.RendererAuto, ui.RendererX11, ui.RendererFyne:
	default:
		return usagef("--renderer %q: want auto, x11 or fyne", *renderer)
	}
	// GLFW panics without a display; say so instead.
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: the window needs X11 or Wayland (set DISPLAY, or use a sub-command such as 'lookout list')")
	}
	restoreStderr := func() {}
	if g.logLevel != "debug" {
		restoreStderr = sync.OnceFunc(quietStderr(g.log))
		defer restoreStderr()
	}
	teeLogs(g)
	defer windowMemory(ctx, g.log)()
	opt := ui.Options{NewDecoder: windowDecoder, NewAudioDecoder: newAudioDecoder, NewAudioEncoder: newAudioEncoder,
		Logger: g.log, Title: "Lookout", DefaultTiles: 4, Renderer: *renderer}
	opt.DisplayLost = func(err error) { displayLost(g, err, restoreStderr) }
	if actx, problem := openAudio(audioBackend(*backend), g); actx != nil {
		defer func() { _ = actx.Close() }()
		opt.Audio = actx
	} else {
		opt.AudioProblem = problem
		// The window says so in its status bar.
		g.log.Info("no sound: talk and camera audio are unavailable", "reason", problem)
	}
	ws, err := openWorkspace(ctx, g, *forceDemo)
	var ce *configError
	switch {
	case errors.As(err, &ce):
		// Said on stderr too, for whoever started the window from a shell.
		fmt.Fprintf(stderr, "lookout: config %s\n", ce.err.Error())
		opt.ConfigPath, _ = config.Path(g.configFlag)
		demoWS := &workspace{}
		defer func() { _ = demoWS.Close() }()
		opt.ConfigError = ce.err
		opt.OpenDemo = func(ctx context.Context) ([]ui.Account, error) {
			if err := demoWS.startDemo(ctx, g.log); err != nil {
				return nil, err
			}
			return uiAccounts(demoWS), nil
		}
	case err != nil:
		return err
	default:
		defer func() { _ = ws.Close() }()
		opt.Accounts = uiAccounts(ws)
		opt.StatePath = statePath(ws)
		if ws.site != nil {
			opt.Title = "Lookout — demo site"
		}
	}
	windowExtras(g, ws, &opt)
	return ui.Run(ctx, opt)
}

// displayLost ends the process once the X server went away (logout, crash)
// and the window has finalised its recordings: ui.Run cannot return then,
// its thread is parked where it met the broken connection. The status is
// exitFail, and one log line says what happened; stderr's filter is flushed
// first so the line is not lost with the process.
func displayLost(g *globals, err error, restoreStderr func()) {
	if errors.Is(err, ui.ErrShutdownSlow) {
		g.log.Error("the display went away; exiting before the window finished shutting down: a recording may be cut short", "err", err)
	} else {
		g.log.Error("the display went away; recordings saved, exiting", "err", err)
	}
	restoreStderr()
	os.Exit(exitFail)
}

func uiAccounts(ws *workspace) []ui.Account {
	out := make([]ui.Account, 0, len(ws.accounts))
	for _, a := range ws.accounts {
		out = append(out, uiAccount(a))
	}
	return out
}

// uiAccount is how the window sees acc.
func uiAccount(a *account) ui.Account {
	return ui.Account{Name: a.name, Kind: a.kind, Directory: a.dir, Opener: a.opener,
		Refresh: a.refresh, Members: a.members, Target: a.target}
}

// statePath is the wall state file next to the config; the demo site's wall
// has its own, since its sources differ from a real config's.
func statePath(ws *workspace) string {
	name := "wall.json"
	if ws.site != nil {
		name = "wall-demo.json"
	}
	return filepath.Join(filepath.Dir(ws.path), name)
}

// windowGCPercent is the window's garbage collection target unless GOGC is
// set. Decoding allocates nothing per picture (pooled frames) and the
// receive path recycles its packets, so the heap grows slowly: Go's default
// (100: collect at twice the live heap) kept start-up garbage for minutes.
// 20 holds the heap to 1.2 times the live one, about 5 MB less than 35 on
// a 16-tile wall. Since the audio reader and the H.264 depacketizer stopped
// allocating per packet, a 16-tile wall allocates 41 % less, so 20
// collects about as often as 35 did before (docs/PERFORMANCE.md, "Issue
// 22, sixth round"; 35 was the fourth round's choice).
const windowGCPercent = 20

// windowTrimEvery is how often the window gives glibc's free pages back to
// the system (ffmpeg.TrimCHeap): on a 16-tile wall about 5 MB less C heap,
// for a few milliseconds a time (docs/PERFORMANCE.md, "Issue 22, third
// round").
const windowTrimEvery = 30 * time.Second

// windowTrim is what windowMemory runs every windowTrimEvery (a test counts
// it).
var windowTrim = func() { ffmpeg.TrimCHeap() }

// windowPageOutAfter is when the window, started and its wall playing,
// gives back the pages of code and read-only data it touched while
// starting (pageOutCode), once: what it still runs faults back in. On a
// 16-tile wall about 5 MB of RSS where the demo site runs from the same
// program file, more where it does not (docs/PERFORMANCE.md, "Issue 22,
// fourth round").
const windowPageOutAfter = 40 * time.Second

// windowPageOut is what windowMemory runs after windowPageOutAfter (a test
// counts it).
var windowPageOut = func(log *slog.Logger) {
	if _, err := pageOutCode(); err != nil {
		log.Debug("start-up code left resident", "err", err)
	}
}

// windowMemory applies windowGCPercent, bounds glibc's arenas for the
// decoders and the renderer (ffmpeg.BoundCHeap) before any of them starts,
// pages out the start-up code once after windowPageOutAfter, and trims
// glibc's arenas every windowTrimEvery until ctx is done or the returned
// stop is called; stop waits for the trimming to end.
func windowMemory(ctx context.Context, log *slog.Logger) (stop func()) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(windowGCPercent)
	}
	if _, err := ffmpeg.BoundCHeap(); err != nil {
		log.Warn("C heap left unbounded", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(windowTrimEvery)
		defer t.Stop()
		po := time.NewTimer(windowPageOutAfter)
		defer po.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				windowTrim()
			case <-po.C:
				windowPageOut(log)
			}
		}
	}()
	return func() { cancel(); <-done }
}
