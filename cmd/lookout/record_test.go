package main

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/record"
)

type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// runFFprobe runs ffprobe quietly on path with args.
func runFFprobe(t *testing.T, path string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("ffprobe", append(append([]string{"-v", "error"}, args...), path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return out
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	var p probe
	if err := json.Unmarshal(runFFprobe(t, path, "-print_format", "json", "-show_streams", "-show_format"), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probe) streams() string {
	var s []string
	for _, st := range p.Streams {
		s = append(s, st.CodecType+":"+st.CodecName)
	}
	return strings.Join(s, " ")
}

// videoSpan is the time of the first and of the last video packet of a
// file, in seconds.
func videoSpan(t *testing.T, path string) (first, last float64) {
	t.Helper()
	var pts []float64
	for _, l := range strings.Fields(string(runFFprobe(t, path, "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"))) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe %s: pts %q", path, l)
		}
		pts = append(pts, v)
	}
	if len(pts) == 0 {
		t.Fatalf("ffprobe %s: no video packets", path)
	}
	return slices.Min(pts), slices.Max(pts)
}

// TestRecord: the recording lasts the duration by its own timestamps (the
// arrival times of what it holds, from the first keyframe), however long the
// session takes to stop after it; its file is readable by the user only.
func TestRecord(t *testing.T) {
	t.Parallel()
	findTool(t, "ffprobe")
	_, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file, quality, streams string
		w, h                         int
	}{
		{"mkv main", "a.mkv", "main", "video:h264 audio:pcm_alaw", 1280, 720},
		{"mp4 sub", "b.mp4", "sub", "video:h264 audio:aac", 640, 360},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.file)
			code, _, stderr := lookout(t, context.Background(), "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "2s", "--quality", tc.quality)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("the file: %v %v, want -rw------- as snapshots", fi.Mode(), err)
			}
			p := ffprobe(t, out)
			if got := p.streams(); got != tc.streams {
				t.Errorf("streams %q, want %q", got, tc.streams)
			}
			if p.Streams[0].Width != tc.w || p.Streams[0].Height != tc.h {
				t.Errorf("video %dx%d, want %dx%d", p.Streams[0].Width, p.Streams[0].Height, tc.w, tc.h)
			}
			if d, _ := strconv.ParseFloat(p.Format.Duration, 64); d < 1.8 || d > 2.3 {
				t.Errorf("duration %.2f s, want about 2 s", d)
			}
			if first, last := videoSpan(t, out); first != 0 || last > 2.0005 {
				t.Errorf("video from %.3f s to %.3f s, want from 0 to at most 2 s", first, last)
			}
		})
	}
}

// TestRecordCutShortIsFinalized: the site goes away for good mid-recording
// (1.5 s after the file appears at the first keyframe, however long
// connecting took). The command keeps reconnecting until the duration, then
// fails with one line saying the recording was cut short, and what was
// recorded still plays.
func TestRecordCutShortIsFinalized(t *testing.T) {
	t.Parallel()
	findTool(t, "ffprobe")
	site, cfg := siteConfig(t, demo.Config{})
	out := filepath.Join(t.TempDir(), "cut.mkv")
	go func() {
		defer func() { _ = site.Close() }()
		for give := time.Now().Add(20 * time.Second); time.Now().Before(give); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(out); err == nil {
				time.Sleep(1500 * time.Millisecond)
				return
			}
		}
	}()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "6s", "--timeout", "5s")
	// Logs (warnings of the lost broker) come first; the failure is one line.
	if msg := cliLines(stderr); code != 1 || len(msg) != 1 || !strings.HasPrefix(msg[0], "lookout: record demo/cam1: recording cut short") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
	p := ffprobe(t, out)
	if d, _ := strconv.ParseFloat(p.Format.Duration, 64); d < 1 || d > 3 || p.streams() != "video:h264 audio:pcm_alaw" {
		t.Fatalf("cut recording: %s, %s s", p.streams(), p.Format.Duration)
	}
}

