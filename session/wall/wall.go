// Package wall is the wall model: every tile's life, without Fyne. A Model
// opens a tile's session (a session.Config from the account's Opener at a
// quality), supervises it (session.Session.Run, and a new run after a
// failure when the user retries), pauses it while nobody can see it,
// switches stream on maximise only when the source has another stream
// (session.Plan.Qualities), records it into one file per recording that
// outlives the tile's sessions, and takes snapshots at the stream's own
// size. The window (package ui) renders a tile and sends it the user's
// intents; the state comes back as values through callbacks, from the
// model's goroutines, never as Fyne calls.
package wall

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// Factory returns the session config of a source at a quality: the
// account's Opener, the decoders. The model sets Sink, Audio, Tap, OnStatus
// and the output size itself.
type Factory func(source string, q session.Quality) (session.Config, error)

// Config configures a Model.
type Config struct {
	Factory Factory
	Logger  *slog.Logger
	// Preroll says how much media each tile keeps for event clips
	// (Tile.SaveClip); zero values get the defaults.
	Preroll PrerollConfig
}

// ErrClosed is returned for intents sent to a closed tile or model.
var ErrClosed = errors.New("wall: closed")

// ErrOpen is returned by Open for a source already on the model.
var ErrOpen = errors.New("wall: source already open")

// ErrNotPlaying is returned by the intents that need a running session
// (snapshot, talk) while the tile has none.
var ErrNotPlaying = errors.New("the tile is not playing")

// Model is the wall model: the tiles open now, by source.
type Model struct {
	cfg  Config
	log  *slog.Logger
	done <-chan struct{} // the model's lifetime: its tiles end with it

	mu     sync.Mutex
	tiles  map[string]*Tile
	router *Router // the heard tile's (SetRouter); nil: no sound
	paused bool
	closed bool
}

// New makes an empty model whose tiles live until done closes or Close.
func New(done <-chan struct{}, cfg Config) *Model {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Model{cfg: cfg, log: log, done: done, tiles: map[string]*Tile{}}
}

// TileConfig is what the renderer gives a tile when it opens it.
type TileConfig struct {
	// Quality is the stream asked for first (SetQuality changes it).
	Quality session.Quality
	// Sink receives the pictures of every session of the tile.
	Sink player.Sink
	// Audio receives the tile's decoded audio; nil sends it to the model's
	// Router (SetRouter), if any.
	Audio session.AudioSink
	// Width and Height are the first output size (SetOutputSize).
	Width, Height int
	// Hidden opens the tile without a session until SetHidden(false).
	Hidden bool
	// OnStatus is told every state of the tile's current session, from the
	// model's goroutines; it must not block. The states of a session that
	// a switch of stream replaces are not told (the tile keeps its last
	// picture until the next stream's first).
	OnStatus func(session.Status)
	// OnRecordingEnded is told, once the file is finalised, when a
	// recording ends by itself (its file failed, or the length of
	// RecordFor was reached): the path and why (nil: the length). A
	// recording stopped with StopRecord, Close or the model's Close is not
	// told.
	OnRecordingEnded func(path string, err error)
}

// Open puts source on the model and starts its life: a session at
// tc.Quality unless tc.Hidden.
func (m *Model) Open(source string, tc TileConfig) (*Tile, error) {
	if tc.Sink == nil {
		return nil, errors.New("wall: a tile needs a Sink")
	}
	if tc.Quality == "" {
		tc.Quality = session.QualitySub
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	prev := m.tiles[source]
	if prev != nil && !prev.isClosing() {
		return nil, ErrOpen
	}
	if tc.Audio == nil && m.router != nil {
		tc.Audio = m.router.Sink(source)
	}
	t := newTile(m, source, tc)
	t.paused = m.paused
	if prev != nil {
		// The source's previous tile is still closing: its session must
		// be gone before this one's starts (cameras that take one
		// viewer refuse the second).
		t.after = prev.gone
	}
	m.tiles[source] = t
	go t.loop()
	return t, nil
}

// Tile returns the open tile of source, or nil.
func (m *Model) Tile(source string) *Tile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tiles[source]
}

// Sources returns the open sources, in no order.
func (m *Model) Sources() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.tiles))
	for s := range m.tiles {
		out = append(out, s)
	}
	return out
}

// SetPaused stops (on) or resumes (off) decoding in every tile but the
// watched ones (Tile.SetWatched), for a window that is minimised or shown
// again; tiles opened meanwhile follow. Sessions stay connected and keep
// feeding their recordings.
func (m *Model) SetPaused(on bool) {
	m.mu.Lock()
	m.paused = on
	tiles := m.list()
	m.mu.Unlock()
	for _, t := range tiles {
		t.setPaused(on)
	}
}

// Paused reports whether the model's decoding is paused.
func (m *Model) Paused() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.paused
}

func (m *Model) list() []*Tile {
	out := make([]*Tile, 0, len(m.tiles))
	for _, t := range m.tiles {
		out = append(out, t)
	}
	return out
}

// forget removes t once it is closed.
func (m *Model) forget(t *Tile) {
	m.mu.Lock()
	if m.tiles[t.source] == t {
		delete(m.tiles, t.source)
	}
	m.mu.Unlock()
}

// Close closes every tile (finalising their recordings) and waits for
// them; later Opens fail with ErrClosed.
func (m *Model) Close() {
	m.mu.Lock()
	m.closed = true
	tiles := m.list()
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range tiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Close()
		}()
	}
	wg.Wait()
}
