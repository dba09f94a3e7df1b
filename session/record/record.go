// Package record writes what sessions receive to a file without
// re-encoding the video. A Recorder is a session.MediaTap that opens its
// muxer at the first keyframe and writes on its own goroutine behind a queue
// bounded in bytes, so the media goroutines never wait for the disk. It
// spans sessions: fed by the next session after a stall, a reconnect or a
// camera reboot, it resumes at that session's first keyframe and leaves a
// gap in the file's timeline (its timestamps are the arrival times). A
// Switch lets sessions that come and go feed whichever recorder is set.
package record

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Muxer is what a recording needs from a container writer
// (player/ffmpeg's Muxer). Its methods are called from the recorder's
// writer goroutine only.
type Muxer interface {
	WriteVideo(au []byte, pts time.Duration, key bool) error
	WriteAudio(payload []byte, pts time.Duration) error
	Close() error
}

// Streams describes the streams of a recording's file when its muxer is
// made.
type Streams struct {
	Path          string
	VideoMime     string
	AudioMime     string // "" for no audio
	AudioRate     int
	AudioChannels int
}

// NewMuxer makes the muxer of a recording's file.
type NewMuxer func(Streams) (Muxer, error)

var (
	// ErrNoAudioStream is what a muxer returns for audio when it was made
	// without an audio stream; a recorder skips such audio quietly.
	ErrNoAudioStream = errors.New("record: the recording has no audio stream")
	// ErrStreamChanged is what a muxer returns (wrapped) from WriteVideo
	// when a keyframe's parameters cannot go on in its file (another
	// picture size): the recorder finalizes that file and goes on in the
	// next numbered one (Paths), starting with that keyframe.
	ErrStreamChanged = errors.New("record: the stream's parameters changed")
)

// Defaults of a Config.
const (
	// DefaultQueueBytes bounds what waits for the disk: about 16 s of a
	// 4 Mbit/s stream.
	DefaultQueueBytes = 8 << 20
	// DefaultGapAfter is how long the video may pause before the recording
	// waits for the next keyframe: the session's media watchdog
	// (session.DefaultStallTimeout) restarts a session whose pictures
	// stopped that long, and the next session's first pictures cannot be
	// decoded without a keyframe of their own.
	DefaultGapAfter = 2 * time.Second
)

// Config describes a recording. Zero values get defaults.
type Config struct {
	// Path is the file written; should the stream change so that it cannot
	// go on in one file, the next ones are numbered: a.mkv, a-2.mkv, ...
	Path     string
	NewMuxer NewMuxer
	// SkipAudioErr tells the audio errors to ignore (a muxer made before
	// any audio arrived has no audio stream); nil means ErrNoAudioStream.
	SkipAudioErr func(error) bool
	// QueueBytes bounds the media waiting for the writer; 0 means
	// DefaultQueueBytes.
	QueueBytes int
	// GapAfter is how long the video may pause before the recording waits
	// for the next keyframe; 0 means DefaultGapAfter.
	GapAfter time.Duration
}

// Phase is where a recording stands.
type Phase int

// The phases of a recording.
const (
	// PhaseWaiting: no keyframe yet; nothing is written.
	PhaseWaiting Phase = iota
	// PhaseRecording: the media is being written.
	PhaseRecording
	// PhaseGap: the video stopped (a stall, a reconnect, a reboot) or a
	// session ended; the recording resumes at the camera's next keyframe.
	PhaseGap
	// PhaseEnded: the recording takes nothing more (its length was
	// reached, or it failed); Close still finalizes it.
	PhaseEnded
	// PhaseClosed: Close (or Stop) was called.
	PhaseClosed
)

// Status is what a tile shows of a recording.
type Status struct {
	Phase Phase
	// Elapsed is the span recorded so far, from the first keyframe to the
	// latest unit taken, gaps included.
	Elapsed time.Duration
	// Lost is how much video was dropped because the disk could not keep
	// up (whole pictures up to the next keyframe), and LostUnits how many
	// video units and audio packets that was; Dropping is true while it is
	// dropping now.
	Lost      time.Duration
	LostUnits int
	Dropping  bool
	// Files are the files written, the first being Config.Path.
	Files []string
	// Err is the error that ended the recording, if any.
	Err error
}

