package wall

import (
	"errors"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

// Record starts recording the tile to path from its next keyframe, with
// muxers from newMux (skipAudioErr as record.New takes it). The recording
// is the tile's, not a session's: it goes on across the tile's sessions
// (a stall, a reconnect, a camera's reboot, a switch of stream, the tile
// hidden by a page change) and ends only on StopRecord, Close, the model's
// Close, or its file failing (told through OnRecordingEnded). A tile not
// live yet records from its camera's first keyframe. Where the source has
// a main stream besides the grid's, the recording takes it (the tile
// switches to it now, and maximise and restore then change only the
// picture's size), so the file holds the best picture in one stream.
func (t *Tile) Record(path string, newMux record.NewMuxer, skipAudioErr func(error) bool) (*record.Recorder, error) {
	if newMux == nil {
		return nil, errors.New("wall: recording needs a muxer")
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	rec := record.New(path, newMux, skipAudioErr)
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

// watch ends rec when its file fails, and tells the renderer.
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

// StopRecord finalises the recording in progress; ok is false when there
// was none.
func (t *Tile) StopRecord() (path string, err error, ok bool) {
	t.mu.Lock()
	rec := t.rec
	t.mu.Unlock()
	if rec == nil || !t.endRecording(rec) {
		return "", nil, false
	}
	return rec.Path(), errors.Join(rec.Err(), rec.Close()), true
}

// Recording returns the recording in progress, or nil.
func (t *Tile) Recording() *record.Recorder {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rec
}
