package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/assets"
	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/miniaudio"
)

// seekBuffer is an in-memory io.WriteSeeker for WAVWriter.
type seekBuffer struct {
	mu  sync.Mutex
	buf []byte
	pos int
}

func (b *seekBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if need := b.pos + len(p); need > len(b.buf) {
		b.buf = append(b.buf, make([]byte, need-len(b.buf))...)
	}
	copy(b.buf[b.pos:], p)
	b.pos += len(p)
	return len(p), nil
}

func (b *seekBuffer) Seek(off int64, whence int) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch whence {
	case io.SeekStart:
		b.pos = int(off)
	case io.SeekCurrent:
		b.pos += int(off)
	case io.SeekEnd:
		b.pos = len(b.buf) + int(off)
	}
	return int64(b.pos), nil
}

func (b *seekBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

// recPlayer is a WAV-backed audio.Player that keeps what it played.
type recPlayer struct {
	audio.Player
	w    *audio.WAVWriter
	buf  *seekBuffer
	once sync.Once
	err  error
}

func newRecPlayer(t *testing.T, f audio.Format) *recPlayer {
	t.Helper()
	buf := &seekBuffer{}
	w, err := audio.NewWAVWriter(buf, f)
	if err != nil {
		t.Fatal(err)
	}
	p := &recPlayer{Player: audio.NewWAVPlayer(w, f), w: w, buf: buf}
	t.Cleanup(func() { p.Close() })
	return p
}

// Underruns passes the WAV player's count through the wrapper.
func (p *recPlayer) Underruns() uint64 { return p.Player.(audio.UnderrunCounter).Underruns() }

func (p *recPlayer) Close() error {
	p.once.Do(func() { p.err = errors.Join(p.Player.Close(), p.w.Close()) })
	return p.err
}

// recording closes the player and returns everything it played.
func (p *recPlayer) recording(t *testing.T) ([]int16, audio.Format) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	pcm, f, err := audio.ReadWAV(bytes.NewReader(p.buf.bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return pcm, f
}

// sound returns the first channel of pcm from its first audible sample,
// at most d long.
func sound(pcm []int16, f audio.Format, d time.Duration) []int16 {
	m := audio.Mono(pcm, f.Channels)
	for i, s := range m {
		if s > 30 || s < -30 {
			m = m[i:]
			break
		}
	}
	return m[:min(len(m), f.Samples(d)/f.Channels)]
}

func chime(t *testing.T) ([]int16, audio.Format) {
	t.Helper()
	pcm, f, err := audio.ReadWAV(bytes.NewReader(assets.Chime))
	if err != nil {
		t.Fatal(err)
	}
	return pcm, f
}

func TestChimeAsset(t *testing.T) {
	pcm, f := chime(t)
	if f != (audio.Format{SampleRate: 48000, Channels: 1}) {
		t.Fatalf("format %v, want 48000 Hz mono", f)
	}
	if d := f.Duration(len(pcm)); d < 700*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("duration %v, want about 0.8 s", d)
	}
	lv := audio.Measure(pcm, 1)
	if math.Abs(lv.PeakdBFS+12) > 0.2 || lv.Clipped != 0 {
		t.Errorf("peak %.2f dBFS, %d clipped runs; want -12 dBFS, none", lv.PeakdBFS, lv.Clipped)
	}
	// Two notes: G5 rings first, E5 after 0.28 s.
	for _, c := range []struct {
		from, to time.Duration
		want     float64
	}{{0, 250 * time.Millisecond, 783.99}, {300 * time.Millisecond, 800 * time.Millisecond, 659.26}} {
		seg := pcm[f.Samples(c.from):f.Samples(c.to)]
		if got := audio.DominantFrequency(seg, f.SampleRate); math.Abs(got-c.want) > c.want*0.01 {
			t.Errorf("%v-%v: dominant %.1f Hz, want %.1f", c.from, c.to, got, c.want)
		}
	}
}

// withClips returns p with a short clipped run at each of the given sample
// indexes.
func withClips(p []int16, at ...int) []int16 {
	p = append([]int16(nil), p...)
	for _, i := range at {
		for k := range 5 {
			p[i+k] = 32767
		}
	}
	return p
}

func TestMicVerdict(t *testing.T) {
	mono := audio.Format{SampleRate: 48000, Channels: 1}
	stereo := audio.Format{SampleRate: 48000, Channels: 2}
	d := 300 * time.Millisecond
	trueStereo := func() []int16 {
		l := audio.Tone(440, -20, mono, d)
		r := audio.Tone(1000, -20, mono, d)
		out := make([]int16, 2*len(l))
		for i := range l {
			out[2*i], out[2*i+1] = l[i], r[i]
		}
		return out
	}()
	cases := []struct {
		name       string
		f          audio.Format
		pcm        []int16
		ok         bool
		verdict    string // prefix
		level      float64
		detailHas  string
		detailNone bool
	}{
		{"silence", stereo, make([]int16, stereo.Samples(d)), false, verdictSilent, audio.FloordBFS, "", true},
		{"one LSB of noise", mono, func() []int16 {
			p := make([]int16, mono.Samples(d))
			for i := range p {
				p[i] = int16(i%3 - 1)
			}
			return p
		}(), false, verdictSilent, -92.0, "", true},
		{"low -70 dBFS tone", mono, audio.Tone(1000, -70, mono, d), false, "very low level (-73.", -73.0, "", true},
		{"clipped tone", mono, audio.Tone(440, 6, mono, d), false, "clipping (", -0.5, "", true},
		{"normal -20 dBFS tone", mono, audio.Tone(1000, -20, mono, d), true, "working: level -23.0 dBFS, peak -20.0 dBFS", -23.0, "", true},
		{"one knock tolerated", mono, withClips(audio.Tone(1000, -20, mono, d), 1000), true, "working:", -23.0, "", true},
		{"three knocks clip", mono, withClips(audio.Tone(1000, -20, mono, d), 1000, 5000, 9000), false, "clipping (3 runs", -23.0, "", true},
		{"mono in stereo", stereo, audio.Tone(1000, -20, stereo, d), true, "working:", -23.0, "a mono microphone carried as stereo", false},
		{"true stereo", stereo, trueStereo, true, "working:", -23.0, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			capt := audio.NewWAVCapturer(c.pcm, c.f, true)
			defer capt.Close()
			r := TestMicrophone(ctx, "Mic", true, capt, d, nil)
			if r.OK != c.ok || !strings.HasPrefix(r.Verdict, c.verdict) {
				t.Fatalf("got ok=%v %q, want ok=%v %q...", r.OK, r.Verdict, c.ok, c.verdict)
			}
			if r.LevelDBFS == nil || math.Abs(*r.LevelDBFS-c.level) > 1 {
				t.Errorf("level %v, want about %.1f", r.LevelDBFS, c.level)
			}
			if c.detailNone && r.Detail != "" {
				t.Errorf("detail %q, want none", r.Detail)
			}
			if !strings.Contains(r.Detail, c.detailHas) {
				t.Errorf("detail %q, want %q in it", r.Detail, c.detailHas)
			}
			if r.Name != "Mic" || !r.Default {
				t.Errorf("name %q default %v", r.Name, r.Default)
			}
			// The same samples judged directly agree.
			if direct := MicVerdict("Mic", true, c.pcm, c.f); direct.Verdict != r.Verdict {
				t.Errorf("MicVerdict %q, TestMicrophone %q", direct.Verdict, r.Verdict)
			}
		})
	}
}