// WaitingForCamera reports whether the recording waits for the camera's
// next keyframe: before the first one, or in a gap.
func (s Status) WaitingForCamera() bool { return s.Phase == PhaseWaiting || s.Phase == PhaseGap }

// String is the badge a tile shows, such as "● REC 01:05" or
// "● REC 01:05 · waiting for the camera · disk too slow: 3.2 s lost".
func (s Status) String() string {
	var b strings.Builder
	b.WriteString("● REC")
	if s.Phase == PhaseWaiting {
		b.WriteString(" waiting for the camera")
	} else {
		e := s.Elapsed.Truncate(time.Second)
		fmt.Fprintf(&b, " %02d:%02d", int(e.Minutes()), int(e.Seconds())%60)
		if s.Phase == PhaseGap {
			b.WriteString(" · waiting for the camera")
		}
	}
	switch {
	case s.LostUnits == 0:
	case s.Lost < 10*time.Second:
		fmt.Fprintf(&b, " · disk too slow: %.1f s lost", s.Lost.Seconds())
	default:
		fmt.Fprintf(&b, " · disk too slow: %d s lost", int(s.Lost.Round(time.Second)/time.Second))
	}
	return b.String()
}

// unit is one access unit or audio payload waiting for the writer.
type unit struct {
	video bool
	key   bool
	codec webrtc.RTPCodecParameters
	data  []byte
	pts   time.Duration
	// audio is the session's audio codec known when a keyframe came, for
	// a file made at that keyframe; nil when none was.
	audio *webrtc.RTPCodecParameters
}

// Recorder writes one recording. It implements session.MediaTap: VideoUnit
// and AudioPacket copy what they are given into a queue bounded in bytes
// and return at once; its writer goroutine, started by New, writes the
// queue and, in Close, finalizes the file.
type Recorder struct {
	cfg     Config
	started chan struct{}
	ended   chan struct{}
	endOne  sync.Once
	done    chan struct{}
	wake    chan struct{} // the writer has work (capacity 1)
	closeMu sync.Mutex
	closeEr error // finalizing's error, for Close's first caller
	reaped  atomic.Bool

	mu        sync.Mutex
	queue     []unit
	queued    int // bytes in queue
	free      [][]byte
	audio     *webrtc.RTPCodecParameters
	length    time.Duration // 0: no end
	t0        time.Time     // the first keyframe's arrival; zero before
	last      time.Time     // the latest unit taken
	lastVideo time.Time     // the latest video unit seen
	gap       bool          // waiting for a keyframe after a gap
	dropping  bool          // the disk is behind: dropping up to a keyframe that fits
	dropFrom  time.Time
	dropLast  time.Time
	lost      time.Duration
	lostUnits int
	files     []string
	err       error
	closed    bool
}

// New returns a recorder of path; nothing is written before the first
// keyframe. skipAudioErr, when set, tells audio errors to ignore (a muxer
// made before any audio arrived has no audio stream). The recorder must be
// closed.
func New(path string, newMux NewMuxer, skipAudioErr func(error) bool) *Recorder {
	return Start(Config{Path: path, NewMuxer: newMux, SkipAudioErr: skipAudioErr})
}

// Start returns a recorder of cfg and starts its writer goroutine; Close
// stops it.
func Start(cfg Config) *Recorder {
	if cfg.SkipAudioErr == nil {
		cfg.SkipAudioErr = func(err error) bool { return errors.Is(err, ErrNoAudioStream) }
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = DefaultQueueBytes
	}
	if cfg.GapAfter <= 0 {
		cfg.GapAfter = DefaultGapAfter
	}
	r := &Recorder{cfg: cfg, started: make(chan struct{}), ended: make(chan struct{}),
		done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go r.write()
	return r
}

// Path returns the file written (the first, should there be more: Paths).
func (r *Recorder) Path() string { return r.cfg.Path }

// Paths returns the files made so far, the first being Path.
func (r *Recorder) Paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.files...)
}

// Started is closed once the first keyframe is written.
func (r *Recorder) Started() <-chan struct{} { return r.started }

