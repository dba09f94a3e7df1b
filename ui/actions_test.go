package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/kinds"
	"github.com/lookout-app/lookout/session/record"
)

// demoWindow is a window on a fresh demo site, as a first start shows it,
// with real decoders and recording through player/ffmpeg.
type demoWindow struct {
	win    *window
	site   *demo.Site
	cancel context.CancelFunc
	folder string
	w      fyne.Window

	closeAcc func() error
}

func openDemoWindow(t *testing.T, size fyne.Size) *demoWindow {
	t.Helper()
	return openDemoSiteWindow(t, size, demo.Config{})
}

// openDemoSiteWindow is openDemoWindow on a demo site started with cfg.
func openDemoSiteWindow(t *testing.T, size fyne.Size, cfg demo.Config) *demoWindow {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(size)
	site, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	kr := &memKeyring{secrets: map[string]string{}}
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config(), Keyring: kr, Build: demoBuilder(site, kr), Demo: true}
	acc, closeAcc, err := m.Build(config.Account{Name: "demo", Kind: "tuya", Endpoint: site.TuyaEndpoint(),
		ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID()})
	if err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	opt := Options{Manager: m,
		NewDecoder: func(mime string) (player.Decoder, error) { return ffmpeg.NewDecoder(mime) },
		NewAudioDecoder: func(mime string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(mime, rate, ch, out)
		},
		Actions: &TileActions{Folder: folder,
			NewMuxer:     newTestMuxer,
			SkipAudioErr: func(err error) bool { return errors.Is(err, ffmpeg.ErrInvalidConfig) }},
	}
	ctx, cancel := context.WithCancel(context.Background())
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: opt}
	win.build(ctx, []Account{acc})
	return &demoWindow{win: win, site: site, cancel: cancel, folder: folder, w: w, closeAcc: closeAcc}
}

// newTestMuxer is the window's muxer (cmd/lookout's newFileMuxer):
// player/ffmpeg's, telling the recorder when a keyframe cannot go on in
// the file.
func newTestMuxer(s record.Streams) (record.Muxer, error) {
	m, err := ffmpeg.NewMuxer(ffmpeg.MuxConfig{Path: s.Path, VideoMime: s.VideoMime,
		AudioMime: s.AudioMime, AudioRate: s.AudioRate, AudioChannels: s.AudioChannels})
	if err != nil {
		return nil, err
	}
	return testMuxer{m}, nil
}

type testMuxer struct{ *ffmpeg.Muxer }

func (m testMuxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	err := m.Muxer.WriteVideo(au, pts, key)
	if errors.Is(err, ffmpeg.ErrStreamChanged) {
		return fmt.Errorf("%w: %w", record.ErrStreamChanged, err)
	}
	return err
}

// close shuts the window, its account and the demo site.
func (d *demoWindow) close() {
	d.cancel()
	d.win.shutdown()
	_ = d.closeAcc()
	_ = d.site.Close()
}

// live puts source on the wall and waits for its picture.
func (d *demoWindow) live(t *testing.T, source string) *Tile {
	t.Helper()
	d.win.wall.Add(source, source)
	tile := d.win.wall.Tiles()[d.win.wall.index(source)]
	waitFor(t, source+" live", func() bool { return tile.Status().State == session.StateLive && tile.picture.Visible() })
	return tile
}

// quietAndWatched puts the demo's cam1 and cam2 on the wall, both still
// but for their clocks, and turns motion alerts on for cam2 only.
func (d *demoWindow) quietAndWatched(t *testing.T) (quiet, watched *Tile) {
	t.Helper()
	d.site.Camera("cam1").SetStill(true)
	d.site.Camera("cam2").SetStill(true)
	quiet, watched = d.live(t, "demo/cam1"), d.live(t, "demo/cam2")
	watched.deco.setWatching(true)
	return quiet, watched
}

type probed struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// probe runs ffprobe on path: its streams ("video:h264 audio:pcm_alaw")
// and duration.
func probe(t *testing.T, path string) (string, time.Duration) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, st := range p.Streams {
		s = append(s, st.CodecType+":"+st.CodecName)
	}
	secs, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q", path, p.Format.Duration)
	}
	return strings.Join(s, " "), time.Duration(secs * float64(time.Second))
}

func near(a, b, tol time.Duration) bool { return math.Abs(float64(a-b)) <= float64(tol) }

