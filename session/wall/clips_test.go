package wall_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
	"github.com/lookout-app/lookout/session/wall"
)

// siteModel starts a demo site of n cameras and a model on its Tuya
// account.
func siteModel(t testing.TB, n int, cfg wall.Config) (*demo.Site, *wall.Model) {
	t.Helper()
	site, err := demo.Start(context.Background(), demo.Config{Cameras: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	cfg.Factory = factory(c)
	m := wall.New(nil, cfg)
	t.Cleanup(m.Close)
	return site, m
}

// motionSink runs the window's motion detector (player.MotionDetector at
// the default sensitivity, as ui/motion.go does on painted pictures) on a
// tile's pictures and tells started when motion starts.
type motionSink struct {
	mu      sync.Mutex
	det     *player.MotionDetector
	moving  bool
	started chan time.Time
}

func (s *motionSink) PutFrame(f *player.Frame) {
	if f == nil || f.Image == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	moving := s.det.Observe(f.Image, now)
	if moving && !s.moving {
		select {
		case s.started <- now:
		default:
		}
	}
	s.moving = moving
}

// probe returns ffprobe's duration of path and the start time of its first
// video frame.
func probe(t *testing.T, path string) (dur, first time.Duration) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "format=duration:frame=pts_time",
		"-read_intervals", "%+#1", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var vals []float64
	for _, l := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(strings.Trim(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe %s: %q", path, out)
		}
		vals = append(vals, v)
	}
	if len(vals) < 2 {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return time.Duration(vals[len(vals)-1] * float64(time.Second)), time.Duration(vals[0] * float64(time.Second))
}

// TestMotionClipOnTheYardHasItsPreroll: the demo's Yard camera shows its
// still scene for more than the pre-roll's span; then an object crosses
// it, the window's motion detector sees it on the tile's pictures, and the
// clip saved at that moment begins at least 9 s before the event (ffprobe:
// its duration is the pre-roll plus what followed), holds the object's
// crossing where the event falls, plays without a decoding error
// (ffmpeg -v error), and is readable by the user only.
func TestMotionClipOnTheYardHasItsPreroll(t *testing.T) {
	checkLeaks(t)
	site, m := siteModel(t, 4, wall.Config{})
	yard := site.Camera("cam4")
	yard.SetStill(true)
	yard.MoveEvery(0, 0) // only the test's own crossing below
	ms := &motionSink{det: player.NewMotionDetector(player.MotionConfigFor(player.SensitivityMedium)), started: make(chan time.Time, 1)}
	tile, err := m.Open("demo/cam4", wall.TileConfig{Sink: ms, Width: 320, Height: 180})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Yard live", tile.Live)
	waitFor(t, "11 s of pre-roll", func() bool { return tile.Preroll().Span() >= 11*time.Second })
	select {
	case at := <-ms.started:
		t.Fatalf("motion on the still scene at %v", at)
	default:
	}
	yard.MoveObject(2 * time.Second)
	var event time.Time
	select {
	case event = <-ms.started:
	case <-time.After(deadline):
		t.Fatal("no motion seen on the Yard")
	}
	const after = 4 * time.Second
	path := filepath.Join(t.TempDir(), "yard-clip.mkv")
	done := make(chan error, 1)
	clip, extended, err := tile.SaveClip(wall.ClipConfig{Path: path, At: event, After: after, NewMuxer: newMuxer, SkipAudioErr: skipAudio,
		OnDone: func(_ *wall.Clip, err error) { done <- err }})
	if err != nil || extended {
		t.Fatalf("SaveClip: %v, extended %v", err, extended)
	}
	// A second event while it is written extends the same clip.
	again, extended, err := tile.SaveClip(wall.ClipConfig{Path: path + ".2", At: event.Add(time.Second), After: after, NewMuxer: newMuxer})
	if err != nil || !extended || again != clip {
		t.Fatalf("second event: %v, extended %v, same clip %v", err, extended, again == clip)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(deadline):
		t.Fatal("the clip did not end")
	}
	lead := event.Sub(clip.Start())
	if lead < 9*time.Second {
		t.Fatalf("the clip begins %v before the event, want at least 9 s", lead)
	}
	dur, first := probe(t, path)
	want := lead + time.Second + after // the second event's After
	t.Logf("event %.2f s into a clip of %.2f s (ffprobe), first picture at %.3f s", lead.Seconds(), dur.Seconds(), first.Seconds())
	if first > 100*time.Millisecond {
		t.Fatalf("the clip's first picture is at %v, not at its start", first)
	}
	if dur < want-500*time.Millisecond || dur > want+time.Second {
		t.Fatalf("ffprobe says %v, want about %v (%v of pre-roll before the event, then %v)", dur, want, lead, time.Second+after)
	}
	// Its own timestamps (arrival times) on the output, as cmd/lookout's
	// recording test decodes: ffmpeg 5.1 otherwise rounds them to 1/25 s
	// for the null output and calls that an error.
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg decode: %v\n%s", err, out)
	}
	// The object crosses where the event falls, not in the pre-roll.
	before, during := clipFrame(t, path, lead-3*time.Second), clipFrame(t, path, lead+500*time.Millisecond)
	if d := meanDiff(before, clipFrame(t, path, time.Second)); d > 3 {
		t.Fatalf("the pre-roll's pictures differ by %.1f: not the still scene", d)
	}
	if d := meanDiff(before, during); d < 3 {
		t.Fatalf("the picture at the event differs from the pre-roll's by %.1f only: no object", d)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("clip mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(path + ".2"); !os.IsNotExist(err) {
		t.Fatalf("the extending event made a file of its own: %v", err)
	}
}

// clipFrame decodes the picture of path at at, as 64x36 grey.
func clipFrame(t *testing.T, path string, at time.Duration) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-vf", "scale=64:36", "-pix_fmt", "gray", "-f", "rawvideo", "-").Output()
	if err != nil || len(out) != 64*36 {
		t.Fatalf("ffmpeg frame at %v: %v (%d bytes)", at, err, len(out))
	}
	return out
}

// meanDiff is the mean absolute difference of two grey pictures, leaving
// out the top fifth (the scene's clock).
func meanDiff(a, b []byte) float64 {
	var sum, n int
	for i := 64 * 36 / 5; i < len(a); i++ {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		n++
	}
	return float64(sum) / float64(n)
}

// TestSaveClipRefusesATileWithoutASession: a hidden tile has no session
// and keeps no pre-roll; Save clip says it is not playing.
func TestSaveClipRefusesATileWithoutASession(t *testing.T) {
	checkLeaks(t)
	_, m := siteModel(t, 1, wall.Config{})
	tile, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a pre-roll", func() bool { return tile.Preroll().Units > 0 })
	tile.SetHidden(true)
	waitFor(t, "the pre-roll dropped", func() bool { return tile.Preroll().Bytes == 0 && tile.Quality() == "" })
	_, _, err = tile.SaveClip(wall.ClipConfig{Path: filepath.Join(t.TempDir(), "x.mkv"), NewMuxer: newMuxer})
	if err != wall.ErrNotPlaying {
		t.Fatalf("SaveClip on a hidden tile: %v, want ErrNotPlaying", err)
	}
}

// BenchmarkPrerollSixteenTiles measures the memory of the pre-roll of 16
// tiles playing the demo's sub streams: a demo site of 16 cameras, 16
// tiles at the grid's quality, each holding its default span (10 s, from
// a keyframe). It reports the memory the pre-rolls hold (MB-preroll: the
// capacity of their buffers and indexes, which is what they allocated) and
// the span they reach back on average (s-span).
//
//	go test ./session/wall -run '^$' -bench PrerollSixteenTiles -benchtime 1x
func BenchmarkPrerollSixteenTiles(b *testing.B) {
	for range b.N {
		site, m := siteModel(b, 16, wall.Config{})
		var tiles []*wall.Tile
		for _, c := range site.Cameras() {
			if len(tiles) == 16 {
				break
			}
			tl, err := m.Open("demo/"+c.ID, wall.TileConfig{Sink: &sink{}, Quality: session.QualitySub, Width: 160, Height: 90})
			if err != nil {
				b.Fatal(err)
			}
			tiles = append(tiles, tl)
		}
		full := func() bool {
			for _, tl := range tiles {
				if tl.Preroll().Span() < wall.DefaultPrerollSpan {
					return false
				}
			}
			return true
		}
		end := time.Now().Add(90 * time.Second)
		for !full() {
			if time.Now().After(end) {
				b.Fatal("the pre-rolls did not fill")
			}
			time.Sleep(100 * time.Millisecond)
		}
		var bytes int
		var span time.Duration
		for _, tl := range tiles {
			st := tl.Preroll()
			bytes += st.Bytes
			span += st.Span()
		}
		b.ReportMetric(float64(bytes)/1e6, "MB-preroll")
		b.ReportMetric(span.Seconds()/float64(len(tiles)), "s-span")
		m.Close()
	}
}
