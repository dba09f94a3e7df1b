package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/aec"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
	model "github.com/lookout-app/lookout/session/wall"
)

// SpeakerFormat and MicFormat are the formats the window opens its
// speaker and microphone in; sessions decode camera audio to SpeakerFormat.
var (
	SpeakerFormat = audio.Format{SampleRate: 48000, Channels: 2}
	MicFormat     = audio.Format{SampleRate: 48000, Channels: 1}
)

// Watcher is implemented by sound systems that notice devices coming and
// going (miniaudio polls); stop waits for the watch to end.
type Watcher interface {
	Watch(interval time.Duration, onChange func(capture, playback []audio.DeviceInfo)) (stop func())
}

// sound owns the window's speaker and microphone on the chosen devices.
type sound struct {
	devs      check.AudioDevices // nil: no sound system
	problem   string             // why there is no sound system, or a device problem
	speakerID string
	micID     string
	speaker   audio.Player
	router    *router
	mic       *mic
	// clean cleans the talk microphone (echo cancellation against what
	// the speaker plays, noise suppression, gain); nil if it could not be
	// made.
	clean *aec.Processor
	// cleaner is clean as the sessions' session.MicCleaner: it meters the
	// cleaned microphone for the talk level bar.
	cleaner *meteredCleaner
}

// meteredCleaner cleans the talk microphone and meters the result, so the
// talk level bar shows what the device is sent (the cleaned level, not
// the raw microphone's).
type meteredCleaner struct {
	*aec.Processor
	meter atomic.Pointer[audio.Meter] // the talking microphone's meter
}

// Clean implements session.MicCleaner.
func (c *meteredCleaner) Clean(mic []int16, at time.Time) error {
	err := c.Processor.Clean(mic, at)
	if m := c.meter.Load(); m != nil {
		m.Add(mic)
	}
	return err
}

// MicCleaner returns the sessions' microphone cleaner, or nil when there
// is none.
func (s *sound) MicCleaner() session.MicCleaner {
	if s == nil || s.cleaner == nil {
		return nil
	}
	return s.cleaner
}

// erleText is the hover's echo canceller figure while a call runs
// ("  ERLE 42 dB", or "  ERLE —" while the canceller has no figure yet:
// NaN), or "" when the control reports none.
func erleText(ctrl any) string {
	e, ok := ctrl.(interface{ ERLE() (float64, bool) })
	if !ok {
		return ""
	}
	if db, ok := e.ERLE(); ok {
		if math.IsNaN(db) {
			return "  ERLE —"
		}
		return fmt.Sprintf("  ERLE %.0f dB", db)
	}
	return ""
}

// erle is the canceller's ERLE while a talk reads m, the microphone: NaN
// and true while the canceller has no figure (too little single talk
// heard yet, see aec.Processor.ERLE).
func (s *sound) erle(m *mic) (float64, bool) {
	if s == nil || s.clean == nil || m == nil {
		return 0, false
	}
	if db, ok := s.clean.ERLE(); ok {
		return db, true
	}
	return math.NaN(), true
}

// newSound opens the chosen (or default) speaker and prepares the
// microphone and its cleaning. Problems are kept in problem, never fatal.
func newSound(devs check.AudioDevices, problem, speakerID, micID string) *sound {
	s := &sound{devs: devs, problem: problem, router: newRouter(nil)}
	if p, err := aec.New(aec.Options{SampleRate: MicFormat.SampleRate}); err == nil {
		s.clean = p
		s.cleaner = &meteredCleaner{Processor: p}
	}
	s.use(speakerID, micID)
	return s
}

// use switches to the given devices ("" for the default ones).
func (s *sound) use(speakerID, micID string) {
	if s.devs == nil {
		return
	}
	if s.speaker != nil {
		_ = s.speaker.Close()
		s.speaker = nil
	}
	if s.mic != nil {
		_ = s.mic.close()
	}
	s.speakerID, s.micID = speakerID, micID
	var problems []string
	capture, playback, err := s.devs.Devices()
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(playback) == 0 {
		problems = append(problems, "no speaker")
	} else if sp, err := s.devs.OpenPlayback(speakerID, SpeakerFormat); err != nil {
		problems = append(problems, "speaker: "+err.Error())
	} else {
		s.speaker = sp
	}
	if s.speaker != nil && s.clean != nil {
		s.router.setSpeaker(s.clean.Tee(s.speaker)) // the echo reference
	} else {
		s.router.setSpeaker(s.speaker)
	}
	if len(capture) == 0 {
		problems = append(problems, "no microphone")
		s.mic = nil
	} else {
		devs, id := s.devs, micID
		s.mic = &mic{open: func() (audio.Capturer, error) { return devs.OpenCapture(id, MicFormat) }, cleaner: s.cleaner}
	}
	s.problem = strings.Join(problems, "; ")
}