// TestRecordFromTile records a demo camera from its tile for 5 s with the
// record button, then records again and kills the session by shutting the
// demo site down: the recording goes on (the badge says it waits for the
// camera) until Ctrl+R stops it. Both files play in ffprobe with the
// duration the tile showed (±0.5 s), H.264 video copied as sent and the
// camera's G.711 audio.
func TestRecordFromTile(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (make test installs ffmpeg)")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tile := d.live(t, "demo/cam1")

	test.Tap(tile.deco.rec)
	if !tile.Recording() {
		t.Fatalf("the record button did not start a recording: %q", tile.deco.note.Text)
	}
	rec := tile.ctrl.(*runner).Recording()
	waitFor(t, "the first keyframe", func() bool { return rec.Elapsed() > 0 })
	waitFor(t, "5 s recorded", func() bool { return rec.Elapsed() >= 5*time.Second })
	if got := tile.RecordingText(); !strings.HasPrefix(got, "● REC 00:0") {
		t.Errorf("the badge shows %q", got)
	}
	test.Tap(tile.deco.rec)
	if tile.Recording() {
		t.Fatal("the record button did not stop the recording")
	}
	want := rec.Elapsed()
	waitFor(t, "the toast saying where the recording went", func() bool {
		return tile.deco.toast.shown() && strings.Contains(tile.deco.toast.name.Text, filepath.Base(rec.Path()))
	})
	<-rec.Done()
	if fi, err := os.Stat(rec.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the recording's file: %v %v, want -rw-------", fi.Mode(), err)
	}
	streams, got := probe(t, rec.Path())
	if streams != "video:h264 audio:pcm_alaw" || !near(got, want, 500*time.Millisecond) || !near(got, 5*time.Second, 500*time.Millisecond) {
		t.Fatalf("%s: %s, %v long; want h264 + pcm_alaw, %v", filepath.Base(rec.Path()), streams, got, want)
	}
	t.Logf("5 s recording: %s, %v long (the tile showed %v)", streams, got, want)
	if filepath.Dir(rec.Path()) != d.folder || filepath.Ext(rec.Path()) != ".mkv" {
		t.Errorf("recorded to %s, want an .mkv in %s", rec.Path(), d.folder)
	}

	// The second recording (started with Ctrl+R on the focused tile) goes
	// on while the session dies under it: the badge says it waits for the
	// camera, and Ctrl+R again ends it with what was recorded.
	d.w.Canvas().Focus(tile)
	ctrlR := func() {
		d.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierControl})
	}
	ctrlR()
	cut := tile.ctrl.(*runner).Recording()
	waitFor(t, "3 s recorded", func() bool { return cut.Elapsed() >= 3*time.Second })
	if err := d.site.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the badge to say it waits for the camera", func() bool {
		return tile.Recording() && strings.HasSuffix(tile.RecordingText(), "waiting for the camera")
	})
	if !tile.Recording() || tile.ctrl.(*runner).Recording() != cut {
		t.Fatal("the recording ended with the session")
	}
	d.w.Canvas().Focus(tile)
	ctrlR()
	if tile.Recording() {
		t.Fatal("Ctrl+R did not stop the recording")
	}
	<-cut.Done()
	shown := cut.Elapsed()
	streams, got = probe(t, cut.Path())
	if streams != "video:h264 audio:pcm_alaw" || !near(got, shown, 500*time.Millisecond) {
		t.Fatalf("cut recording: %s, %v long; want h264 + pcm_alaw, %v", streams, got, shown)
	}
	t.Logf("recording across the lost camera: %s, %v long (the tile showed %v)", streams, got, shown)
	if got < 3*time.Second-500*time.Millisecond {
		t.Fatalf("cut recording is %v long, but 3 s were recorded before the kill", got)
	}
}

// TestSnapshotFromTile takes a snapshot of the focused tile with Ctrl+S: a
// PNG at the stream's own size (the tile shows a smaller one), its path on
// the clipboard.
func TestSnapshotFromTile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(700, 450))
	defer d.close()
	d.live(t, "demo/cam1")
	tile := d.live(t, "demo/cam2")
	d.w.Canvas().Focus(tile)
	waitFor(t, "pictures at the tile's size, smaller than the stream", func() bool {
		f := tile.ctrl.(*runner).sink.Load()
		return f.Image.Rect.Dx() < f.SourceWidth
	})
	d.w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl})
	waitFor(t, "the snapshot's toast", tile.deco.toast.shown)
	path := d.win.extra.lastCapture
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != demo.SubWidth || b.Dy() != demo.SubHeight {
		t.Fatalf("snapshot is %dx%d, want the sub stream's %dx%d", b.Dx(), b.Dy(), demo.SubWidth, demo.SubHeight)
	}
	if got := d.win.a.Clipboard().Content(); got != path {
		t.Errorf("clipboard holds %q, want %q", got, path)
	}
}

