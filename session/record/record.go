// Package record writes what a session receives to a file without
// re-encoding the video: a Recorder is a session.MediaTap that opens its
// muxer at the first keyframe and may stop at a length of its own clock, and
// a Switch lets a running session's tap be pointed at a new recorder and back
// at nothing.
package record

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Muxer is what a recording needs from a container writer
// (player/ffmpeg's Muxer).
type Muxer interface {
	WriteVideo(au []byte, pts time.Duration, key bool) error
	WriteAudio(payload []byte, pts time.Duration) error
	Close() error
}

// Streams describes the streams of a recording when its muxer is made.
type Streams struct {
	Path          string
	VideoMime     string
	AudioMime     string // "" for no audio
	AudioRate     int
	AudioChannels int
}

// NewMuxer makes the muxer of a recording.
type NewMuxer func(Streams) (Muxer, error)

// ErrNoAudioStream is what a muxer returns for audio when it was made
// without an audio stream; a recorder skips such audio quietly.
var ErrNoAudioStream = errors.New("record: the recording has no audio stream")

// Recorder writes one file. It implements session.MediaTap.
type Recorder struct {
	path     string
	newMux   NewMuxer
	skipErr  func(error) bool
	started  chan struct{}
	startOne sync.Once
	ended    chan struct{}
	endOne   sync.Once
	done     chan struct{}

	mu     sync.Mutex
	mux    Muxer
	audio  *webrtc.RTPCodecParameters
	t0     time.Time
	last   time.Time
	length time.Duration // 0: no end
	err    error
	closed bool
}

// New returns a recorder of path; nothing is written before the first
// keyframe. skipAudioErr, when set, tells audio errors to ignore (a muxer
// made before any audio arrived has no audio stream).
func New(path string, newMux NewMuxer, skipAudioErr func(error) bool) *Recorder {
	if skipAudioErr == nil {
		skipAudioErr = func(err error) bool { return errors.Is(err, ErrNoAudioStream) }
	}
	return &Recorder{path: path, newMux: newMux, skipErr: skipAudioErr, started: make(chan struct{}), ended: make(chan struct{}), done: make(chan struct{})}
}

// Path returns the file written.
func (r *Recorder) Path() string { return r.path }

// Started is closed once the first keyframe is written.
func (r *Recorder) Started() <-chan struct{} { return r.started }

// SetLength makes the recording end at d of its own clock (the arrival times
// of what it is fed, from the first keyframe): nothing later is written, and
// Ended is closed at the first unit or packet past d. Set it before feeding;
// d <= 0 means no end.
func (r *Recorder) SetLength(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.length = d
}

// Ended is closed once the recording takes nothing more: it has the length
// set with SetLength, or it failed (Err). Close still finalizes the file.
func (r *Recorder) Ended() <-chan struct{} { return r.ended }

// Done is closed once Close has finalized the file.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Elapsed is the length recorded so far: from the first keyframe to the
// latest unit written.
func (r *Recorder) Elapsed() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mux == nil {
		return 0
	}
	return r.last.Sub(r.t0)
}

// Err returns the error that stopped the recording, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return fmt.Errorf("recording %s: %w", r.path, r.err)
	}
	return nil
}

// VideoUnit implements session.MediaTap.
func (r *Recorder) VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed {
		return
	}
	if r.mux == nil {
		if !key {
			return
		}
		st := Streams{Path: r.path, VideoMime: codec.MimeType}
		if a := r.audio; a != nil {
			st.AudioMime, st.AudioRate, st.AudioChannels = a.MimeType, int(a.ClockRate), int(a.Channels)
		}
		if r.mux, r.err = r.newMux(st); r.err != nil {
			r.mux = nil
			r.end()
			return
		}
		r.t0 = at
	}
	pts, ok := r.pts(at)
	if !ok {
		return
	}
	if r.err = r.mux.WriteVideo(au, pts, key); r.err != nil {
		r.end()
		return
	}
	r.last = at
	r.startOne.Do(func() { close(r.started) })
}

// AudioPacket implements session.MediaTap.
func (r *Recorder) AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.audio == nil {
		c := codec
		r.audio = &c
	}
	if r.mux == nil || r.err != nil || r.closed {
		return
	}
	pts, ok := r.pts(at)
	if !ok {
		return
	}
	if err := r.mux.WriteAudio(payload, pts); err != nil && !r.skipErr(err) {
		r.err = err
		r.end()
	}
}

// pts is the time of at in the recording; ok is false for what falls
// before the first keyframe or past the length, the latter ending the
// recording. r.mu is held and the muxer made.
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

func (r *Recorder) end() { r.endOne.Do(func() { close(r.ended) }) }

// Close finalizes the file (also after a failure, so what was recorded
// plays). A recording that never saw a keyframe leaves no file. Later calls
// do nothing.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	defer close(r.done)
	if r.mux == nil {
		return nil
	}
	if err := r.mux.Close(); err != nil {
		return fmt.Errorf("finalizing %s: %w", r.path, err)
	}
	return nil
}

// Switch is a session.MediaTap that forwards to the recorder set, if any.
// It remembers the session's audio codec, so a recording started between
// two audio packets still gets its audio stream when its first keyframe
// comes before the next audio packet.
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