func TestMicVerdictEmpty(t *testing.T) {
	r := MicVerdict("Mic", false, nil, audio.Format{SampleRate: 8000, Channels: 1})
	if r.OK || r.Verdict != verdictSilent || r.Detail != "nothing was recorded" || *r.LevelDBFS != audio.FloordBFS {
		t.Fatalf("%+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"level_dbfs":-120`) {
		t.Fatalf("%s %v", b, err)
	}
}

func TestMicrophoneLiveLevel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f := audio.Format{SampleRate: 16000, Channels: 1}
	capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, time.Second), f, true)
	defer capt.Close()
	var levels []audio.Level
	start := time.Now()
	r := TestMicrophone(ctx, "Mic", true, capt, 400*time.Millisecond, func(lv audio.Level) { levels = append(levels, lv) })
	if !r.OK {
		t.Fatalf("%+v", r)
	}
	if el := time.Since(start); el < 350*time.Millisecond {
		t.Errorf("recorded 400 ms in %v: not real time", el)
	}
	if len(levels) < 6 {
		t.Fatalf("onLevel called %d times in 400 ms, want about 8", len(levels))
	}
	for i, lv := range levels {
		if math.Abs(lv.RMSdBFS+23) > 0.5 {
			t.Errorf("level %d: %.1f dBFS, want -23", i, lv.RMSdBFS)
		}
	}
}

