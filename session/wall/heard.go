package wall

import (
	"math"
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
	// ducked sources are played DuckGain lower (we talk to them and they
	// are half-duplex); gain is each source's current gain, ramped toward
	// its target over DuckRamp so ducking never clicks.
	ducked map[string]bool
	gain   map[string]float64
	out    []int16 // scratch for ducked samples
}

// DuckGain is how much lower a half-duplex device's audio plays while we
// talk to it: -20 dB, heard but too faint to feed back into the microphone.
const DuckGain = -20.0

// DuckRamp is how long the gain takes to go from full to ducked or back.
const DuckRamp = 20 * time.Millisecond

// NewRouter returns a router playing on speaker (nil: none yet).
func NewRouter(speaker audio.Player) *Router {
	return &Router{speaker: speaker, muted: map[string]bool{}, ducked: map[string]bool{}, gain: map[string]float64{}}
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

// SetDucked ducks or restores a source's audio (session.Ducker calls it
// through the source's sink while a talk to a half-duplex device runs).
func (r *Router) SetDucked(source string, on bool) {
	r.mu.Lock()
	r.ducked[source] = on
	r.mu.Unlock()
}

// Ducked reports whether a source's audio is ducked now.
func (r *Router) Ducked(source string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ducked[source]
}

// duck returns pcm at the source's gain, ramping the gain toward its
// target; pcm itself when the gain is and stays 1. Called with r.mu held.
func (r *Router) duck(source string, pcm []int16, f audio.Format) []int16 {
	target := 1.0
	if r.ducked[source] {
		target = math.Pow(10, DuckGain/20)
	}
	g, ok := r.gain[source]
	if !ok {
		g = 1
	}
	if g == 1 && target == 1 {
		return pcm
	}
	ch := max(f.Channels, 1)
	step := (1 - math.Pow(10, DuckGain/20)) / float64(max(f.Samples(DuckRamp)/ch, 1))
	r.out = append(r.out[:0], pcm...)
	for i := 0; i < len(r.out); i += ch {
		switch {
		case g < target:
			g = min(g+step, target)
		case g > target:
			g = max(g-step, target)
		}
		for c := i; c < i+ch && c < len(r.out); c++ {
			r.out[c] = int16(math.Round(float64(r.out[c]) * g))
		}
	}
	r.gain[source] = g
	return r.out
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

// Duck implements session.Ducker.
func (s routeSink) Duck(on bool) { s.r.SetDucked(s.source, on) }

// PlayAudio implements session.AudioSink; the speaker's Write never blocks.
func (s routeSink) PlayAudio(pcm []int16, f audio.Format) {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	sp := r.speaker
	if sp == nil || r.heard != s.source || r.muted[s.source] {
		return
	}
	pcm = r.duck(s.source, pcm, f)
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