// TestMotionLightsTheTile puts two still demo cameras with running clocks
// on the wall. Neither lights while only the clocks change; an object
// crossing one of them for 2 s lights that tile within 1 s, never the other.
func TestMotionLightsTheTile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	tq, tb := d.quietAndWatched(t)
	d.w.Canvas().Focus(tq) // the tile the user chose
	lit := func() bool { return tq.MotionShown() || tb.MotionShown() }
	// Let the clocks tick over at least three seconds.
	until := time.Now().Add(3500 * time.Millisecond)
	for drainUI(); time.Now().Before(until); drainUI() {
		if lit() {
			t.Fatalf("a still picture with a running clock lit a tile (cam1 %v, cam2 %v)", tq.MotionShown(), tb.MotionShown())
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	d.site.Camera("cam2").MoveObject(2 * time.Second)
	waitFor(t, "cam2 to light", tb.MotionShown)
	took := time.Since(start)
	t.Logf("cam2 lit %v after the object started moving", took)
	if took > time.Second {
		t.Fatalf("cam2 lit %v after the object started moving, want within 1 s", took)
	}
	if d.w.Canvas().Focused() != tq {
		t.Error("motion on the opted-in tile moved the focus off the tile the user chose")
	}
	until = time.Now().Add(2500 * time.Millisecond)
	for drainUI(); time.Now().Before(until); drainUI() {
		if tq.MotionShown() {
			t.Fatal("the still camera lit while the other one moved")
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, "cam2's highlight to go out once still", func() bool { return !tb.MotionShown() })
}

// TestRecordingFinalizedOnQuit quits the window while a tile records: the
// file is finalized and plays for as long as was recorded.
func TestRecordingFinalizedOnQuit(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (make test installs ffmpeg)")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	tile := d.live(t, "demo/cam3")
	d.win.toggleRecord("demo/cam3", tile)
	rec := tile.ctrl.(*runner).Recording()
	waitFor(t, "2 s recorded", func() bool { return rec.Elapsed() >= 2*time.Second })
	d.close()
	shown := rec.Elapsed()
	streams, got := probe(t, rec.Path())
	t.Logf("recording at quit: %s, %v long (the tile showed %v)", streams, got, shown)
	if streams != "video:h264 audio:pcm_alaw" || !near(got, shown, 500*time.Millisecond) {
		t.Fatalf("recording at quit: %s, %v long; want h264 + pcm_alaw, %v", streams, got, shown)
	}
}

// TestRecordingAcrossRebootAndMaximise records a tile of the window (the
// recording takes the main stream) while its camera reboots for 3 s, then
// maximises and restores it (no new session): the recording goes on
// through all of it, and Stop leaves one file whose timeline covers the
// whole span.
func TestRecordingAcrossRebootAndMaximise(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed (make test installs ffmpeg)")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	d.live(t, "demo/cam2")
	tile := d.live(t, "demo/cam1")
	test.Tap(tile.deco.rec)
	rec := tile.ctrl.(*runner).Recording()
	if rec == nil {
		t.Fatalf("no recording: %q", tile.deco.note.Text)
	}
	waitFor(t, "the first keyframe", func() bool { return rec.Elapsed() > 0 })
	first := time.Now() // the recording started before: the span is at least from here
	d.site.Camera("cam1").Reboot(3 * time.Second)
	waitFor(t, "the reboot to cut the tile", func() bool { return tile.Status().State != session.StateLive })
	waitFor(t, "the tile live after the reboot", func() bool { return tile.Status().State == session.StateLive })
	r := tile.ctrl.(*runner)
	waitFor(t, "the recording on the main stream", func() bool { return r.mt.Quality() == session.QualityMain && r.Live() })
	sessions := r.mt.Sessions()
	// A second of pictures maximised and another restored.
	recorded := func(d time.Duration) func() bool {
		from := rec.Elapsed()
		return func() bool { return r.Live() && rec.Elapsed() >= from+d }
	}
	d.win.wall.ToggleMaximise("demo/cam1")
	waitFor(t, "a second recorded maximised", recorded(time.Second))
	d.win.wall.ToggleMaximise("demo/cam1")
	waitFor(t, "a second recorded restored", recorded(time.Second))
	if n := r.mt.Sessions(); n != sessions || r.mt.Quality() != session.QualityMain {
		t.Errorf("maximise and restore while recording ran %d sessions on %q; the recording holds the main stream", n-sessions, r.mt.Quality())
	}
	if !tile.Recording() || r.Recording() != rec {
		t.Fatalf("the recording did not last: %q", tile.deco.note.Text)
	}
	test.Tap(tile.deco.rec)
	span, shown := time.Since(first), rec.Elapsed()
	if tile.Recording() {
		t.Fatal("the record button did not stop the recording")
	}
	<-rec.Done()
	if files := rec.Paths(); len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
	streams, got := probe(t, rec.Path())
	t.Logf("one file: %s, %v long for a span of at least %v (the recorder's clock: %v)", streams, got, span.Round(10*time.Millisecond), shown)
	if got < span-time.Second || got > shown+500*time.Millisecond {
		t.Fatalf("the file is %v long, the span recorded at least %v (the recorder's clock: %v)", got, span, shown)
	}
}