func TestMicrophoneEarlyEndAndErrors(t *testing.T) {
	f := audio.Format{SampleRate: 8000, Channels: 1}
	t.Run("source ends early", func(t *testing.T) {
		capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, 100*time.Millisecond), f, false)
		defer capt.Close()
		r := TestMicrophone(context.Background(), "Mic", false, capt, time.Second, nil)
		if !r.OK || r.Default {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, time.Second), f, true)
		defer capt.Close()
		start := time.Now()
		r := TestMicrophone(ctx, "Mic", true, capt, 5*time.Second, nil)
		if r.OK || r.Verdict != "microphone test interrupted" || time.Since(start) > 4*time.Second { // far below the 5 s test
			t.Fatalf("%+v after %v", r, time.Since(start))
		}
	})
	t.Run("closed device", func(t *testing.T) {
		capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, time.Second), f, true)
		capt.Close()
		r := TestMicrophone(context.Background(), "Mic", true, capt, time.Second, nil)
		if r.OK || !strings.HasPrefix(r.Verdict, "could not record") || !strings.Contains(r.Detail, "closed") {
			t.Fatalf("%+v", r)
		}
	})
}

func TestSpeakerPlaysChime(t *testing.T) {
	src, sf := chime(t)
	want := audio.DominantFrequency(src, sf.SampleRate)
	for _, f := range []audio.Format{
		DeviceFormat,
		{SampleRate: 48000, Channels: 1},
		{SampleRate: 44100, Channels: 1},
		{SampleRate: 16000, Channels: 2},
	} {
		t.Run(f.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			p := newRecPlayer(t, f)
			var levels []audio.Level
			start := time.Now()
			r := TestSpeaker(ctx, "Speaker", true, p, func(lv audio.Level) { levels = append(levels, lv) })
			el := time.Since(start)
			if !r.OK || r.Verdict != verdictHearIt || r.Name != "Speaker" || !r.Default {
				t.Fatalf("%+v", r)
			}
			if el < 700*time.Millisecond {
				t.Errorf("returned after %v, before the 0.8 s chime could be played", el)
			}
			pcm, rf := p.recording(t)
			if rf != f {
				t.Fatalf("recorded %v, want %v", rf, f)
			}
			seg := sound(pcm, f, sf.Duration(len(src)))
			lv := audio.Measure(seg, 1)
			if lv.RMSdBFS < -40 {
				t.Errorf("recorded chime at %.1f dBFS, want above -40", lv.RMSdBFS)
			}
			if got := audio.DominantFrequency(seg, f.SampleRate); math.Abs(got-want) > want*0.01 {
				t.Errorf("recorded dominant frequency %.1f Hz, chime's %.1f Hz", got, want)
			}
			// The output meter rose with the chime and fell back to silence.
			loud := 0
			for _, l := range levels {
				if l.RMSdBFS > -40 {
					loud++
				}
			}
			if len(levels) < 8 || loud < 5 {
				t.Errorf("%d levels, %d loud; want a meter following 0.8 s of chime", len(levels), loud)
			}
			if last := levels[len(levels)-1]; !last.Silent {
				t.Errorf("last level %+v, want silence", last)
			}
		})
	}
}

