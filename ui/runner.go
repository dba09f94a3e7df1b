package ui

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// runner binds a tile widget to its tile of the wall model (session/wall),
// which owns the tile's life: sessions, retries, streams, recording,
// snapshots. The runner hands the model the user's intents, applies the
// states it tells with fyne.Do (through do), and registers the tile with
// the paint clock: frames reach the tile through it (paintclock.go), one
// per display frame: a picture may wait one display frame for the one
// before it (player.Paced), never longer.
type runner struct {
	source  string
	snd     *sound
	talkMu  sync.Mutex
	talkMic *mic // the microphone of the talk in progress
	endTalk context.CancelFunc
	// talkEnds counts the talks that ended or failed to start; talkErr is
	// why the latest did (the alerts tell a busy device by it).
	talkNoteMu sync.Mutex
	talkEnds   int
	talkErr    error
	done       chan struct{} // closed by Stop: talks it started end with it
	mt         *model.Tile
	// tile is the widget bound now: a tile opened in a window of its own
	// gets a widget of its own there (bind), as Fyne keeps a drawn
	// object's textures for the first window it was drawn in.
	tile    atomic.Pointer[Tile]
	sink    *player.Paced
	wg      sync.WaitGroup
	stopped atomic.Bool
	ext     runnerExtras
	states  statusGate // the session's states, to the tile (idleclock.go)
}

// startRunner opens source on the model m for tile t at quality q (hidden:
// without a session until shown); snd may be nil (no sound at all).
func startRunner(m *model.Model, source string, q session.Quality, hidden bool, t *Tile, snd *sound) (*runner, error) {
	r := &runner{source: source, snd: snd, sink: player.NewPaced(), done: make(chan struct{})}
	r.tile.Store(t)
	r.ext.motion, r.ext.deco = t.deco.watcher, t.deco
	tc := model.TileConfig{Quality: q, Sink: r.sink, Hidden: hidden,
		OnStatus: func(st session.Status) {
			// Live at once, any other state on the seconds clock
			// (idleclock.go): a tile not playing repaints at most once
			// a second.
			r.states.offer(st, func(st session.Status) {
				// A stopped runner's last states must not overwrite
				// those of the runner that replaced it on the same tile.
				if t := r.widget(); !r.stopped.Load() {
					t.SetStatus(st)
					t.deco.follow(st.State) // actions.go: what an offline tile offers
				}
			})
		},
		OnRecordingEnded: func(path string, err error) { r.widget().deco.ended(path, err) },
	}
	mt, err := m.Open(source, tc)
	if err != nil {
		return nil, err
	}
	r.mt = mt
	t.ctrl = r
	painter.add(r)
	return r, nil
}

// widget returns the tile widget bound now (any goroutine).
func (r *runner) widget() *Tile { return r.tile.Load() }

// bind moves the runner to widget t (on the Fyne goroutine): its states,
// pictures, motion and recording's end go to t from now on. The widget
// it leaves loses its X11 child window (present.go).
func (r *runner) bind(t *Tile) {
	painter.mu.Lock()
	old := r.tile.Swap(t)
	r.ext.motion, r.ext.deco = t.deco.watcher, t.deco
	painter.mu.Unlock()
	t.ctrl = r
	if old != nil && old != t {
		old.dropPresent()
	}
}

// Retry implements TileControl.
func (r *runner) Retry() { r.mt.Retry() }

// Stats implements TileControl.
func (r *runner) Stats() player.Stats { return r.mt.Stats() }

// ServerReport implements TileControl.
func (r *runner) ServerReport() (session.ServerReport, bool) { return r.mt.ServerReport() }

// SetOutputSize implements TileControl.
func (r *runner) SetOutputSize(w, h int) { r.mt.SetOutputSize(w, h) }

// StartTalk implements TileControl: the shared microphone goes to this
// tile's device until StopTalk.
func (r *runner) StartTalk(ended func(error)) (err error) {
	defer func() {
		if err != nil {
			r.noteTalk(err)
		}
	}()
	if r.snd == nil || r.snd.mic == nil {
		return errors.New("no microphone")
	}
	m := r.snd.mic
	r.talkMu.Lock()
	defer r.talkMu.Unlock()
	if r.stopped.Load() {
		return session.ErrClosed
	}
	if ok, why := r.mt.CanTalk(); !ok {
		return errors.New(why)
	}
	c, err := m.forTalk()
	if err != nil {
		return err
	}
	ctx, cancel := until(r.done)
	r.endTalk, r.talkMic = cancel, m
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		err := r.mt.Talk(ctx, c)
		r.noteTalk(err)
		ended(err)
	}()
	return nil
}

// noteTalk records how a talk ended.
func (r *runner) noteTalk(err error) {
	r.talkNoteMu.Lock()
	r.talkEnds++
	r.talkErr = err
	r.talkNoteMu.Unlock()
}

// talkEnded returns how many talks ended and why the latest did.
func (r *runner) talkEnded() (int, error) {
	r.talkNoteMu.Lock()
	defer r.talkNoteMu.Unlock()
	return r.talkEnds, r.talkErr
}

// StopTalk implements TileControl.
func (r *runner) StopTalk() {
	r.talkMu.Lock()
	defer r.talkMu.Unlock()
	if r.endTalk != nil {
		r.endTalk()
		r.endTalk = nil
	}
}

// MicLevel implements TileControl.
func (r *runner) MicLevel() audio.Level {
	r.talkMu.Lock()
	m := r.talkMic
	r.talkMu.Unlock()
	if m == nil {
		return audio.Level{RMSdBFS: audio.FloordBFS, PeakdBFS: audio.FloordBFS, Silent: true}
	}
	return m.meter.Last()
}

// SetMuted implements TileControl.
func (r *runner) SetMuted(m bool) { r.mt.SetMuted(m) }

// Live reports whether pictures are arriving.
func (r *runner) Live() bool { return r.mt.Live() }

// Stop closes the tile on the model (its recording finalised) and waits.
func (r *runner) Stop() {
	if r.stopped.Swap(true) {
		return
	}
	// A StartTalk holding talkMu has done its wg.Add; later ones see stopped.
	r.talkMu.Lock()
	close(r.done)
	r.talkMu.Unlock()
	r.mt.Close()
	r.wg.Wait()
	painter.remove(r)
	r.states.close()
	r.sink.Clear()
}

// Drawn records that the tile drew f: the capture-to-paint latency of the
// hover stats is taken when the picture reaches the canvas, not when it is
// handed over.
func (r *runner) Drawn(f *player.Frame) {
	if r.mt != nil {
		r.mt.Painted(f)
	}
}
