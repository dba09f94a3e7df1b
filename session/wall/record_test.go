package wall_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/record"
	"github.com/lookout-app/lookout/session/tuya"
	"github.com/lookout-app/lookout/session/wall"
)

// demoTile opens a Tuya demo camera of a fresh site on a fresh model, with
// tc's callbacks.
func demoTile(t *testing.T, source string, tc wall.TileConfig) (*demo.Site, *wall.Tile) {
	t.Helper()
	site, tlsCfg := startSite(t)
	c, err := tuya.New(tuya.Config{Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	m := wall.New(nil, wall.Config{Factory: factory(c)})
	t.Cleanup(m.Close)
	if tc.Sink == nil {
		tc.Sink = &sink{}
	}
	tc.Width, tc.Height = 160, 90
	tl, err := m.Open(source, tc)
	if err != nil {
		t.Fatal(err)
	}
	return site, tl
}

// TestGapWhenTheSessionStopsBeingLive: the moment a recording tile's
// session stops being live (its camera reboots), the model has told the
// recording: it is in a gap, waiting for the camera's next keyframe, before
// the renderer hears the state, and not only once the video has paused for
// record.DefaultGapAfter. Without it a reconnect quicker than that would
// write the next session's pictures on top of a missing keyframe.
func TestGapWhenTheSessionStopsBeingLive(t *testing.T) {
	checkLeaks(t)
	var tl atomic.Pointer[wall.Tile]
	type seen struct {
		state session.State
		phase record.Phase
		since time.Duration // since the tile was last live
	}
	first := make(chan seen, 1)
	var liveAt atomic.Int64
	site, tile := demoTile(t, "demo/cam1", wall.TileConfig{OnStatus: func(st session.Status) {
		if st.State == session.StateLive {
			liveAt.Store(time.Now().UnixNano())
			return
		}
		t := tl.Load()
		if t == nil || liveAt.Load() == 0 {
			return
		}
		if rs, ok := t.RecordStatus(); ok && rs.Phase != record.PhaseWaiting {
			select {
			case first <- seen{st.State, rs.Phase, time.Since(time.Unix(0, liveAt.Load()))}:
			default:
			}
		}
	}})
	tl.Store(tile)
	waitFor(t, "cam1 live", tile.Live)
	rec, err := tile.Record(filepath.Join(t.TempDir(), "cam1.mkv"), newMuxer, skipAudio)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "1 s recorded", func() bool { return rec.Elapsed() >= time.Second })
	cut := time.Now()
	site.Camera("cam1").Reboot(3 * time.Second)
	var got seen
	select {
	case got = <-first:
	case <-time.After(deadline):
		t.Fatal("the reboot did not end the session")
	}
	t.Logf("first state after live: %s (%v after the last live state, %v after the reboot); the recording's phase then: %d", got.state, got.since.Round(time.Millisecond), time.Since(cut).Round(time.Millisecond), got.phase)
	if got.phase != record.PhaseGap {
		t.Fatalf("when the session stopped being live (%s) the recording was in phase %d, want the gap (%d)", got.state, got.phase, record.PhaseGap)
	}
	if st, _ := tile.RecordStatus(); !st.WaitingForCamera() {
		t.Errorf("the recording's status does not say it waits for the camera: %+v", st)
	}
	if err := tile.StopRecord().Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRecordingFileIsPrivate: a tile's recording is made 0600, as
// snapshots are, also over a file that was there readable by others.
func TestRecordingFileIsPrivate(t *testing.T) {
	checkLeaks(t)
	_, tile := demoTile(t, "demo/cam1", wall.TileConfig{})
	waitFor(t, "cam1 live", tile.Live)
	dir := t.TempDir()
	fresh, over := filepath.Join(dir, "fresh.mkv"), filepath.Join(dir, "over.mkv")
	if err := os.WriteFile(over, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, over} {
		rec, err := tile.Record(path, newMuxer, skipAudio)
		if err != nil {
			t.Fatal(err)
		}
		<-rec.Started() // the first keyframe written
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s is %v while recorded, want -rw-------", filepath.Base(path), mode)
		}
		waitFor(t, "1 s recorded", func() bool { return rec.Elapsed() >= time.Second })
		if err := tile.StopRecord().Close(); err != nil {
			t.Fatal(err)
		}
		if fi, err = os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 1000 {
			t.Fatalf("%s finalised: %v %v", filepath.Base(path), fi.Mode(), err)
		}
	}
}

// slowClose is a muxer whose Close waits for release: a disk slow to
// finalise.
type slowClose struct {
	record.Muxer
	release <-chan struct{}
	closing chan<- struct{}
}

func (m slowClose) Close() error {
	m.closing <- struct{}{}
	<-m.release
	return m.Muxer.Close()
}

// TestStopRecordDoesNotWaitForTheDisk: StopRecord returns while the file
// is still being finalised (the window calls it on the Fyne goroutine);
// the recorder's Done closes, and Close returns, once it is.
func TestStopRecordDoesNotWaitForTheDisk(t *testing.T) {
	checkLeaks(t)
	_, tile := demoTile(t, "demo/cam1", wall.TileConfig{})
	waitFor(t, "cam1 live", tile.Live)
	release, closing := make(chan struct{}), make(chan struct{}, 1)
	path := filepath.Join(t.TempDir(), "cam1.mkv")
	rec, err := tile.Record(path, func(s record.Streams) (record.Muxer, error) {
		m, err := newMuxer(s)
		if err != nil {
			return nil, err
		}
		return slowClose{m, release, closing}, nil
	}, skipAudio)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "1 s recorded", func() bool { return rec.Elapsed() >= time.Second })
	if got := tile.StopRecord(); got != rec {
		t.Fatalf("StopRecord = %p, want %p", got, rec)
	}
	if tile.Recording() != nil {
		t.Error("the tile still records after StopRecord")
	}
	<-closing // the writer is finalising, and StopRecord has returned
	select {
	case <-rec.Done():
		t.Fatal("Done closed before the file was finalised")
	default:
	}
	close(release)
	<-rec.Done()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if d := duration(t, path); d < 900*time.Millisecond {
		t.Fatalf("the file is %v long, want the second recorded", d)
	}
	if tile.StopRecord() != nil {
		t.Error("a second StopRecord found a recording")
	}
}