// brokenPlayer fails every Write.
type brokenPlayer struct{ f audio.Format }

func (b brokenPlayer) Format() audio.Format     { return b.f }
func (brokenPlayer) Write([]int16) (int, error) { return 0, errors.New("device unplugged") }
func (brokenPlayer) Buffered() time.Duration    { return 0 }
func (brokenPlayer) Close() error               { return nil }

// stalledPlayer takes samples but never plays them.
type stalledPlayer struct{ brokenPlayer }

func (stalledPlayer) Write(p []int16) (int, error) { return len(p), nil }
func (stalledPlayer) Buffered() time.Duration      { return time.Second }

// stutterPlayer reports 10 underruns over the playing of anything.
type stutterPlayer struct {
	audio.Player
	calls int
}

func (s *stutterPlayer) Underruns() uint64 {
	s.calls++
	if s.calls == 1 {
		return 0
	}
	return 10
}

func TestSpeakerFailures(t *testing.T) {
	f := audio.Format{SampleRate: 8000, Channels: 1}
	t.Run("write error", func(t *testing.T) {
		r := TestSpeaker(context.Background(), "Speaker", true, brokenPlayer{f}, nil)
		if r.OK || !strings.HasPrefix(r.Verdict, "could not play") || r.Detail != "device unplugged" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("stalled", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits for the stall timeout")
		}
		start := time.Now()
		r := TestSpeaker(context.Background(), "Speaker", true, stalledPlayer{brokenPlayer{f}}, nil)
		if r.OK || !strings.Contains(r.Detail, ErrStalled.Error()) || time.Since(start) > 5*time.Second {
			t.Fatalf("%+v after %v", r, time.Since(start))
		}
	})
	t.Run("stutter", func(t *testing.T) {
		p := &stutterPlayer{Player: newRecPlayer(t, f)}
		r := TestSpeaker(context.Background(), "Speaker", true, p, nil)
		if r.OK || !strings.HasPrefix(r.Verdict, "the test sound stuttered (10 underruns)") {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		r := TestSpeaker(ctx, "Speaker", true, newRecPlayer(t, f), nil)
		if r.OK || r.Verdict != "speaker test interrupted" {
			t.Fatalf("%+v", r)
		}
	})
}

func TestEchoTest(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     audio.Format
		out    audio.Format
		d      time.Duration
		signal time.Duration
	}{
		{"same format", audio.Format{SampleRate: 48000, Channels: 1}, audio.Format{SampleRate: 48000, Channels: 1}, 500 * time.Millisecond, time.Second},
		{"resampled", audio.Format{SampleRate: 16000, Channels: 1}, DeviceFormat, 500 * time.Millisecond, time.Second},
		{"longer than the player's buffer", audio.Format{SampleRate: 8000, Channels: 1}, audio.Format{SampleRate: 8000, Channels: 1}, 2500 * time.Millisecond, 3 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			capt := audio.NewWAVCapturer(audio.Tone(523.25, -20, c.in, c.signal), c.in, true)
			defer capt.Close()
			p := newRecPlayer(t, c.out)
			var phases []string
			start := time.Now()
			lv, err := EchoTest(ctx, capt, p, c.d, func(s string) { phases = append(phases, s) })
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < 2*c.d-100*time.Millisecond {
				t.Errorf("took %v, want %v of recording and as much of playing", el, c.d)
			}
			if fmt.Sprint(phases) != "[recording playing done]" {
				t.Errorf("phases %v", phases)
			}
			if math.Abs(lv.RMSdBFS+23) > 0.5 {
				t.Errorf("recording level %.1f dBFS, want -23", lv.RMSdBFS)
			}
			pcm, f := p.recording(t)
			played := sound(pcm, f, 10*time.Second)
			// Trim the silence after it.
			end := len(played)
			for end > 0 && played[end-1] > -30 && played[end-1] < 30 {
				end--
			}
			played = played[:end]
			if d := time.Duration(len(played)) * time.Second / time.Duration(f.SampleRate); d < c.d-50*time.Millisecond || d > c.d+50*time.Millisecond {
				t.Errorf("played %v, recorded %v", d, c.d)
			}
			if got := audio.DominantFrequency(played, f.SampleRate); math.Abs(got-523.25) > 5 {
				t.Errorf("played %.1f Hz, want 523.25", got)
			}
			if plv := audio.Measure(played, 1); math.Abs(plv.RMSdBFS+23) > 1 {
				t.Errorf("played at %.1f dBFS, want -23", plv.RMSdBFS)
			}
		})
	}
}

