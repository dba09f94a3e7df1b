package session_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
)

// countingDecoder counts the access units a video decoder is given.
type countingDecoder struct {
	player.Decoder
	n *atomic.Int64
}

func (d countingDecoder) Decode(au player.AccessUnit, emit func(*player.Frame)) error {
	d.n.Add(1)
	return d.Decoder.Decode(au, emit)
}

// countingAudio counts the audio packets decoded.
type countingAudio struct {
	session.AudioDecoder
	n *atomic.Int64
}

func (d countingAudio) Decode(p []byte) ([]int16, error) {
	d.n.Add(1)
	return d.AudioDecoder.Decode(p)
}

// listener is an audio sink whose listening a test switches.
type listener struct{ on atomic.Bool }

func (l *listener) PlayAudio([]int16, audio.Format) {}
func (l *listener) Listening() bool                 { return l.on.Load() }

// TestUnseenMediaIsNotDecoded: a paused session (a minimised window)
// decodes no picture and stays live, its watchdog fed by the media still
// arriving; resumed, it shows pictures again. Audio nobody listens to is
// not decoded either. Against a real demo camera over pion on loopback.
func TestUnseenMediaIsNotDecoded(t *testing.T) {
	var video, sound atomic.Int64
	hear := &listener{}
	w := startWall(t, 1, demo.Config{}, func(c *session.Config) {
		c.NewDecoder = func(m string) (player.Decoder, error) {
			d, err := ffmpeg.NewDecoder(m)
			return countingDecoder{d, &video}, err
		}
		c.Audio = hear
		c.NewAudioDecoder = func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			d, err := ffmpeg.NewAudioDecoder(m, rate, ch, out)
			return countingAudio{d, &sound}, err
		}
	})
	tl := w.tiles[0]
	from := tl.mark()
	// unchanged returns how much c grows over d (after letting in-flight
	// work settle).
	growth := func(c *atomic.Int64, d time.Duration) int64 {
		time.Sleep(200 * time.Millisecond)
		before := c.Load()
		time.Sleep(d)
		return c.Load() - before
	}
	if n := growth(&sound, time.Second); n != 0 {
		t.Errorf("%d audio packets decoded in 1 s with nobody listening", n)
	}
	hear.on.Store(true)
	if n := growth(&sound, time.Second); n < 10 {
		t.Errorf("%d audio packets decoded in 1 s while listened to", n)
	}

	tl.s.SetPaused(true)
	frames := tl.frames.Load()
	// Longer than the watchdog's 2 s: a paused session must stay live.
	if n := growth(&video, 3*time.Second); n != 0 {
		t.Errorf("%d pictures decoded in 3 s while paused", n)
	}
	if n := tl.frames.Load() - frames; n > 2 {
		t.Errorf("%d pictures delivered while paused", n)
	}
	steady(t, tl, from)
	resumed := time.Now()
	tl.s.SetPaused(false)
	for start := tl.frames.Load(); tl.frames.Load() == start; time.Sleep(5 * time.Millisecond) {
		if time.Since(resumed) > 10*time.Second {
			t.Fatal("no picture within 10 s of resuming")
		}
	}
	t.Logf("first picture %d ms after resuming", time.Since(resumed).Milliseconds())
	steady(t, tl, from)
}