// TestRecordAcrossReboot: the camera reboots (off for 3 s) 5 s into a 20 s
// recording. The command reconnects into the same file and exits 0 with one
// file whose timeline covers the 20 s, with the reboot as a gap between
// two keyframe-started stretches, and which decodes without an error.
func TestRecordAcrossReboot(t *testing.T) {
	// Not parallel: its file is stamped with arrival times, and on a busy
	// CPU audio packets that arrive in a burst share a millisecond (ffmpeg
	// then reports non-increasing audio timestamps).
	findTool(t, "ffprobe")
	site, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	out := filepath.Join(dir, "reboot.mkv")
	rebooted := make(chan time.Time, 1)
	go func() {
		for give := time.Now().Add(20 * time.Second); time.Now().Before(give); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(out); err == nil {
				time.Sleep(5 * time.Second)
				site.Camera("cam1").Reboot(3 * time.Second)
				rebooted <- time.Now()
				return
			}
		}
		close(rebooted)
	}()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "20s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, ok := <-rebooted; !ok {
		t.Fatal("the file never appeared, so the camera never rebooted")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
	p := ffprobe(t, out)
	if d, _ := strconv.ParseFloat(p.Format.Duration, 64); d < 19.5 || d > 20.5 || p.streams() != "video:h264 audio:pcm_alaw" {
		t.Fatalf("recording: %s, %s s; want about 20 s", p.streams(), p.Format.Duration)
	}
	first, last := videoSpan(t, out)
	if first != 0 || last < 19.5 || last > 20.0005 {
		t.Fatalf("video from %.3f s to %.3f s, want from 0 to 20 s", first, last)
	}
	gap, at := videoGap(t, out)
	if gap < 3 || at < 4 || at > 7 {
		t.Fatalf("the longest pause between pictures is %.2f s at %.2f s, want the reboot's (3 s or more, about 5 s in)", gap, at)
	}
	// The file's own timestamps on the output: they are arrival times, and
	// ffmpeg 5.1 otherwise rounds them to 1/25 s for the null output and
	// reports two pictures that came 39 ms and 41 ms after their previous
	// ones as an error of that output, not of decoding.
	if msg, err := exec.Command("ffmpeg", "-v", "error", "-i", out, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput(); err != nil || len(msg) != 0 {
		t.Fatalf("decoding: %v %s", err, msg)
	}
	t.Logf("%s s in one file, video from %.3f s to %.3f s, the reboot's gap %.2f s from %.2f s", p.Format.Duration, first, last, gap, at)
}

// videoGap is the longest pause between two video packets of path and
// where it starts, in seconds; the packet after it must be a keyframe.
func videoGap(t *testing.T, path string) (gap, at float64) {
	t.Helper()
	var prev float64 = -1
	after := ""
	for _, l := range strings.Fields(string(runFFprobe(t, path, "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"))) {
		f := strings.Split(strings.TrimSuffix(l, ","), ",")
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || len(f) < 2 {
			t.Fatalf("ffprobe %s: packet %q", path, l)
		}
		if prev >= 0 && v-prev > gap {
			gap, at, after = v-prev, prev, f[1]
		}
		prev = v
	}
	if !strings.HasPrefix(after, "K") {
		t.Fatalf("the picture after the pause at %.2f s is not a keyframe (flags %q)", at, after)
	}
	return gap, at
}

// TestRecordUnwritableFile: a file that cannot be made fails the command
// with one line as soon as the first picture comes, instead of recording
// into nothing until interrupted.
func TestRecordUnwritableFile(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{})
	out := filepath.Join(t.TempDir(), "missing", "a.mkv")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, _, stderr := lookout(t, ctx, "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "30s")
	if msg := cliLines(stderr); code != 1 || len(msg) != 1 || !strings.HasPrefix(msg[0], "lookout: record demo/cam1: recording "+out+": ") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}

// nullMuxer takes a recording and keeps nothing.
type nullMuxer struct{}

func (nullMuxer) WriteVideo([]byte, time.Duration, bool) error { return nil }
func (nullMuxer) WriteAudio([]byte, time.Duration) error       { return nil }
func (nullMuxer) Close() error                                 { return nil }

