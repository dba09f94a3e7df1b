package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/webrtc/v4"

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
// session takes to stop after it.
func TestRecord(t *testing.T) {
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

// TestRecordCutShortIsFinalized: the site goes away mid-recording (1.5 s
// after the file appears at the first keyframe, however long connecting
// took); the command fails with one line, and what was recorded still plays.
func TestRecordCutShortIsFinalized(t *testing.T) {
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
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "30s", "--timeout", "5s")
	// Logs (warnings of the lost broker) come first; the failure is one line.
	if msg := cliLines(stderr); code != 1 || len(msg) != 1 || !strings.HasPrefix(msg[0], "lookout: record demo/cam1: recording cut short") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
	p := ffprobe(t, out)
	if d, _ := strconv.ParseFloat(p.Format.Duration, 64); d < 1 || p.streams() != "video:h264 audio:pcm_alaw" {
		t.Fatalf("cut recording: %s, %s s", p.streams(), p.Format.Duration)
	}
}

// TestRecordUnwritableFile: a file that cannot be made fails the command
// with one line as soon as the first picture comes, instead of recording
// into nothing until interrupted.
func TestRecordUnwritableFile(t *testing.T) {
	_, cfg := siteConfig(t, demo.Config{})
	out := filepath.Join(t.TempDir(), "missing", "a.mkv")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, _, stderr := lookout(t, ctx, "--config", cfg, "record", "demo/cam1", "-o", out, "--duration", "30s")
	if msg := cliLines(stderr); code != 1 || len(msg) != 1 || !strings.HasPrefix(msg[0], "lookout: record demo/cam1: recording "+out+": ") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}

// discardMuxer takes a recording and keeps nothing; video from failAt on
// (when set) fails as a full disk would.
type discardMuxer struct{ failAt time.Duration }

func (m discardMuxer) WriteVideo(_ []byte, pts time.Duration, _ bool) error {
	if m.failAt > 0 && pts >= m.failAt {
		return errors.New("no space left on device")
	}
	return nil
}
func (discardMuxer) WriteAudio([]byte, time.Duration) error { return nil }
func (discardMuxer) Close() error                           { return nil }

// TestAwaitRecorded: lookout record stops when the recording's own clock
// has the duration, at once when a write fails, when the media stops for
// good (after the wall-clock bound, the file kept), or when the session ends
// first (cut short).
func TestAwaitRecorded(t *testing.T) {
	h264 := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}}
	cut := errors.New("peer gone")
	for _, tc := range []struct {
		name      string
		frames    time.Duration // media for this long, a unit every 40 ms
		end       error         // the session ends with this after the media
		failAt    time.Duration // the muxer fails from this on
		wantEnded bool
		wantErr   bool
		wantAfter time.Duration
	}{
		{name: "full by the recording's clock", frames: 5 * time.Second, wantAfter: 2040 * time.Millisecond},
		{name: "a write fails", frames: 5 * time.Second, failAt: time.Second, wantErr: true, wantAfter: time.Second},
		{name: "media stops: the wall-clock bound", frames: time.Second, wantAfter: 7 * time.Second},
		{name: "session ends first", frames: time.Second, end: cut, wantEnded: true, wantAfter: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := record.New("x.mkv", func(record.Streams) (record.Muxer, error) { return discardMuxer{tc.failAt}, nil }, nil)
				rec.SetLength(2 * time.Second)
				done := make(chan error, 1)
				start := time.Now()
				rec.VideoUnit(h264, []byte{0, 0, 1, 5}, true, start)
				stop, fed := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(fed)
					tick := time.NewTicker(40 * time.Millisecond)
					defer tick.Stop()
					for at := 40 * time.Millisecond; at <= tc.frames; at += 40 * time.Millisecond {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						rec.VideoUnit(h264, []byte{0, 0, 1, 1}, false, time.Now())
					}
					if tc.end != nil {
						done <- tc.end
					}
				}()
				ended, err := awaitRecorded(rec, done, 7*time.Second, slog.New(slog.DiscardHandler))
				after := time.Since(start)
				close(stop)
				<-fed
				if ended != tc.wantEnded || (ended && !errors.Is(err, cut)) || after != tc.wantAfter {
					t.Fatalf("ended %v (%v) after %v, want %v after %v", ended, err, after, tc.wantEnded, tc.wantAfter)
				}
				if (rec.Err() != nil) != tc.wantErr {
					t.Fatalf("recording error %v, want one: %v", rec.Err(), tc.wantErr)
				}
				if got := rec.Elapsed(); got > 2*time.Second {
					t.Fatalf("recorded %v, past the length", got)
				}
			})
		})
	}
}