// failAfter is a muxer whose writes fail once it has taken n pictures: a
// disk that fills up.
type failAfter struct {
	record.Muxer
	n *atomic.Int64
}

var errDiskFull = errors.New("no space left on device")

func (m failAfter) WriteVideo(au []byte, pts time.Duration, key bool) error {
	if m.n.Add(-1) < 0 {
		return errDiskFull
	}
	return m.Muxer.WriteVideo(au, pts, key)
}

// TestRecordingWriteErrorIsTold: a recording whose file fails ends by
// itself; the renderer is told the file and the error (for the tile to say
// it), the tile no longer records, and what was written still plays.
func TestRecordingWriteErrorIsTold(t *testing.T) {
	checkLeaks(t)
	type ended struct {
		path string
		err  error
	}
	told := make(chan ended, 1)
	_, tile := demoTile(t, "demo/cam1", wall.TileConfig{OnRecordingEnded: func(path string, err error) { told <- ended{path, err} }})
	waitFor(t, "cam1 live", tile.Live)
	path := filepath.Join(t.TempDir(), "cam1.mkv")
	n := new(atomic.Int64)
	n.Store(50) // two seconds of pictures
	rec, err := tile.Record(path, func(s record.Streams) (record.Muxer, error) {
		m, err := newMuxer(s)
		return failAfter{m, n}, err
	}, skipAudio)
	if err != nil {
		t.Fatal(err)
	}
	var got ended
	select {
	case got = <-told:
	case <-time.After(deadline):
		t.Fatal("the failed recording was not told")
	}
	if got.path != path || !errors.Is(got.err, errDiskFull) {
		t.Fatalf("told %s, %v; want %s, %v", got.path, got.err, path, errDiskFull)
	}
	if tile.Recording() != nil {
		t.Error("the tile still records after its file failed")
	}
	if rs := rec.Status(); rs.Phase != record.PhaseClosed || !errors.Is(rs.Err, errDiskFull) {
		t.Errorf("the recording's status: %+v", rs)
	}
	if d := duration(t, path); d < time.Second {
		t.Fatalf("what was written is %v long", d)
	}
}

// TestBadge: the *● REC* badge says the recording's time, that it waits
// for the camera, the video the disk lost, and the file it writes once the
// stream changed.
func TestBadge(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   record.Status
		want string
	}{
		{"waiting", record.Status{Phase: record.PhaseWaiting}, "● REC waiting for the camera"},
		{"recording", record.Status{Phase: record.PhaseRecording, Elapsed: 65 * time.Second, Files: []string{"a.mkv"}}, "● REC 01:05"},
		{"in a gap", record.Status{Phase: record.PhaseGap, Elapsed: 5 * time.Second, Files: []string{"a.mkv"}}, "● REC 00:05 · waiting for the camera"},
		{"disk too slow", record.Status{Phase: record.PhaseRecording, Elapsed: 9 * time.Second, Lost: 3200 * time.Millisecond, LostUnits: 80, Files: []string{"a.mkv"}},
			"● REC 00:09 · disk too slow: 3.2 s lost"},
		{"the next file", record.Status{Phase: record.PhaseRecording, Elapsed: 70 * time.Second, Files: []string{"a.mkv", "a-2.mkv"}}, "● REC 01:10 · file 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wall.Badge(tc.st); got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}
