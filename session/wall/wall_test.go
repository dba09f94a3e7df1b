package wall_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/record"
	"github.com/lookout-app/lookout/session/tuya"
	"github.com/lookout-app/lookout/session/wall"
	"github.com/lookout-app/lookout/session/whep"
)

// deadline bounds each wait: far above what it takes, so a loaded machine
// slows a test without failing it.
const deadline = 30 * time.Second

// sink counts a tile's pictures and keeps the size of the latest.
type sink struct {
	n    atomic.Int64
	mu   sync.Mutex
	w, h int
}

func (s *sink) PutFrame(f *player.Frame) {
	s.n.Add(1)
	if f != nil && f.Image != nil {
		s.mu.Lock()
		s.w, s.h = f.Image.Rect.Dx(), f.Image.Rect.Dy()
		s.mu.Unlock()
	}
}

func (s *sink) size() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w, s.h
}

// states keeps the states a tile told.
type states struct {
	mu  sync.Mutex
	all []session.Status
}

func (s *states) add(st session.Status) {
	s.mu.Lock()
	s.all = append(s.all, st)
	s.mu.Unlock()
}

func (s *states) seen(state session.State) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.all {
		if st.State == state {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkLeaks checks, after every cleanup of t (the demo site's last), that
// t left no goroutine.
func checkLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func startSite(t *testing.T) (*demo.Site, *tls.Config) {
	t.Helper()
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	return site, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func factory(op session.Opener) wall.Factory {
	return func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: op, Quality: q,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) }}, nil
	}
}

// newMuxer is the window's muxer (cmd/lookout's newFileMuxer): player/ffmpeg's,
// telling the recorder when a keyframe cannot go on in the file.
func newMuxer(s record.Streams) (record.Muxer, error) {
	m, err := ffmpeg.NewMuxer(ffmpeg.MuxConfig{Path: s.Path, VideoMime: s.VideoMime,
		AudioMime: s.AudioMime, AudioRate: s.AudioRate, AudioChannels: s.AudioChannels})
	if err != nil {
		return nil, err
	}
	return fileMuxer{m}, nil
}

type fileMuxer struct{ *ffmpeg.Muxer }

func (m fileMuxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	err := m.Muxer.WriteVideo(au, pts, key)
	if errors.Is(err, ffmpeg.ErrStreamChanged) {
		return fmt.Errorf("%w: %w", record.ErrStreamChanged, err)
	}
	return err
}

func skipAudio(err error) bool { return errors.Is(err, ffmpeg.ErrInvalidConfig) }

// duration is the length ffprobe reads from path's container.
func duration(t *testing.T, path string) time.Duration {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return time.Duration(secs * float64(time.Second))
}

// TestTileLifeOnTheDemoSite opens a Tuya demo camera on the model: it goes
// live, hiding it ends its session (closed), showing it starts another;
// an account with a wrong secret retries under the credentials policy with
// the cloud's reason and Retry tries again at once; closing both leaves no
// goroutine and no viewer.
func TestTileLifeOnTheDemoSite(t *testing.T) {
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	client := func(secret string) *tuya.Client {
		c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: secret, UID: site.UID(),
			HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	good, bad := client(site.Secret()), client("0123456789abcdef0123456789abcdef")
	m := wall.New(nil, wall.Config{Factory: func(source string, q session.Quality) (session.Config, error) {
		op := session.Opener(good)
		if strings.HasPrefix(source, "broken/") {
			op = bad
		}
		return factory(op)(source, q)
	}})
	var ok, failed states
	pics := &sink{}
	cam, err := m.Open("demo/cam1", wall.TileConfig{Sink: pics, Width: 160, Height: 90, OnStatus: ok.add})
	if err != nil {
		t.Fatal(err)
	}
	broken, err := m.Open("broken/cam2", wall.TileConfig{Sink: &sink{}, OnStatus: failed.add})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}}); !errors.Is(err, wall.ErrOpen) {
		t.Fatalf("opening a source twice: %v, want ErrOpen", err)
	}
	waitFor(t, "cam1 live", cam.Live)
	if w, h := pics.size(); w != 160 || h != 90 {
		t.Errorf("pictures are %dx%d, want the tile's 160x90", w, h)
	}
	// Nothing is final on a wall: refused credentials retry, renewing
	// them first, under their own policy.
	waitFor(t, "the wrong secret to be refused", func() bool {
		st := broken.Status()
		return st.State == session.StateRetrying && st.Wait == session.WaitCredentials
	})
	if got := broken.Status().Reason(); got != "sign invalid" {
		t.Errorf("refused tile says %q, want the cloud's 'sign invalid'", got)
	}
	before := broken.Status().Attempt
	broken.Retry()
	waitFor(t, "Retry to try again at once", func() bool {
		st := broken.Status()
		return st.Attempt > before && st.State == session.StateRetrying
	})

	cam.SetHidden(true)
	waitFor(t, "the hidden tile's session to end", func() bool {
		return cam.Quality() == "" && cam.Status().State == session.StateClosed && site.Camera("cam1").Viewers() == 0
	})
	cam.SetHidden(false)
	waitFor(t, "cam1 live again once shown", cam.Live)
	if n := cam.Sessions(); n != 2 {
		t.Errorf("cam1 ran %d sessions, want 2 (before and after hiding)", n)
	}
	m.Close()
	waitFor(t, "cam1 to lose its viewer", func() bool { return site.Camera("cam1").Viewers() == 0 })
	if _, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}}); !errors.Is(err, wall.ErrClosed) {
		t.Fatalf("Open after Close: %v, want ErrClosed", err)
	}
}

