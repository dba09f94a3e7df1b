package wall_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/tuya"
	"github.com/lookout-app/lookout/session/wall"
)

var speakerFormat = audio.Format{SampleRate: 48000, Channels: 2}

// fakeSpeaker records writes; buffered is what it claims to hold.
type fakeSpeaker struct {
	writes   [][]int16
	buffered time.Duration
}

func (f *fakeSpeaker) Format() audio.Format { return speakerFormat }
func (f *fakeSpeaker) Write(p []int16) (int, error) {
	f.writes = append(f.writes, append([]int16(nil), p...))
	return len(p), nil
}
func (f *fakeSpeaker) Buffered() time.Duration { return f.buffered }
func (f *fakeSpeaker) Close() error            { return nil }

func TestRouterPlaysTheHeardTileWithAPlayoutDelay(t *testing.T) {
	sp := &fakeSpeaker{}
	r := wall.NewRouter(sp)
	frame := make([]int16, speakerFormat.Samples(20*time.Millisecond))
	a, b := r.Sink("acc/a"), r.Sink("acc/b")

	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 0 {
		t.Fatal("a tile nobody focused was played")
	}
	r.SetHeard("acc/a")
	b.PlayAudio(frame, speakerFormat)
	a.PlayAudio(frame, speakerFormat)
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 0 {
		t.Fatalf("played %d writes before 60 ms were buffered", len(sp.writes))
	}
	a.PlayAudio(frame, speakerFormat) // 60 ms now
	if len(sp.writes) != 1 || len(sp.writes[0]) != 3*len(frame) {
		t.Fatalf("writes %d, want one of 60 ms", len(sp.writes))
	}
	sp.buffered = 40 * time.Millisecond
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 || len(sp.writes[1]) != len(frame) {
		t.Fatal("a running speaker did not get the next frame straight away")
	}
	r.SetMuted("acc/a", true)
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("a muted tile was played")
	}
	r.SetMuted("acc/a", false)
	sp.buffered = 0 // ran dry: the delay is built up again
	a.PlayAudio(frame, speakerFormat)
	if len(sp.writes) != 2 {
		t.Fatal("played straight into an empty speaker after an underrun")
	}
	r.SetSpeaker(nil)
	a.PlayAudio(frame, speakerFormat) // no speaker: nothing, no panic
}

// TestRouterListensToTheHeardTileOnly: a session decodes a tile's audio
// only while it is the heard tile, unmuted, with a speaker.
func TestRouterListensToTheHeardTileOnly(t *testing.T) {
	r := wall.NewRouter(&fakeSpeaker{})
	a, b := r.Sink("acc/a").(session.Listener), r.Sink("acc/b").(session.Listener)
	if a.Listening() || b.Listening() {
		t.Fatal("listening before any tile is heard")
	}
	r.SetHeard("acc/a")
	if !a.Listening() || b.Listening() {
		t.Fatalf("heard a: a %v b %v", a.Listening(), b.Listening())
	}
	r.SetMuted("acc/a", true)
	if a.Listening() {
		t.Fatal("a muted tile is listened to")
	}
	r.SetMuted("acc/a", false)
	r.SetSpeaker(nil)
	if a.Listening() {
		t.Fatal("listened to with no speaker")
	}
}

// countingSpeaker counts the samples written to it, from any goroutine.
type countingSpeaker struct{ n atomic.Int64 }

func (c *countingSpeaker) Format() audio.Format { return speakerFormat }
func (c *countingSpeaker) Write(p []int16) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}
func (c *countingSpeaker) Buffered() time.Duration { return 0 }
func (c *countingSpeaker) Close() error            { return nil }

// TestHeardTileOnTheDemoSite: two live demo cameras, and only the heard
// one reaches the speaker; muting its tile silences it, and making the
// other heard plays that one.
func TestHeardTileOnTheDemoSite(t *testing.T) {
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := factory(c)
	m := wall.New(nil, wall.Config{Factory: func(source string, q session.Quality) (session.Config, error) {
		cfg, err := base(source, q)
		cfg.AudioFormat = speakerFormat
		cfg.NewAudioDecoder = func(mime string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(mime, rate, ch, out)
		}
		return cfg, err
	}})
	defer m.Close()
	sp := &countingSpeaker{}
	m.SetRouter(wall.NewRouter(sp))
	a, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Open("demo/cam2", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both live", func() bool { return a.Live() && b.Live() })
	quiet := func(what string) {
		t.Helper()
		n := sp.n.Load()
		time.Sleep(300 * time.Millisecond)
		if got := sp.n.Load(); got != n {
			t.Fatalf("%s: %d samples played", what, got-n)
		}
	}
	quiet("no tile heard")
	m.SetHeard("demo/cam1")
	n := sp.n.Load()
	waitFor(t, "the heard tile's audio", func() bool { return sp.n.Load() > n+int64(speakerFormat.Samples(200*time.Millisecond)) })
	a.SetMuted(true)
	time.Sleep(100 * time.Millisecond) // what was decoded before the mute drains
	quiet("the heard tile muted")
	m.SetHeard("demo/cam2")
	n = sp.n.Load()
	waitFor(t, "the other tile's audio once heard", func() bool { return sp.n.Load() > n+int64(speakerFormat.Samples(200*time.Millisecond)) })
}