// TestCutShort: lookout record exits 0 when the recording holds media up
// to about the duration, gaps in the middle or not, and otherwise says it
// was cut short, with the session's latest error when there was one.
func TestCutShort(t *testing.T) {
	t.Parallel()
	h264 := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}}
	gone := errors.New("remote hung up")
	for _, tc := range []struct {
		name    string
		d, last time.Duration // the duration, the last unit's time
		err     error         // the session's latest error
		want    error         // nil: exit 0
	}{
		{name: "up to the end", d: 20 * time.Second, last: 19900 * time.Millisecond},
		{name: "up to 2 s before the end", d: 20 * time.Second, last: 18 * time.Second, err: gone},
		{name: "stopped earlier: the session's reason", d: 20 * time.Second, last: 10 * time.Second, err: gone, want: gone},
		{name: "stopped earlier, the session connected", d: 20 * time.Second, last: 10 * time.Second, want: errNoMedia},
		{name: "a short duration: half of it", d: 2 * time.Second, last: 1100 * time.Millisecond},
		{name: "a short duration cut", d: 2 * time.Second, last: 900 * time.Millisecond, want: errNoMedia},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := record.New("x.mkv", func(record.Streams) (record.Muxer, error) { return nullMuxer{}, nil }, nil)
			t0 := time.Unix(100, 0)
			rec.VideoUnit(h264, []byte{0, 0, 1, 0x65}, true, t0)
			rec.VideoUnit(h264, []byte{0, 0, 1, 0x65}, true, t0.Add(tc.last))
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			var last atomic.Pointer[error]
			if tc.err != nil {
				last.Store(&tc.err)
			}
			err := cutShort(rec, tc.d, &last)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}

// TestRecordFailsBeforeThePicture: until the first picture, lookout record
// fails as every command does (exit 1, one line with the reason, no file),
// instead of reconnecting: an offline camera, and a camera that never sends
// a keyframe (the media watchdog's reason).
func TestRecordFailsBeforeThePicture(t *testing.T) {
	// Not parallel: its checks count real-time media (audio heard, a
	// watchdog's reason), which the other tests' probes could delay.
	site, cfg := siteConfig(t, demo.Config{})
	site.Camera("cam2").WithholdKeyframes(true)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, source, reason string
	}{
		{"offline", "demo/attic", "lookout: record demo/attic: "},
		{"no keyframe", "demo/cam2", "lookout: record demo/cam2: no picture"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".mkv")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code, _, stderr := lookout(t, ctx, "--config", cfg, "record", tc.source, "-o", out, "--duration", "30s", "--timeout", "3s")
			if msg := cliLines(stderr); code != 1 || len(msg) != 1 || !strings.HasPrefix(msg[0], tc.reason) || ctx.Err() != nil {
				t.Fatalf("exit %d stderr %q", code, stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a file was left: %v", err)
			}
		})
	}
}

// TestRecordNextFileOnAnotherSize: a camera back from a reboot at another
// picture size goes on in a numbered next file through the real muxer, each
// file at its own size, playing without an error; nothing is lost.
func TestRecordNextFileOnAnotherSize(t *testing.T) {
	t.Parallel()
	findTool(t, "ffprobe")
	h264 := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}}
	dir := t.TempDir()
	rec := record.New(filepath.Join(dir, "cam.mkv"), newFileMuxer, noAudioStream)
	t0 := time.Unix(100, 0)
	at := t0
	for _, size := range []image.Point{{320, 240}, {640, 480}} {
		enc, err := ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{Width: size.X, Height: size.Y, FPS: 25})
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio420)
		for i := range 50 {
			img.Y[i] = 200 // a picture that changes
			aus, err := enc.Encode(img, i == 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, au := range aus {
				rec.VideoUnit(h264, au, i == 0, at)
				at = at.Add(40 * time.Millisecond)
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		rec.Gap() // the reboot
		at = at.Add(3 * time.Second)
	}
	if err := errors.Join(rec.Err(), rec.Close()); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cam.mkv"), filepath.Join(dir, "cam-2.mkv")}
	if got := rec.Paths(); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for i, size := range []image.Point{{320, 240}, {640, 480}} {
		p := ffprobe(t, want[i])
		if len(p.Streams) != 1 || p.Streams[0].Width != size.X || p.Streams[0].Height != size.Y {
			t.Fatalf("%s: %+v, want one %v stream", want[i], p.Streams, size)
		}
		if d, _ := strconv.ParseFloat(p.Format.Duration, 64); d < 1.9 || d > 2.1 {
			t.Fatalf("%s: %.2f s, want 2 s", want[i], d)
		}
		if msg, err := exec.Command("ffmpeg", "-v", "error", "-i", want[i], "-f", "null", "-").CombinedOutput(); err != nil || len(msg) != 0 {
			t.Fatalf("decoding %s: %v %s", want[i], err, msg)
		}
	}
}