// TestRecordingSpansRebootAndMaximise records a Tuya demo camera from its
// grid tile: the recording switches the tile to the main stream, then the
// camera reboots for 3 s (the session stalls, fails and reconnects), the
// tile is maximised and restored (no new session: the recording holds the
// main stream), and hidden by a page change: the recording is one file,
// its timeline covers the whole span from the first keyframe to Stop, and
// the tile goes back to the sub stream when it stops.
func TestRecordingSpansRebootAndMaximise(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (make test installs ffmpeg)")
	}
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := wall.New(nil, wall.Config{Factory: factory(c)})
	defer m.Close()
	var st states
	tl, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90, OnStatus: st.add})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cam1 live", tl.Live)
	path := filepath.Join(t.TempDir(), "cam1.mkv")
	if tl.Quality() != session.QualitySub {
		t.Fatalf("the grid tile plays %q, want the sub stream", tl.Quality())
	}
	rec, err := tl.Record(path, newMuxer, skipAudio)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the recording to take the main stream", func() bool { return tl.Quality() == session.QualityMain && tl.Live() })
	waitFor(t, "the first keyframe", func() bool { return rec.Elapsed() > 0 })
	first := time.Now() // the recording started before: the span is at least from here
	waitFor(t, "1 s recorded", func() bool { return rec.Elapsed() >= time.Second })

	site.Camera("cam1").Reboot(3 * time.Second)
	waitFor(t, "the reboot to cut the session", func() bool { return !tl.Live() })
	waitFor(t, "cam1 live after its reboot", tl.Live)
	if !st.seen(session.StateRetrying) && !st.seen(session.StateStalled) {
		t.Error("the reboot did not cut the session")
	}
	sessions := tl.Sessions()
	tl.SetQuality(session.QualityMain) // maximise: the recording holds the main stream already
	time.Sleep(time.Second)
	tl.SetQuality(session.QualitySub) // restore
	time.Sleep(time.Second)
	if got := tl.Sessions(); got != sessions || tl.Quality() != session.QualityMain || !tl.Live() {
		t.Errorf("maximise and restore while recording ran %d sessions and left %q, want none and the main stream", got-sessions, tl.Quality())
	}
	tl.SetHidden(true) // a page change: the recording keeps the session
	time.Sleep(time.Second)
	if tl.Quality() == "" || tl.Recording() != rec {
		t.Fatalf("hiding a recording tile ended its session or its recording: quality %q, recording %v", tl.Quality(), rec.Status())
	}
	tl.SetHidden(false)
	time.Sleep(time.Second)
	if tl.Recording() != rec {
		t.Fatal("the recording did not last across the reboot, the maximise and the page change")
	}
	stopped := tl.StopRecord()
	span, shown := time.Since(first), rec.Elapsed()
	if stopped != rec {
		t.Fatalf("StopRecord = %p, want the recording %p", stopped, rec)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if files := rec.Paths(); len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
	waitFor(t, "the grid's sub stream once the recording stopped", func() bool { return tl.Quality() == session.QualitySub && tl.Live() })
	got := duration(t, path)
	t.Logf("one file of %v for a span of at least %v (reboot 3 s, maximise, restore, hidden 1 s; the recorder's clock says %v)",
		got.Round(10*time.Millisecond), span.Round(10*time.Millisecond), shown.Round(10*time.Millisecond))
	// Without the gap of the reboot the file would be 3 s shorter than
	// the span; it must cover it all, as the recorder's clock says.
	if got < span-time.Second || got > shown+500*time.Millisecond {
		t.Fatalf("the file is %v long, the span it recorded at least %v (the recorder's clock: %v)", got, span, shown)
	}
}

// postCounter counts the POSTs a client sends (WHEP offers).
type postCounter struct {
	next  http.RoundTripper
	posts atomic.Int64
	mu    sync.Mutex
	paths []string
}

func (p *postCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		p.posts.Add(1)
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.Path)
		p.mu.Unlock()
	}
	return p.next.RoundTrip(r)
}

