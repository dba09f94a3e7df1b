package wall

import (
	"sync"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
)

// PlayoutDelay is the camera audio kept buffered ahead of the speaker to
// absorb network jitter (re-established after every underrun).
const PlayoutDelay = 60 * time.Millisecond

// Router picks the heard tile: it sends each tile's decoded audio to the
// speaker when that tile is the heard one and not muted, and tells the
// other tiles' sessions not to decode theirs (session.Listener). Sessions
// call it from their goroutines.
type Router struct {
	mu      sync.Mutex
	speaker audio.Player
	// prefill collects audio while the speaker has run dry, so playback
	// restarts with PlayoutDelay in hand to absorb network jitter.
	prefill []int16
	heard   string
	muted   map[string]bool
}

// NewRouter returns a router playing on speaker (nil: none yet).
func NewRouter(speaker audio.Player) *Router {
	return &Router{speaker: speaker, muted: map[string]bool{}}
}

// Sink returns the session audio sink of a source.
func (r *Router) Sink(source string) session.AudioSink { return routeSink{r: r, source: source} }

// SetSpeaker switches the speaker (nil: none).
func (r *Router) SetSpeaker(p audio.Player) {
	r.mu.Lock()
	r.speaker = p
	r.mu.Unlock()
}

// SetHeard makes source the heard tile.
func (r *Router) SetHeard(source string) {
	r.mu.Lock()
	r.heard = source
	r.prefill = r.prefill[:0]
	r.mu.Unlock()
}

// Heard returns the heard tile's source, or "".
func (r *Router) Heard() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.heard
}

// SetMuted mutes or unmutes a source.
func (r *Router) SetMuted(source string, muted bool) {
	r.mu.Lock()
	r.muted[source] = muted
	r.mu.Unlock()
}

type routeSink struct {
	r      *Router
	source string
}

// Listening implements session.Listener: only the heard, unmuted tile's
// audio is decoded, and only while there is a speaker.
func (s routeSink) Listening() bool {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.speaker != nil && r.heard == s.source && !r.muted[s.source]
}

// PlayAudio implements session.AudioSink; the speaker's Write never blocks.
func (s routeSink) PlayAudio(pcm []int16, _ audio.Format) {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	sp := r.speaker
	if sp == nil || r.heard != s.source || r.muted[s.source] {
		return
	}
	if len(r.prefill) == 0 && sp.Buffered() > 0 {
		_, _ = sp.Write(pcm)
		return
	}
	// Starting, or the speaker ran dry: wait for the playout delay first.
	r.prefill = append(r.prefill, pcm...)
	if sp.Format().Duration(len(r.prefill)) >= PlayoutDelay {
		_, _ = sp.Write(r.prefill)
		r.prefill = r.prefill[:0]
	}
}

// SetRouter gives the model the window's audio router: tiles opened from
// now on send it their audio, and SetHeard and Tile.SetMuted go to it.
func (m *Model) SetRouter(r *Router) {
	m.mu.Lock()
	m.router = r
	m.mu.Unlock()
}

// SetHeard makes source the heard tile: the only one whose audio is
// decoded and played.
func (m *Model) SetHeard(source string) {
	m.mu.Lock()
	r := m.router
	m.mu.Unlock()
	if r != nil {
		r.SetHeard(source)
	}
}

// SetMuted mutes or unmutes the tile's audio.
func (t *Tile) SetMuted(on bool) {
	t.m.mu.Lock()
	r := t.m.router
	t.m.mu.Unlock()
	if r != nil {
		r.SetMuted(t.source, on)
	}
}
