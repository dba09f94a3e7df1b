package ui

import (
	"context"
	"errors"
	"sync"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
)

// Sound is the window's audio: one speaker that plays the heard tile, one
// microphone shared by push-to-talk. Either may be missing; the reason is
// then shown instead of the control.
type Sound struct {
	// Speaker plays the heard tile's audio; nil when there is none.
	Speaker audio.Player
	// OpenMic opens the microphone on first use; nil when there is none.
	OpenMic func() (audio.Capturer, error)
	// Problem says why Speaker or OpenMic is missing.
	Problem string
}

// router sends each tile's decoded audio to the speaker when that tile is
// the heard one and not muted. Sessions call it from their goroutines.
type router struct {
	speaker audio.Player
	mu      sync.Mutex
	heard   string
	muted   map[string]bool
}

func newRouter(speaker audio.Player) *router {
	return &router{speaker: speaker, muted: map[string]bool{}}
}

// sink returns the session audio sink of a source.
func (r *router) sink(source string) session.AudioSink {
	if r.speaker == nil {
		return nil
	}
	return routeSink{r: r, source: source}
}

func (r *router) setHeard(source string) {
	r.mu.Lock()
	r.heard = source
	r.mu.Unlock()
}

func (r *router) setMuted(source string, muted bool) {
	r.mu.Lock()
	r.muted[source] = muted
	r.mu.Unlock()
}

func (r *router) isMuted(source string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.muted[source]
}

type routeSink struct {
	r      *router
	source string
}

// PlayAudio implements session.AudioSink; the speaker's Write never blocks.
func (s routeSink) PlayAudio(pcm []int16, _ audio.Format) {
	s.r.mu.Lock()
	on := s.r.heard == s.source && !s.r.muted[s.source]
	s.r.mu.Unlock()
	if on {
		_, _ = s.r.speaker.Write(pcm)
	}
}

// mic is the shared microphone, opened on the first talk and metered while
// a talk reads from it.
type mic struct {
	open  func() (audio.Capturer, error)
	mu    sync.Mutex
	c     audio.Capturer
	err   error
	meter audio.Meter
}

// capturer returns the open microphone, opening it the first time.
func (m *mic) capturer() (audio.Capturer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c == nil && m.err == nil {
		if m.open == nil {
			m.err = errors.New("no microphone")
		} else {
			m.c, m.err = m.open()
		}
		if m.c != nil {
			m.meter.Channels = m.c.Format().Channels
		}
	}
	return m.c, m.err
}

// talkCapturer meters what a talk reads and, when the microphone can, drops
// the audio that piled up while nobody was talking.
type talkCapturer struct {
	m *mic
	c audio.Capturer
}

func (m *mic) forTalk() (audio.Capturer, error) {
	c, err := m.capturer()
	if err != nil {
		return nil, err
	}
	if r, ok := c.(interface{ Reset() }); ok {
		r.Reset()
	}
	return talkCapturer{m: m, c: c}, nil
}

func (t talkCapturer) Format() audio.Format { return t.c.Format() }

func (t talkCapturer) Read(ctx context.Context, p []int16) (int, error) {
	n, err := t.c.Read(ctx, p)
	if n > 0 {
		t.m.meter.Add(p[:n])
	}
	return n, err
}

// Close leaves the shared microphone open; close closes it.
func (t talkCapturer) Close() error { return nil }

func (m *mic) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c == nil {
		return nil
	}
	err := m.c.Close()
	m.c = nil
	return err
}
