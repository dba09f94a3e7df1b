package ffmpeg

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
)

// TestMuxerJitteredArrivalsPlayCleanly: pictures and G.711 packets stamped
// with their arrival times as a loaded machine sees them (each late by up
// to 35 ms, and now and then three pictures and a burst of packets in the
// same millisecond after a stall) go into a Matroska file that ffmpeg
// reads and decodes with no error at all (ffmpeg -v error, default
// options: before the fix, its null output rounded the pictures to its
// guess of the frame rate and called two of them in one slot "non
// monotonically increasing dts"), with every picture, each on the grid of
// 1/32 s (a quarter above the 25 fps its SPS declares), in the slot
// nearest its arrival or the one after the picture before it, and never
// more than 120 ms behind its arrival: the pictures of a burst catch up.
func TestMuxerJitteredArrivalsPlayCleanly(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x180")
	pays := pcmuTone()
	rng := rand.New(rand.NewPCG(1, 2))
	arrive := func(nominal time.Duration, i int) time.Duration {
		if i%17 == 5 || i%17 == 6 || i%17 == 7 { // a stall, then a burst
			return nominal - nominal%(120*time.Millisecond) + 120*time.Millisecond
		}
		return nominal + time.Duration(rng.Int64N(int64(35*time.Millisecond)))
	}
	type item struct {
		at    time.Duration
		video bool
		i     int
	}
	var items []item
	for i := range aus {
		items = append(items, item{arrive(time.Duration(i)*time.Second/muxFPS, i), true, i})
	}
	for i := range pays {
		items = append(items, item{arrive(time.Duration(i)*20*time.Millisecond, i), false, i})
	}
	// In arrival order, each stream in its own order.
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].at < items[j-1].at; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	lastV, lastA := time.Duration(-1), time.Duration(-1)
	out := filepath.Join(dir, "jitter.mkv")
	m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU})
	if err != nil {
		t.Fatal(err)
	}
	var arrivals []time.Duration
	for _, it := range items {
		var err error
		if it.video {
			at := max(it.at, lastV)
			lastV = at
			arrivals = append(arrivals, at)
			err = m.WriteVideo(aus[it.i], at, auKey(aus[it.i]))
		} else {
			at := max(it.at, lastA)
			lastA = at
			err = m.WriteAudio(pays[it.i], at)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("ffmpeg", "-v", "error", "-i", out, "-f", "null", "-").CombinedOutput(); err != nil || len(msg) != 0 {
		t.Fatalf("ffmpeg -v error: %v\n%s", err, msg)
	}
	if msg, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_streams", out).CombinedOutput(); err != nil || len(msg) == 0 {
		t.Fatalf("ffprobe -v error: %v\n%s", err, msg)
	}
	pts := videoPTS(t, out)
	if len(pts) != len(aus) {
		t.Fatalf("%d pictures in the file, want %d", len(pts), len(aus))
	}
	const grid = time.Second / 32
	var worst time.Duration
	prev := int64(-1)
	for i, p := range pts {
		arr := arrivals[i] - arrivals[0]
		slot := max(int64((arr+grid/2)/grid), prev+1)
		prev = slot
		want := time.Duration(slot) * grid
		if d := p - want; d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("picture %d at %v, arrived at %v (the one before at %v), want %v", i, p, arr, pts[max(i-1, 0)], want)
		}
		worst = max(worst, p-arr)
	}
	t.Logf("the pictures lag their arrival by %v at most", worst)
	if worst > 120*time.Millisecond {
		t.Fatalf("a picture lags its arrival by %v", worst)
	}
}

// videoPTS returns the times of a file's pictures (ffprobe).
func videoPTS(t *testing.T, path string) []time.Duration {
	t.Helper()
	var pts []time.Duration
	for _, l := range strings.Fields(string(runTool(t, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts_time", "-of", "csv=p=0", path))) {
		v, err := strconv.ParseFloat(strings.Trim(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe: %q", l)
		}
		pts = append(pts, time.Duration(v*float64(time.Second)+0.5))
	}
	return pts
}

// TestSPSFrameInterval reads the frame interval an SPS declares in its VUI,
// past the VUI's other fields, and 0 for an SPS cut short.
func TestSPSFrameInterval(t *testing.T) {
	for _, c := range []struct{ declared, want time.Duration }{
		{0, time.Second / 120},
		{40 * time.Millisecond, time.Second / 32},
		{time.Second / 30, time.Second / 38},
		{33366666, time.Second / 38},
		{time.Second / 15, time.Second / 19},
		{time.Second / 48, time.Second / 60},
		{time.Second / 50, time.Second / 50},
		{time.Second, time.Second},
	} {
		if got := pictureGrid(c.declared); got != c.want {
			t.Errorf("pictureGrid(%v) = %v, want %v", c.declared, got, c.want)
		}
	}
	requireFFmpeg(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want time.Duration
	}{
		{"25fps", []string{"-r", "25"}, 40 * time.Millisecond},
		{"ntsc", []string{"-r", "30000/1001"}, 33366666},
		{"15fps-vui", []string{"-r", "15", "-bsf:v", "h264_metadata=sample_aspect_ratio=4/3:video_format=5:colour_primaries=1:transfer_characteristics=1:matrix_coefficients=1:chroma_sample_loc_type=1:overscan_appropriate_flag=1"}, 66666666},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".h264")
			runFFmpeg(t, append(append([]string{"-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", "-c:v", "libx264"}, c.args...), path)...)
			var sps []byte
			for _, n := range h264AccessUnits(t, path) {
				for _, nal := range splitAnnexB(n) {
					if nal[0]&0x1f == 7 {
						sps = nal
					}
				}
			}
			if got := spsFrameInterval(sps); got != c.want {
				t.Fatalf("spsFrameInterval = %v, want %v", got, c.want)
			}
			if got := spsFrameInterval(sps[:6]); got != 0 {
				t.Fatalf("a cut SPS declares %v", got)
			}
		})
	}
}