// SetLength makes the recording end at d of its own clock (the arrival times
// of what it is fed, from the first keyframe, gaps included): nothing later
// is taken, and Ended is closed at the first unit or packet past d. Set it
// before feeding; d <= 0 means no end.
func (r *Recorder) SetLength(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.length = d
}

// Ended is closed once the recording takes nothing more: it has the length
// set with SetLength, or it failed (Err). Close still finalizes the file.
func (r *Recorder) Ended() <-chan struct{} { return r.ended }

// Done is closed once the file is finalized, after Close or Stop.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Elapsed is the span recorded so far: from the first keyframe to the
// latest unit taken, gaps included.
func (r *Recorder) Elapsed() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.t0.IsZero() {
		return 0
	}
	return r.last.Sub(r.t0)
}

// Err returns the error that stopped the recording, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errLocked()
}

func (r *Recorder) errLocked() error {
	if r.err != nil {
		return fmt.Errorf("recording %s: %w", r.cfg.Path, r.err)
	}
	return nil
}

// Status returns where the recording stands now. In it the recording is in
// a gap once its video has paused for Config.GapAfter by the wall clock, as
// it is for the session's watchdog, even before the next unit comes.
func (r *Recorder) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{LostUnits: r.lostUnits, Lost: r.lost, Dropping: r.dropping,
		Files: append([]string(nil), r.files...), Err: r.errLocked()}
	if r.dropping {
		st.Lost += r.dropLast.Sub(r.dropFrom)
	}
	if !r.t0.IsZero() {
		st.Elapsed = r.last.Sub(r.t0)
	}
	switch {
	case r.closed:
		st.Phase = PhaseClosed
	case r.err != nil || isClosed(r.ended):
		st.Phase = PhaseEnded
	case r.t0.IsZero():
		st.Phase = PhaseWaiting
	case r.gap || time.Since(r.lastVideo) > r.cfg.GapAfter:
		st.Phase = PhaseGap
	default:
		st.Phase = PhaseRecording
	}
	return st
}

// Gap tells the recorder that its session ended (or stalled): what comes
// next is written from the next keyframe on. A recorder also finds a gap by
// itself when the video pauses for Config.GapAfter.
func (r *Recorder) Gap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.t0.IsZero() {
		r.gap = true
	}
}

// VideoUnit implements session.MediaTap: it copies au into the queue and
// returns without waiting for the disk.
func (r *Recorder) VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil || isClosed(r.ended) {
		return
	}
	paused := !r.lastVideo.IsZero() && at.Sub(r.lastVideo) > r.cfg.GapAfter
	r.lastVideo = at
	if r.t0.IsZero() {
		if !key {
			return
		}
		r.t0 = at
	}
	if paused {
		r.gap = true
		if r.dropping { // the camera's pause is not the disk's loss
			r.lost += r.dropLast.Sub(r.dropFrom)
			r.dropping = false
		}
	}
	if r.gap {
		if !key {
			return
		}
		r.gap = false
	}
	pts, ok := r.pts(at)
	if !ok {
		return
	}
	if r.dropping && !key {
		r.drop(at)
		return
	}
	if r.queued+len(au) > r.cfg.QueueBytes {
		// The disk is behind: drop this picture and every one up to the
		// next keyframe that fits, so nothing written refers to a picture
		// left out.
		if !r.dropping {
			r.dropping, r.dropFrom = true, at
		}
		r.drop(at)
		return
	}
	if r.dropping {
		r.lost += at.Sub(r.dropFrom)
		r.dropping = false
	}
	u := unit{video: true, key: key, codec: codec, pts: pts}
	if key {
		u.audio = r.audio
	}
	r.push(u, au)
	r.last = at
}

// drop counts a video unit left out for the disk; r.mu is held.
func (r *Recorder) drop(at time.Time) {
	r.lostUnits++
	r.dropLast = at
}

// AudioPacket implements session.MediaTap: it copies payload into the queue
// and returns without waiting for the disk.
func (r *Recorder) AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a := r.audio; a == nil || a.MimeType != codec.MimeType || a.ClockRate != codec.ClockRate || a.Channels != codec.Channels {
		c := codec
		r.audio = &c // the latest session's, for the next file made
	}
	if r.t0.IsZero() || r.closed || r.err != nil || isClosed(r.ended) {
		return
	}
	pts, ok := r.pts(at)
	if !ok {
		return
	}
	if r.queued+len(payload) > r.cfg.QueueBytes {
		r.lostUnits++
		return
	}
	r.push(unit{codec: codec, pts: pts}, payload)
	if at.After(r.last) {
		r.last = at
	}
}

