package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session/demo"
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

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
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

// lastPTS is the time of the last packet of the file's first stream of kind
// ("v" or "a"), in seconds, and the first's.
func lastPTS(t *testing.T, path, kind string) (first, last float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", kind+":0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		t.Fatalf("ffprobe %s: no %s packets", path, kind)
	}
	var pts []float64
	for _, l := range lines {
		v, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe %s: pts %q", path, l)
		}
		pts = append(pts, v)
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
			if first, last := lastPTS(t, out, "v"); first != 0 || last > 2.0005 {
				t.Errorf("video from %.3f s to %.3f s, want from 0 to at most 2 s", first, last)
			}
		})
	}
}

// TestRecordCutShortIsFinalized: the site goes away mid-recording; the
// command fails with one line, and what was recorded still plays.
func TestRecordCutShortIsFinalized(t *testing.T) {
	findTool(t, "ffprobe")
	site, cfg := siteConfig(t, demo.Config{})
	out := filepath.Join(t.TempDir(), "cut.mkv")
	go func() {
		time.Sleep(2 * time.Second)
		_ = site.Close()
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