func TestEchoTestErrors(t *testing.T) {
	f := audio.Format{SampleRate: 8000, Channels: 1}
	t.Run("cancelled while recording", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, time.Second), f, true)
		defer capt.Close()
		var phases []string
		_, err := EchoTest(ctx, capt, newRecPlayer(t, f), time.Second, func(s string) { phases = append(phases, s) })
		if !errors.Is(err, context.DeadlineExceeded) || len(phases) != 1 {
			t.Fatalf("%v %v", err, phases)
		}
	})
	t.Run("playback fails", func(t *testing.T) {
		capt := audio.NewWAVCapturer(audio.Tone(500, -20, f, time.Second), f, true)
		defer capt.Close()
		_, err := EchoTest(context.Background(), capt, brokenPlayer{f}, 100*time.Millisecond, nil)
		if err == nil || !strings.Contains(err.Error(), "echo test: play: device unplugged") {
			t.Fatal(err)
		}
	})
}

// fakeAudio is an AudioDevices with WAV-backed devices whose listing
// changes from call to call.
type fakeAudio struct {
	t      *testing.T
	signal []int16 // what every microphone hears, in DeviceFormat

	mu       sync.Mutex
	lists    [][2][]audio.DeviceInfo // returned in turn; the last repeats
	listErr  error
	calls    int
	failOpen map[string]bool
	opened   []string
	players  map[string]*recPlayer
	captures []audio.Capturer
}

func (a *fakeAudio) Devices() ([]audio.DeviceInfo, []audio.DeviceInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listErr != nil {
		return nil, nil, a.listErr
	}
	l := a.lists[min(a.calls, len(a.lists)-1)]
	a.calls++
	return l[0], l[1], nil
}

func (a *fakeAudio) OpenCapture(id string, f audio.Format) (audio.Capturer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opened = append(a.opened, "capture "+id)
	if a.failOpen[id] {
		return nil, fmt.Errorf("open %s: %w", id, audio.ErrNoDevice)
	}
	if f != DeviceFormat {
		a.t.Errorf("capture opened in %v", f)
	}
	c := audio.NewWAVCapturer(a.signal, f, true)
	a.captures = append(a.captures, c)
	return c, nil
}

func (a *fakeAudio) OpenPlayback(id string, f audio.Format) (audio.Player, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opened = append(a.opened, "playback "+id)
	if a.failOpen[id] {
		return nil, fmt.Errorf("open %s: %w", id, audio.ErrNoDevice)
	}
	p := newRecPlayer(a.t, f)
	if a.players == nil {
		a.players = map[string]*recPlayer{}
	}
	a.players[id] = p
	return p, nil
}

func dev(id, name string, def, capture bool) audio.DeviceInfo {
	return audio.DeviceInfo{ID: id, Name: name, Default: def, Capture: capture}
}

func TestCheckDevicesChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	micA, micB, micC := dev("a", "Built-in Mic", true, true), dev("b", "Webcam Mic", false, true), dev("c", "Headset Mic", false, true)
	spkX, spkY := dev("x", "Speakers", true, false), dev("y", "Headset", false, false)
	a := &fakeAudio{
		t:      t,
		signal: audio.Tone(440, -20, DeviceFormat, time.Second),
		lists: [][2][]audio.DeviceInfo{
			{{micA, micB}, {spkX}},
			{{micA, micC}, {spkX, spkY}},
		},
		failOpen: map[string]bool{},
	}
	var steps []string
	micLevels, spkLevels := 0, 0
	got := CheckDevices(ctx, a, DeviceOptions{
		MicDuration:    300 * time.Millisecond,
		Progress:       func(s string) { steps = append(steps, s) },
		OnMicLevel:     func(audio.Level) { micLevels++ },
		OnSpeakerLevel: func(audio.Level) { spkLevels++ },
	})
	if len(got.Microphones) != 3 || len(got.Speakers) != 2 {
		t.Fatalf("%+v", got)
	}
	m := got.Microphones
	if m[0].Name != "Built-in Mic" || !m[0].Default || !m[0].OK || m[0].LevelDBFS == nil || math.Abs(*m[0].LevelDBFS+23) > 0.5 {
		t.Errorf("default mic %+v", m[0])
	}
	if !strings.Contains(m[0].Detail, "mono microphone carried as stereo") {
		t.Errorf("default mic detail %q", m[0].Detail)
	}
	if m[1].Name != "Webcam Mic" || m[1].OK || m[1].Default || !strings.Contains(m[1].Detail, "disappeared during the check") {
		t.Errorf("gone mic %+v", m[1])
	}
	if m[2].Name != "Headset Mic" || !m[2].OK || !strings.Contains(m[2].Detail, "appeared during the check") {
		t.Errorf("new mic %+v", m[2])
	}
	s := got.Speakers
	if s[0].Name != "Speakers" || !s[0].OK || s[0].Verdict != verdictHearIt || s[0].Detail != "" {
		t.Errorf("default speaker %+v", s[0])
	}
	if s[1].Name != "Headset" || !s[1].OK || !strings.Contains(s[1].Detail, "appeared during the check") {
		t.Errorf("new speaker %+v", s[1])
	}
	if micLevels < 4 || spkLevels < 8 {
		t.Errorf("%d mic and %d speaker levels", micLevels, spkLevels)
	}
	wantSteps := []string{
		"listing audio devices",
		`testing microphone "Built-in Mic"`,
		`opening microphone "Webcam Mic"`,
		`testing speaker "Speakers"`,
		"looking for devices plugged in or removed during the check",
	}
	if fmt.Sprint(steps) != fmt.Sprint(wantSteps) {
		t.Errorf("steps %q", steps)
	}
	// The default speaker really received the chime.
	pcm, f := a.players["x"].recording(t)
	if lv := audio.Measure(sound(pcm, f, time.Second), 1); lv.RMSdBFS < -40 {
		t.Errorf("default speaker played %.1f dBFS", lv.RMSdBFS)
	}
	// Every device opened was closed: a closed capturer refuses to Read.
	for i, c := range a.captures {
		if _, err := c.Read(ctx, make([]int16, 2)); !errors.Is(err, audio.ErrClosed) {
			t.Errorf("capture %d left open: %v", i, err)
		}
	}
	for id, p := range a.players {
		if _, err := p.Write(make([]int16, 2)); !errors.Is(err, audio.ErrClosed) {
			t.Errorf("player %s left open: %v", id, err)
		}
	}
}

