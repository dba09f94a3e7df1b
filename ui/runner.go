package ui

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// runner runs one tile's session in the background and hands its states to
// the tile; its frames reach the tile through the paint clock
// (paintclock.go), one per display frame: a picture may wait one display
// frame for the one before it (player.Paced), never longer.
type runner struct {
	source  string
	snd     *sound
	talkMu  sync.Mutex
	talkMic *mic // the microphone of the talk in progress
	endTalk context.CancelFunc
	done    <-chan struct{} // the runner's lifetime, for talks it starts
	s       *session.Session
	tile    *Tile
	sink    *player.Paced
	cancel  context.CancelFunc
	restart chan struct{}
	wg      sync.WaitGroup
	stopped atomic.Bool
	ext     runnerExtras
}

// startRunner starts cfg's session for tile t. cfg.Sink, cfg.OnStatus and
// cfg.Audio are set here; snd may be nil (no sound at all).
func startRunner(parent <-chan struct{}, cfg session.Config, t *Tile, snd *sound) (*runner, error) {
	r := &runner{source: cfg.Source, snd: snd, tile: t, sink: player.NewPaced(), restart: make(chan struct{}, 1)}
	cfg.Sink = r.sink
	cfg.Tap = &r.ext.tap
	r.ext.motion, r.ext.deco = t.deco.watcher, t.deco
	if snd != nil {
		cfg.Audio = snd.router.sink(cfg.Source)
	}
	cfg.OnStatus = func(st session.Status) {
		r.statusExtras(st)
		do(func() {
			// A stopped runner's last states (closed) must not overwrite
			// those of the runner that replaced it on the same tile.
			if !r.stopped.Load() {
				t.SetStatus(st)
			}
		})
	}
	s, err := session.New(cfg)
	if err != nil {
		return nil, err
	}
	r.s = s
	t.ctrl = r
	ctx, cancel := until(parent)
	r.cancel = cancel
	r.done = ctx.Done()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select { // a Retry pressed while retrying is spent already
			case <-r.restart:
			default:
			}
			_ = s.Run(ctx) // failures reach the tile as states
			select {
			case <-r.restart: // Retry after a permanent failure
			case <-ctx.Done():
				return
			}
		}
	}()
	painter.add(r)
	return r, nil
}

// Retry implements TileControl.
func (r *runner) Retry() {
	r.s.RetryNow()
	select {
	case r.restart <- struct{}{}:
	default:
	}
}

// Stats implements TileControl.
func (r *runner) Stats() player.Stats { return r.s.Stats() }

// ServerReport returns what the stream's server last said about it.
func (r *runner) ServerReport() (session.ServerReport, bool) { return r.s.ServerReport() }

// SetOutputSize implements TileControl.
func (r *runner) SetOutputSize(w, h int) { r.s.SetOutputSize(w, h) }

// StartTalk implements TileControl: the shared microphone goes to this
// tile's device until StopTalk.
func (r *runner) StartTalk(ended func(error)) error {
	if r.snd == nil || r.snd.mic == nil {
		return errors.New("no microphone")
	}
	m := r.snd.mic
	r.talkMu.Lock()
	defer r.talkMu.Unlock()
	if r.stopped.Load() {
		return session.ErrClosed
	}
	if ok, why := r.s.CanTalk(); !ok {
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
		ended(r.s.Talk(ctx, c))
	}()
	return nil
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
func (r *runner) SetMuted(m bool) {
	if r.snd != nil {
		r.snd.router.setMuted(r.source, m)
	}
}

// Live reports whether pictures are arriving: the session is live and its
// latest picture is recent (the watchdog ends a live state that stalls).
func (r *runner) Live() bool {
	return r.s.Status().State == session.StateLive && time.Since(r.s.LastPicture()) < session.DefaultStallTimeout
}

// Stop ends the session and waits for it.
func (r *runner) Stop() {
	if r.stopped.Swap(true) {
		return
	}
	// A StartTalk holding talkMu has done its wg.Add; later ones see stopped.
	r.talkMu.Lock()
	r.talkMu.Unlock() //nolint:staticcheck // an empty critical section is the barrier
	r.cancel()
	r.wg.Wait()
	if path, err, ok := r.stopRecording(); ok {
		r.ext.deco.ended(path, err)
	}
	painter.remove(r)
	r.sink.Clear()
}

// Drawn records that the tile drew f: the capture-to-paint latency of the
// hover stats is taken when the picture reaches the canvas, not when it is
// handed over.
func (r *runner) Drawn(f *player.Frame) {
	if r.s != nil {
		r.s.Painted(f)
	}
}
