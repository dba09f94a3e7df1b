package ffmpeg

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
)

// clipSink keeps copies of the pictures a ClipPlayer shows.
type clipSink struct {
	mu     sync.Mutex
	frames []*player.Frame
}

func (s *clipSink) PutFrame(f *player.Frame) {
	c := f.Clone()
	s.mu.Lock()
	s.frames = append(s.frames, c)
	s.mu.Unlock()
}

func (s *clipSink) last() (*player.Frame, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.frames) == 0 {
		return nil, 0
	}
	return s.frames[len(s.frames)-1], len(s.frames)
}

// recordedClip writes a 2 s clip as a recording writes one (player/ffmpeg's
// Muxer, the recorder's writer): testsrc2 at 320x180, 25 fps, a keyframe
// every 30 pictures, and a PCMU tone. It returns the file, the pictures'
// times and ffmpeg's own decode of each picture (RGBA).
func recordedClip(t *testing.T) (string, []time.Duration, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x180")
	path := filepath.Join(dir, "clip.mkv")
	m, err := NewMuxer(MuxConfig{Path: path, VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU})
	if err != nil {
		t.Fatal(err)
	}
	record(t, m, aus, pcmuTone(), 5*time.Second)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var pts []time.Duration
	for _, l := range strings.Fields(string(runTool(t, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "frame=pts_time", "-of", "csv=p=0", path))) {
		v, err := strconv.ParseFloat(strings.Trim(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe: %q", l)
		}
		pts = append(pts, time.Duration(v*float64(time.Second)+0.5))
	}
	raw := runTool(t, "ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-fps_mode", "passthrough",
		"-pix_fmt", "rgba", "-f", "rawvideo", "-")
	const size = 320 * 180 * 4
	if len(pts) != 2*muxFPS || len(raw) != len(pts)*size {
		t.Fatalf("ffmpeg decodes %d bytes of %d pictures", len(raw), len(pts))
	}
	var ref [][]byte
	for i := range pts {
		ref = append(ref, raw[i*size:(i+1)*size])
	}
	return path, pts, ref
}

// TestClipPlayerSeeksPausesAndPlays plays a recorded clip with ClipReader
// and ClipPlayer. Seeking to t shows the picture ffmpeg decodes for t (the
// last one at or before t, PSNR against ffmpeg's decode of the same file,
// and closer to it than to its neighbours), also between keyframes;
// paused, the position and the picture stay; playing, the position
// advances and the clip plays to its end, every picture in order and its
// sound (the tone, decoded to the speaker's format).
func TestClipPlayerSeeksPausesAndPlays(t *testing.T) {
	path, pts, ref := recordedClip(t)
	out := audio.Format{SampleRate: 48000, Channels: 2}
	r, err := OpenClip(path, out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	if info.Width != 320 || info.Height != 180 || info.Audio != "pcm_mulaw" || r.AudioErr() != nil ||
		info.Duration < 1900*time.Millisecond || info.Duration > 2100*time.Millisecond {
		t.Fatalf("clip info %+v", info)
	}
	sink := &clipSink{}
	var amu sync.Mutex
	var sound []int16
	p := player.NewClipPlayer(r, player.ClipConfig{Sink: sink, Audio: func(pcm []int16) {
		amu.Lock()
		sound = append(sound, pcm...)
		amu.Unlock()
	}})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.WaitSeek(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ := sink.last(); f == nil || f.PTS != 0 || p.Position() != 0 || p.Playing() {
		t.Fatalf("opened on %v at %v (playing %v), want the first picture, paused", f, p.Position(), p.Playing())
	}

	// Seek: 1.1 s and 1.9 s lie between keyframes (every 1.2 s), 1.23 s
	// just after one; 0.5 s is before the last seek's.
	for _, at := range []time.Duration{1100 * time.Millisecond, 1230 * time.Millisecond, 500 * time.Millisecond, 1900 * time.Millisecond, 1210 * time.Millisecond} {
		p.Seek(at)
		if err := p.WaitSeek(ctx); err != nil {
			t.Fatal(err)
		}
		want := 0
		for i, v := range pts {
			if v <= at {
				want = i
			}
		}
		f, _ := sink.last()
		if f.PTS != pts[want] || p.Position() != at {
			t.Fatalf("seek to %v shows the picture of %v at position %v, want %v", at, f.PTS, p.Position(), pts[want])
		}
		got := psnr(f.Image.Pix, ref[want])
		t.Logf("seek to %v: the picture of %v, %.1f dB from ffmpeg's", at, f.PTS, got)
		if got < 35 {
			t.Fatalf("seek to %v: the picture differs from ffmpeg's at %v: PSNR %.1f dB", at, pts[want], got)
		}
		for _, n := range []int{want - 1, want + 1} {
			if n >= 0 && n < len(ref) {
				if o := psnr(f.Image.Pix, ref[n]); o >= got-3 {
					t.Fatalf("seek to %v: as close to picture %d (%.1f dB) as to %d (%.1f dB)", at, n, o, want, got)
				}
			}
		}
	}

	// Paused: nothing moves.
	pos, _ := p.Position(), 0
	_, shown := sink.last()
	time.Sleep(300 * time.Millisecond)
	if _, n := sink.last(); p.Position() != pos || n != shown {
		t.Fatalf("paused at %v: position %v, %d pictures more", pos, p.Position(), n-shown)
	}

	// Play from 0.5 s, pause, then play to the end.
	p.Seek(500 * time.Millisecond)
	_ = p.WaitSeek(ctx)
	_, from := sink.last()
	p.Play()
	waitClip(t, "the position to advance", func() bool { return p.Position() >= 900*time.Millisecond })
	p.Pause()
	stopped := p.Position()
	_, n := sink.last()
	time.Sleep(300 * time.Millisecond)
	if _, m := sink.last(); p.Position() != stopped || m != n || p.Playing() {
		t.Fatalf("paused at %v: position %v, %d pictures more", stopped, p.Position(), m-n)
	}
	if stopped < 900*time.Millisecond || stopped > 1500*time.Millisecond {
		t.Fatalf("paused at %v after playing from 0.5 s to 0.9 s", stopped)
	}
	p.Play()
	waitClip(t, "the end", p.Ended)
	if p.Position() != p.Duration() || p.Err() != nil {
		t.Fatalf("ended at %v of %v: %v", p.Position(), p.Duration(), p.Err())
	}
	sink.mu.Lock()
	played := sink.frames[from-1:]
	sink.mu.Unlock()
	// From the picture at 0.5 s to the last, each once, in order.
	if len(played) != len(pts)-muxFPS/2 {
		t.Fatalf("played %d pictures from 0.5 s, want %d", len(played), len(pts)-muxFPS/2)
	}
	for i, f := range played {
		if f.PTS != pts[muxFPS/2+i] {
			t.Fatalf("picture %d played is %v, want %v", i, f.PTS, pts[muxFPS/2+i])
		}
	}
	amu.Lock()
	heard := out.Duration(len(sound))
	freq := audio.DominantFrequency(audio.Mono(sound, 2), out.SampleRate)
	amu.Unlock()
	if heard < 1400*time.Millisecond || heard > 1600*time.Millisecond || freq < 430 || freq > 450 {
		t.Fatalf("heard %v of sound at %.0f Hz from 0.5 s of a 2 s tone of 440 Hz", heard, freq)
	}
	// Play after the end starts over.
	p.Play()
	waitClip(t, "a replay", func() bool { f, _ := sink.last(); return f.PTS > 0 && f.PTS < time.Second })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// TestOpenClipErrors: a file that is not a recording, or has no video,
// does not open; a recording without sound opens and says so (ErrNoAudio).
func TestOpenClipErrors(t *testing.T) {
	dir := t.TempDir()
	out := audio.Format{SampleRate: 48000, Channels: 2}
	_, aus := muxClip(t, dir, "160x90")
	silent := filepath.Join(dir, "silent.mkv")
	m, err := NewMuxer(MuxConfig{Path: silent, VideoMime: player.MimeTypeH264})
	if err != nil {
		t.Fatal(err)
	}
	record(t, m, aus, nil, 0)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenClip(silent, out)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r.AudioErr(), ErrNoAudio) || r.Info().Audio != "" {
		t.Fatalf("a recording without sound: %v %q", r.AudioErr(), r.Info().Audio)
	}
	if err := r.Close(); err != nil || !errors.Is(r.Close(), ErrClosed) {
		t.Fatalf("Close: %v", err)
	}
	if _, err := OpenClip(filepath.Join(dir, "missing.mkv"), out); err == nil {
		t.Fatal("a missing file opened")
	}
	wav := filepath.Join(dir, "tone.mka")
	runFFmpeg(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "pcm_mulaw", wav)
	if _, err := OpenClip(wav, out); !errors.Is(err, player.ErrUnsupportedCodec) {
		t.Fatalf("a file without video: %v, want ErrUnsupportedCodec", err)
	}
}

func waitClip(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
