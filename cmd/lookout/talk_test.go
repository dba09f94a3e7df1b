package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/demo"
)

func writeWAV(t *testing.T, path string, pcm []int16, f audio.Format) {
	t.Helper()
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := audio.NewWAVWriter(file, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
}

func readWAV(t *testing.T, path string) ([]int16, audio.Format) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pcm, f, err := audio.ReadWAV(file)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pcm, f
}

// TestTalkReachesTheCamera sends a 440 Hz tone, at 44.1 kHz stereo so it is
// resampled and mixed down, and checks what the camera decoded, and that
// --out recorded the camera's own 1 kHz tone and then our voice echoed back.
func TestTalkReachesTheCamera(t *testing.T) {
	// Not parallel: its checks count real-time media (audio heard, a
	// watchdog's reason), which the other tests' probes could delay.
	site, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	inFormat := audio.Format{SampleRate: 44100, Channels: 2}
	const inLevel = -12.0
	writeWAV(t, in, audio.Tone(440, inLevel, inFormat, 3*time.Second), inFormat)

	start := time.Now()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "talk", "demo/cam1", "--in", in, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Fatalf("a 3 s file was sent in %s: not in real time", d)
	}

	got := site.Camera("cam1").ReceivedAudio()
	if len(got) < 8000*2 {
		t.Fatalf("camera received %d samples, want about 3 s at 8 kHz", len(got))
	}
	body := got[len(got)/4 : len(got)*3/4] // steady middle part
	if f := audio.DominantFrequency(body, 8000); math.Abs(f-440)/440 > 0.02 {
		t.Errorf("camera heard %.1f Hz, want 440 Hz within 2%%", f)
	}
	want := audio.Measure(audio.Tone(440, inLevel, audio.Format{SampleRate: 8000, Channels: 1}, time.Second), 1).RMSdBFS
	if lvl := audio.Measure(body, 1).RMSdBFS; math.Abs(lvl-want) > 3 {
		t.Errorf("camera heard %.1f dBFS RMS, want %.1f within 3 dB", lvl, want)
	}

	rec, f := readWAV(t, out)
	if f.SampleRate != 8000 || len(rec) < 8000*2 {
		t.Fatalf("--out holds %d samples at %v, want about 3 s of the camera's 8 kHz audio", len(rec), f)
	}
	// Before the echo delay the camera sends its own tone (a 1 kHz tone
	// with a 2 kHz beep in the first 100 ms of each second).
	first := rec[1600:7200]
	if fr := audio.DominantFrequency(first, 8000); math.Abs(fr-demo.ToneHz)/demo.ToneHz > 0.02 {
		t.Errorf("--out starts with %.1f Hz, want the camera's %d Hz tone", fr, demo.ToneHz)
	}
	// After it, the echo camera plays our 440 Hz back.
	last := rec[len(rec)-6000:]
	if fr := audio.DominantFrequency(last, 8000); math.Abs(fr-440)/440 > 0.02 {
		t.Errorf("--out ends with %.1f Hz, want our 440 Hz echoed back", fr)
	}
}

func TestTalkErrors(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "x.wav")
	if err := os.WriteFile(notWAV, []byte("not a wav file at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.wav")
	writeWAV(t, good, audio.Tone(440, -12, audio.Format{SampleRate: 8000, Channels: 1}, 200*time.Millisecond), audio.Format{SampleRate: 8000, Channels: 1})
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		prefix string
	}{
		{"no --in", []string{"--config", cfg, "talk", "demo/cam1"}, 2, "lookout: talk: --in FILE.wav is required"},
		{"not a wav", []string{"--config", cfg, "talk", "demo/cam1", "--in", notWAV}, 2, "lookout: talk: --in " + notWAV},
		{"offline", []string{"--config", cfg, "talk", "demo/attic", "--in", good}, 1, "lookout: talk demo/attic: device is offline"},
		{"no speaker", []string{"--config", cfg, "talk", "demo/cam4", "--in", good}, 1, "lookout: talk demo/cam4: this device has no speaker\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := lookout(t, context.Background(), tc.args...)
			if code != tc.code || !strings.HasPrefix(stderr, tc.prefix) {
				t.Fatalf("exit %d stderr %q, want %d and prefix %q", code, stderr, tc.code, tc.prefix)
			}
		})
	}
}