func TestCheckDevicesDefaultChangesAndOpenFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	micA, micB := dev("a", "Built-in Mic", true, true), dev("b", "Webcam Mic", false, true)
	micB2 := micB
	micB2.Default = true
	micA2 := micA
	micA2.Default = false
	a := &fakeAudio{
		t:      t,
		signal: audio.Tone(440, -20, DeviceFormat, time.Second),
		lists: [][2][]audio.DeviceInfo{
			{{micA, micB}, {dev("x", "Speakers", true, false)}},
			{{micA2, micB2}, {dev("x", "Speakers", true, false)}},
		},
		failOpen: map[string]bool{"b": true, "x": true},
	}
	got := CheckDevices(ctx, a, DeviceOptions{MicDuration: 200 * time.Millisecond})
	m := got.Microphones
	if len(m) != 2 || !m[0].OK || !strings.Contains(m[0].Detail, `the default microphone changed to "Webcam Mic"`) {
		t.Errorf("mics %+v", m)
	}
	if m[1].OK || !strings.HasPrefix(m[1].Verdict, "could not open") || !strings.Contains(m[1].Detail, "no audio device") {
		t.Errorf("failing mic %+v", m[1])
	}
	if s := got.Speakers; len(s) != 1 || s[0].OK || !s[0].Default || !strings.HasPrefix(s[0].Verdict, "could not open") {
		t.Errorf("speakers %+v", s)
	}
}

func TestCheckDevicesNone(t *testing.T) {
	for _, c := range []struct {
		name   string
		a      *fakeAudio
		detail string
	}{
		{"empty lists", &fakeAudio{lists: [][2][]audio.DeviceInfo{{nil, nil}}}, ""},
		{"audio system fails", &fakeAudio{listErr: fmt.Errorf("miniaudio: no backend: %w", audio.ErrNoDevice)}, "miniaudio: no backend: no audio device"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.a.t = t
			got := CheckDevices(context.Background(), c.a, DeviceOptions{})
			want := &Devices{
				Microphones: []DeviceResult{{Name: "(none)", Verdict: "no microphone found: talk will be unavailable", Detail: c.detail}},
				Speakers:    []DeviceResult{{Name: "(none)", Verdict: "no speaker found: camera sound will be unavailable", Detail: c.detail}},
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if !bytes.Equal(gb, wb) {
				t.Fatalf("got  %s\nwant %s", gb, wb)
			}
			if len(c.a.opened) != 0 {
				t.Errorf("opened %v", c.a.opened)
			}
		})
	}
}

func TestCheckDevicesPluggedInDuringCheck(t *testing.T) {
	a := &fakeAudio{
		t:      t,
		signal: audio.Tone(440, -20, DeviceFormat, time.Second),
		lists: [][2][]audio.DeviceInfo{
			{nil, nil},
			{{dev("h", "Headset Mic", true, true)}, nil},
		},
	}
	got := CheckDevices(context.Background(), a, DeviceOptions{})
	if m := got.Microphones; len(m) != 1 || m[0].Name != "Headset Mic" || !m[0].OK || !strings.Contains(m[0].Detail, "appeared") {
		t.Errorf("mics %+v", m)
	}
	if s := got.Speakers; len(s) != 1 || s[0].Verdict != verdictNoSpeaker {
		t.Errorf("speakers %+v", s)
	}
}

// TestCheckDevicesNull runs the check against miniaudio's null backend: a
// silent microphone and a speaker nobody hears, both paced at real time.
func TestCheckDevicesNull(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mc, err := miniaudio.Open("null", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	spk := 0
	got := CheckDevices(ctx, mc, DeviceOptions{MicDuration: 300 * time.Millisecond, OnSpeakerLevel: func(audio.Level) { spk++ }})
	b, _ := json.Marshal(got)
	t.Logf("%s", b)
	if len(got.Microphones) == 0 || len(got.Speakers) == 0 {
		t.Fatalf("%s", b)
	}
	m := got.Microphones[0]
	if !m.Default || m.OK || m.Verdict != verdictSilent {
		t.Errorf("null microphone %+v, want the silent verdict", m)
	}
	s := got.Speakers[0]
	if !s.Default || !s.OK || s.Verdict != verdictHearIt {
		t.Errorf("null speaker %+v", s)
	}
	if spk < 8 {
		t.Errorf("%d speaker levels", spk)
	}
}