// pts is the time of at in the recording; ok is false for what falls
// before the first keyframe or past the length, the latter ending the
// recording. r.mu is held and t0 set.
func (r *Recorder) pts(at time.Time) (pts time.Duration, ok bool) {
	pts = at.Sub(r.t0)
	if pts < 0 {
		return 0, false
	}
	if r.length > 0 && pts > r.length {
		r.end()
		return 0, false
	}
	return pts, true
}

// push queues u with a copy of data and wakes the writer; r.mu is held.
func (r *Recorder) push(u unit, data []byte) {
	var buf []byte
	for i := len(r.free) - 1; i >= 0; i-- {
		if cap(r.free[i]) >= len(data) {
			buf = r.free[i]
			r.free[i] = r.free[len(r.free)-1]
			r.free = r.free[:len(r.free)-1]
			break
		}
	}
	u.data = append(buf[:0], data...)
	r.queue = append(r.queue, u)
	r.queued += len(data)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Recorder) end() { r.endOne.Do(func() { close(r.ended) }) }

// fail ends the recording with err (the writer's); what was written is
// still finalized by Close.
func (r *Recorder) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.end()
}

// Stop ends the recording without waiting: the writer writes what is
// queued, finalizes the file and closes Done. Close returns finalizing's
// error.
func (r *Recorder) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close ends the recording, waits for the writer to write what is queued
// and finalize the file (also after a failure, so what was recorded plays),
// and returns finalizing's error. A recording that never saw a keyframe
// leaves no file. Later calls return nil.
func (r *Recorder) Close() error {
	r.Stop()
	<-r.done
	if r.reaped.Swap(true) {
		return nil
	}
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	return r.closeEr
}

// writer is the state of the writer goroutine.
type writer struct {
	r       *Recorder
	mux     Muxer
	streams Streams
	n       int  // number of the file being written, from 1
	roll    bool // the next keyframe starts the next file
	wrote   bool // the first keyframe was written
}

// write is the writer goroutine: it writes the queue in order until the
// recorder is stopped and the queue is empty, then finalizes the file.
func (r *Recorder) write() {
	w := &writer{r: r}
	var batch []unit
	for {
		r.mu.Lock()
		for i := range batch {
			r.free = append(r.free, batch[i].data[:0])
		}
		if len(r.free) > 64 {
			r.free = r.free[len(r.free)-64:]
		}
		batch, r.queue = r.queue, batch[:0]
		stop := r.closed && len(batch) == 0
		r.mu.Unlock()
		if stop {
			break
		}
		if len(batch) == 0 {
			<-r.wake
			continue
		}
		for i := range batch {
			w.put(&batch[i])
			r.mu.Lock()
			r.queued -= len(batch[i].data)
			r.mu.Unlock()
		}
	}
	err := w.finish()
	r.closeMu.Lock()
	r.closeEr = err
	r.closeMu.Unlock()
	close(r.done)
}

// put writes one unit, unless the recording failed.
func (w *writer) put(u *unit) {
	r := w.r
	if isClosed(r.ended) && r.Err() != nil {
		return
	}
	if !u.video {
		if w.mux == nil {
			return
		}
		if a := w.streams.AudioMime; a != "" && !sameAudio(u.codec, w.streams) {
			// Another audio codec (a new session negotiated another): it
			// cannot go in this file's audio stream; the next keyframe
			// starts the next file.
			w.roll = true
			return
		}
		if err := w.mux.WriteAudio(u.data, u.pts); err != nil && !r.cfg.SkipAudioErr(err) {
			r.fail(err)
		}
		return
	}
	if w.mux != nil {
		same := strings.EqualFold(u.codec.MimeType, w.streams.VideoMime)
		switch {
		case u.key && (w.roll || !same):
			if err := w.next(); err != nil {
				r.fail(err)
				return
			}
		case !same:
			return // waiting for a keyframe to start the next file
		}
	}
	if w.mux == nil {
		if !u.key {
			return
		}
		if err := w.open(u); err != nil {
			r.fail(err)
			return
		}
	}
	err := w.mux.WriteVideo(u.data, u.pts, u.key)
	if errors.Is(err, ErrStreamChanged) && u.key {
		if err = w.next(); err == nil {
			if err = w.open(u); err == nil {
				err = w.mux.WriteVideo(u.data, u.pts, u.key)
			}
		}
	}
	if err != nil {
		r.fail(err)
		return
	}
	if !w.wrote {
		w.wrote = true
		close(r.started)
	}
}