// TestMaximiseWHEP maximises and restores WHEP tiles on the demo's WHEP
// server. A stream with one endpoint keeps its session (one POST in all)
// and only its picture grows to the maximised size; a stream with a
// sub_url plays it on the grid and its url when maximised (a POST each).
func TestMaximiseWHEP(t *testing.T) {
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	u := site.WHEP().URL()
	for _, tc := range []struct {
		name   string
		stream whep.Stream
		posts  int64
		paths  string
	}{
		{"one stream", whep.Stream{Name: "garage", URL: u + "/whep/garage"}, 1, "/whep/garage"},
		{"with sub_url", whep.Stream{Name: "garage", URL: u + "/whep/garage", SubURL: u + "/whep/lobby", Token: site.WHEP().Token()}, 3,
			"/whep/lobby /whep/garage /whep/lobby"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc := &postCounter{next: &http.Transport{TLSClientConfig: tlsCfg}}
			c, err := whep.New(whep.Config{Streams: []whep.Stream{tc.stream}, HTTPClient: &http.Client{Transport: pc}})
			if err != nil {
				t.Fatal(err)
			}
			m := wall.New(nil, wall.Config{Factory: factory(c)})
			defer m.Close()
			pics := &sink{}
			tl, err := m.Open("media/garage", wall.TileConfig{Sink: pics, Width: 160, Height: 90})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the tile live", tl.Live)
			tl.SetQuality(session.QualityMain)
			tl.SetOutputSize(640, 360) // the maximised tile's size
			waitFor(t, "the maximised picture", func() bool { w, _ := pics.size(); return w == 640 && tl.Live() })
			tl.SetQuality(session.QualitySub)
			tl.SetOutputSize(160, 90)
			waitFor(t, "the restored picture", func() bool { w, _ := pics.size(); return w == 160 && tl.Live() })
			time.Sleep(500 * time.Millisecond) // a switch of session would have POSTed by now
			pc.mu.Lock()
			paths := strings.Join(pc.paths, " ")
			pc.mu.Unlock()
			if n := pc.posts.Load(); n != tc.posts || paths != tc.paths {
				t.Fatalf("maximise and restore POSTed %d offers (%s), want %d (%s)", n, paths, tc.posts, tc.paths)
			}
			if want := int(tc.posts); tl.Sessions() != want {
				t.Fatalf("%d sessions, want %d", tl.Sessions(), want)
			}
		})
	}
}

// TestSnapshotAtStreamSize takes a snapshot of a tile that shows a small
// picture: it has the stream's own size, and the tile's pictures go back
// to the tile's size afterwards.
func TestSnapshotAtStreamSize(t *testing.T) {
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := wall.New(nil, wall.Config{Factory: factory(c)})
	defer m.Close()
	pics := &sink{}
	tl, err := m.Open("demo/cam2", wall.TileConfig{Sink: pics, Width: 160, Height: 90})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cam2 live", tl.Live)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := tl.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b := f.Image.Rect; b.Dx() != demo.SubWidth || b.Dy() != demo.SubHeight {
		t.Fatalf("snapshot is %dx%d, want the sub stream's %dx%d", b.Dx(), b.Dy(), demo.SubWidth, demo.SubHeight)
	}
	path := filepath.Join(t.TempDir(), "snap.png")
	if err := wall.WritePNG(path, f.Image); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pictures at the tile's size again", func() bool { w, _ := pics.size(); return w == 160 })
}

// slowHangup opens Tuya calls whose hang-up takes a second, as over a slow
// network, and keeps the most calls open at once.
type slowHangup struct {
	c             *tuya.Client
	open, maxOpen *atomic.Int32
}

type slowCall struct {
	*tuya.Call
	open *atomic.Int32
}

func (s slowHangup) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	n := s.open.Add(1)
	for m := s.maxOpen.Load(); n > m && !s.maxOpen.CompareAndSwap(m, n); m = s.maxOpen.Load() {
	}
	call, err := s.c.Open(ctx, id, q)
	if err != nil {
		s.open.Add(-1)
		return nil, err
	}
	return slowCall{call.(*tuya.Call), s.open}, nil
}

func (s slowCall) Close() error {
	time.Sleep(time.Second)
	defer s.open.Add(-1)
	return s.Call.Close()
}

// TestReopenWhileClosing closes a tile of a camera that takes one viewer
// and opens its source again at once, as a user who closes a tile and
// drops the camera back on the wall: the new tile opens, its session
// starts once the old one has hung up, and the camera never refuses it.
func TestReopenWhileClosing(t *testing.T) {
	checkLeaks(t)
	site, tlsCfg := startSite(t)
	cam := site.Camera("cam1")
	cam.LimitViewers(1)
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	op := slowHangup{c: c, open: new(atomic.Int32), maxOpen: new(atomic.Int32)}
	m := wall.New(nil, wall.Config{Factory: factory(op)})
	defer m.Close()
	first, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first tile live", first.Live)
	first.End()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		first.Close()
	}()
	again, err := m.Open("demo/cam1", wall.TileConfig{Sink: &sink{}, Width: 160, Height: 90})
	if err != nil {
		t.Fatalf("reopening a closing source: %v", err)
	}
	waitFor(t, "the second tile live", again.Live)
	<-closed
	if n := cam.BusyRejected(); n != 0 {
		t.Fatalf("the camera refused %d offers: two tiles' sessions ran on it at once", n)
	}
	if n := op.maxOpen.Load(); n != 1 {
		t.Fatalf("%d calls to the camera were open at once", n)
	}
}