// talkProblem says why no tile can talk, or "".
func (s *sound) talkProblem() string {
	if s.mic != nil {
		return ""
	}
	if s.problem != "" {
		return "no microphone (" + s.problem + ")"
	}
	return "no microphone"
}

func (s *sound) close() {
	if s.speaker != nil {
		_ = s.speaker.Close()
	}
	if s.clean != nil {
		_ = s.clean.Close()
	}
	if s.mic != nil {
		_ = s.mic.close()
	}
}

// router is the wall model's audio router (session/wall's Router: the
// heard tile, mute, the playout delay) under the names the window's code
// uses.
type router struct{ *model.Router }

func newRouter(speaker audio.Player) *router { return &router{model.NewRouter(speaker)} }

func (r *router) sink(source string) session.AudioSink { return r.Sink(source) }
func (r *router) setSpeaker(p audio.Player)            { r.SetSpeaker(p) }
func (r *router) setHeard(source string)               { r.SetHeard(source) }
func (r *router) setMuted(source string, muted bool)   { r.SetMuted(source, muted) }

// mic is the shared microphone, opened on the first talk and metered while
// a talk reads from it.
type mic struct {
	open  func() (audio.Capturer, error)
	mu    sync.Mutex
	c     audio.Capturer
	err   error
	meter audio.Meter
	// cleaner, when the microphone's format is its, cleans a talk (the
	// session wraps it, see session.MicCleaner) and meters the cleaned
	// sound; otherwise the talk meters the raw microphone.
	cleaner *meteredCleaner
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

// talkCapturer meters what a talk reads (unless the cleaner meters it
// cleaned) and, when the microphone can, drops the audio that piled up
// while nobody was talking.
type talkCapturer struct {
	m     *mic
	c     audio.Capturer
	meter bool
}

func (m *mic) forTalk() (audio.Capturer, error) {
	c, err := m.capturer()
	if err != nil {
		return nil, err
	}
	if r, ok := c.(interface{ Reset() }); ok {
		r.Reset()
	}
	if m.cleaner != nil && c.Format() == m.cleaner.Format() {
		m.cleaner.meter.Store(&m.meter)
		return talkCapturer{m: m, c: c}, nil
	}
	return talkCapturer{m: m, c: c, meter: true}, nil
}

func (t talkCapturer) Format() audio.Format { return t.c.Format() }

func (t talkCapturer) Read(ctx context.Context, p []int16) (int, error) {
	n, err := t.c.Read(ctx, p)
	if n > 0 && t.meter {
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

// ERLE is the echo canceller's figure while this tile talks (the hover
// shows it; see erleText).
func (r *runner) ERLE() (float64, bool) {
	r.talkMu.Lock()
	m, talking := r.talkMic, r.endTalk != nil
	r.talkMu.Unlock()
	if !talking {
		return 0, false
	}
	return r.snd.erle(m)
}

// ERLE is the echo canceller's figure while this speaker's talk or call
// runs.
func (c *speakerCtrl) ERLE() (float64, bool) {
	c.mu.Lock()
	m, running := c.mic, c.live != nil && c.live.Load() && !c.closed
	c.mu.Unlock()
	if !running {
		return 0, false
	}
	return c.snd.erle(m)
}

// cleaning is the talk's noise suppression and gain as set now, for the
// pre-check's microphone figures and echo test (defaults when there is
// no cleaner).
func (s *sound) cleaning() aec.Options {
	if s == nil || s.clean == nil {
		return aec.Options{}
	}
	denoise, agc := s.clean.Stages()
	return aec.Options{NoDenoise: !denoise, NoAGC: !agc}
}

// micGainText is the pre-check's second microphone figure: the level a
// talk sends after noise suppression and gain.
func micGainText(r check.DeviceResult) string {
	if r.LevelAfterGainDBFS == nil || r.LevelDBFS == nil {
		return ""
	}
	return fmt.Sprintf("\nLevel %.1f dBFS as captured, %.1f dBFS after noise suppression and gain (what a talk sends).",
		*r.LevelDBFS, *r.LevelAfterGainDBFS)
}
