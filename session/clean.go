package session

import (
	"context"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// MicCleaner cleans the microphone on the talk path before it is encoded:
// echo cancellation against what the speaker plays, noise suppression and
// automatic gain (audio/aec's Processor implements it; whoever feeds the
// speaker hands the same Processor what it plays). One cleaner serves the
// window's one microphone.
type MicCleaner interface {
	// Format is the microphone format Clean takes.
	Format() audio.Format
	// Reset forgets the speaker's backlog when a talk starts.
	Reset()
	// Clean cleans samples in place; at is when the first was captured.
	Clean(mic []int16, at time.Time) error
}

// cleanMic returns c cleaned by the configured cleaner, or c itself when
// there is none or c's format is not the cleaner's.
func (s *Session) cleanMic(c audio.Capturer) audio.Capturer {
	cl := s.cfg.Cleaner
	if cl == nil {
		return c
	}
	if c.Format() != cl.Format() {
		s.log.Info("session: microphone not cleaned", "microphone", c.Format().String(), "cleaner", cl.Format().String())
		return c
	}
	cl.Reset()
	return cleanCapturer{Capturer: c, cl: cl}
}

// cleanCapturer cleans what it reads; a cleaner's failure leaves the
// block as captured (the talk goes on uncleaned rather than silent).
type cleanCapturer struct {
	audio.Capturer
	cl MicCleaner
}

func (c cleanCapturer) Read(ctx context.Context, p []int16) (int, error) {
	n, err := c.Capturer.Read(ctx, p)
	if n > 0 {
		// The microphone's own clock, or else: the block ended now.
		var at time.Time
		if cc, ok := c.Capturer.(audio.CaptureClock); ok {
			at = cc.CapturedAt()
		} else {
			at = time.Now().Add(-c.Format().Duration(n))
		}
		_ = c.cl.Clean(p[:n], at)
	}
	return n, err
}

// Ducker is an AudioSink that can lower (duck) a source's audio instead of
// dropping it: while we talk to a half-duplex device (a half-duplex
// speaker, a camera whose call_mode is one-way) the session ducks its
// audio, so a person hears the device faintly and no feedback reaches the
// microphone. A sink that is no Ducker gets nothing meanwhile.
type Ducker interface {
	Duck(on bool)
}

// duckWhileTalking ducks a half-duplex device's audio for a talk and
// returns what ends it; ok is false when the sink cannot duck (the
// session then drops the device's audio while the talk lasts).
func (s *Session) duckWhileTalking() (end func(), ok bool) {
	d, ok := s.cfg.Audio.(Ducker)
	if !ok {
		return func() {}, false
	}
	if s.planTalk.Load() != string(TalkHalf) {
		return func() {}, true
	}
	d.Duck(true)
	return func() { d.Duck(false) }, true
}
