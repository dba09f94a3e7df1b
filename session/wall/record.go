package wall

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

// Record starts recording the tile to path from its next keyframe, with
// muxers from newMux (skipAudioErr as record.New takes it). The recording
// is the tile's, not a session's: it goes on across the tile's sessions
// (a stall, a reconnect, a camera's reboot, a switch of stream, the tile
// hidden by a page change) and ends only on StopRecord, Close, the model's
// Close, or by itself (told through OnRecordingEnded). A tile not live yet
// records from its camera's first keyframe. Where the source has a main
// stream besides the grid's, the recording takes it (the tile switches to
// it now, and maximise and restore then change only the picture's size),
// so the file holds the best picture in one stream. Its files are made
// readable by the user only (0600), as snapshots are.
func (t *Tile) Record(path string, newMux record.NewMuxer, skipAudioErr func(error) bool) (*record.Recorder, error) {
	return t.RecordFor(0, path, newMux, skipAudioErr)
}

// RecordFor is Record for a recording that ends by itself at d of its own
// clock (record.Recorder.SetLength; d <= 0: no end), as `lookout record
// --duration` does.
func (t *Tile) RecordFor(d time.Duration, path string, newMux record.NewMuxer, skipAudioErr func(error) bool) (*record.Recorder, error) {
	if newMux == nil {
		return nil, errors.New("wall: recording needs a muxer")
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	rec := record.Start(record.Config{Path: path, NewMuxer: private(newMux), SkipAudioErr: skipAudioErr})
	rec.SetLength(d)
	old := t.rec
	t.rec = rec
	if t.qualities || !t.planKnown {
		main := session.QualityMain
		t.recFrom.Store(&main) // a sub session hands it nothing: want switches
	} else {
		t.recFrom.Store(nil)
	}
	t.tap.Set(rec)
	t.mu.Unlock()
	t.poke()
	if old != nil {
		_ = old.Close()
	}
	t.wg.Add(1)
	go t.watch(rec)
	return rec, nil
}

// private makes each file of a recording with mode 0600 before newMux
// opens it (a muxer opening an existing file keeps its mode), so a
// recording is never readable by others, not even while it is written.
func private(newMux record.NewMuxer) record.NewMuxer {
	return func(s record.Streams) (record.Muxer, error) {
		f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, err
		}
		err = errors.Join(f.Chmod(0o600), f.Close()) // a file that was there keeps its mode otherwise
		if err == nil {
			var m record.Muxer
			if m, err = newMux(s); err == nil {
				return m, nil
			}
		}
		_ = os.Remove(s.Path)
		return nil, err
	}
}

// watch ends rec when it ends by itself (its file failed, or its length was
// reached): it finalises it on this goroutine and tells the renderer.
func (t *Tile) watch(rec *record.Recorder) {
	defer t.wg.Done()
	select {
	case <-rec.Done():
		return
	case <-rec.Ended():
	}
	if !t.endRecording(rec) {
		return
	}
	err := errors.Join(rec.Err(), rec.Close())
	if t.tc.OnRecordingEnded != nil {
		t.tc.OnRecordingEnded(rec.Path(), err)
	}
}

// endRecording takes rec off the tap when it is still the tile's
// recording, and reports whether it was.
func (t *Tile) endRecording(rec *record.Recorder) bool {
	t.mu.Lock()
	if t.rec != rec {
		t.mu.Unlock()
		return false
	}
	t.rec = nil
	t.recFrom.Store(nil)
	t.tap.Set(nil)
	t.mu.Unlock()
	t.poke() // a hidden tile kept for its recording lets its session go
	return true
}

// StopRecord ends the recording in progress without waiting for its file:
// the recorder's writer finalises it on its own goroutine, closes the
// recorder's Done when it has, and its Close then returns finalising's
// error. It returns the recorder, or nil when there was none.
func (t *Tile) StopRecord() *record.Recorder {
	t.mu.Lock()
	rec := t.rec
	t.mu.Unlock()
	if rec == nil || !t.endRecording(rec) {
		return nil
	}
	rec.Stop()
	return rec
}

// Recording returns the recording in progress, or nil.
func (t *Tile) Recording() *record.Recorder {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rec
}

// RecordStatus returns where the recording in progress stands (the *● REC*
// badge's values); ok is false when the tile does not record.
func (t *Tile) RecordStatus() (st record.Status, ok bool) {
	rec := t.Recording()
	if rec == nil {
		return record.Status{}, false
	}
	return rec.Status(), true
}

// Badge is the *● REC* badge of a recording's status: its time, whether it
// waits for the camera, the video the disk lost (record.Status.String),
// and the number of the file it writes once the stream changed so that it
// went on in a next one ("· file 2").
func Badge(st record.Status) string {
	s := st.String()
	if n := len(st.Files); n > 1 {
		s += fmt.Sprintf(" · file %d", n)
	}
	return s
}