// sameAudio reports whether codec is the audio of a file's streams.
func sameAudio(codec webrtc.RTPCodecParameters, st Streams) bool {
	return strings.EqualFold(codec.MimeType, st.AudioMime) && int(codec.ClockRate) == st.AudioRate && int(codec.Channels) == st.AudioChannels
}

// open makes the muxer of the current file for keyframe u, with the audio
// stream known when u came.
func (w *writer) open(u *unit) error {
	r := w.r
	if w.n == 0 {
		w.n = 1
	}
	st := Streams{Path: numbered(r.cfg.Path, w.n), VideoMime: u.codec.MimeType}
	if a := u.audio; a != nil {
		st.AudioMime, st.AudioRate, st.AudioChannels = a.MimeType, int(a.ClockRate), int(a.Channels)
	}
	mux, err := r.cfg.NewMuxer(st)
	if err != nil {
		return err
	}
	w.mux, w.streams, w.roll = mux, st, false
	r.mu.Lock()
	r.files = append(r.files, st.Path)
	r.mu.Unlock()
	return nil
}

// next finalizes the current file; the next open makes the next one.
func (w *writer) next() error {
	err := w.mux.Close()
	w.mux = nil
	w.n++
	if err != nil {
		return fmt.Errorf("finalizing %s: %w", w.streams.Path, err)
	}
	return nil
}

// finish finalizes the current file, if any.
func (w *writer) finish() error {
	if w.mux == nil {
		return nil
	}
	if err := w.mux.Close(); err != nil {
		return fmt.Errorf("finalizing %s: %w", w.streams.Path, err)
	}
	return nil
}

// numbered is the n-th file of a recording of path: path itself, then
// a-2.mkv, a-3.mkv, ...
func numbered(path string, n int) string {
	if n <= 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), n, ext)
}

// isClosed tells whether c is closed, without waiting.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Switch is a session.MediaTap that forwards to the recorder set, if any.
// It outlives sessions: each session of a tile feeds the same switch, so a
// recording set on it goes on across them. It remembers the session's audio
// codec, so a recording started between two audio packets still gets its
// audio stream when its first keyframe comes before the next audio packet.
type Switch struct {
	cur   atomic.Pointer[Recorder]
	audio atomic.Pointer[webrtc.RTPCodecParameters]
}

// Set points the tap at r (nil: nowhere) and returns the recorder it
// replaced, which the caller closes.
func (s *Switch) Set(r *Recorder) *Recorder {
	if c := s.audio.Load(); c != nil && r != nil {
		r.knowAudio(*c)
	}
	return s.cur.Swap(r)
}

// knowAudio tells r the session's audio codec before its first packet.
func (r *Recorder) knowAudio(codec webrtc.RTPCodecParameters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.audio == nil {
		r.audio = &codec
	}
}

// Current returns the recorder the tap feeds, or nil.
func (s *Switch) Current() *Recorder { return s.cur.Load() }

// Gap tells the current recorder, if any, that its session ended or
// stalled (Recorder.Gap).
func (s *Switch) Gap() {
	if r := s.cur.Load(); r != nil {
		r.Gap()
	}
}

// VideoUnit implements session.MediaTap.
func (s *Switch) VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	if r := s.cur.Load(); r != nil {
		r.VideoUnit(codec, au, key, at)
	}
}

// AudioPacket implements session.MediaTap.
func (s *Switch) AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	if c := s.audio.Load(); c == nil || c.MimeType != codec.MimeType || c.ClockRate != codec.ClockRate || c.Channels != codec.Channels {
		s.audio.Store(&codec)
	}
	if r := s.cur.Load(); r != nil {
		r.AudioPacket(codec, payload, at)
	}
}
