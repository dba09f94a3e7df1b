package record

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// fakeMuxer keeps what it was given.
type fakeMuxer struct {
	st     Streams
	video  []time.Duration
	audio  []time.Duration
	closed int
	failAt int // fail the n-th video write (1-based; 0 never)
}

func (m *fakeMuxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	if m.failAt > 0 && len(m.video)+1 == m.failAt {
		return errors.New("disk full")
	}
	m.video = append(m.video, pts)
	return nil
}

func (m *fakeMuxer) WriteAudio(p []byte, pts time.Duration) error {
	if m.st.AudioMime == "" {
		return ErrNoAudioStream
	}
	m.audio = append(m.audio, pts)
	return nil
}

func (m *fakeMuxer) Close() error { m.closed++; return nil }

var (
	h264 = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}}
	pcma = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}}
)

// isClosed tells whether c is closed, without waiting.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestRecorder(t *testing.T) {
	t0 := time.Unix(100, 0)
	for _, tc := range []struct {
		name      string
		feed      func(r *Recorder)
		wantVideo int
		wantAudio int
		elapsed   time.Duration
		audioMime string
		noMuxer   bool
		ended     bool
	}{
		{
			name: "waits for a keyframe, audio codec from before it",
			feed: func(r *Recorder) {
				r.AudioPacket(pcma, []byte{1}, t0)
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(10*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0.Add(50*time.Millisecond))
				r.AudioPacket(pcma, []byte{1}, t0.Add(60*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(1050*time.Millisecond))
			},
			wantVideo: 2, wantAudio: 1, elapsed: time.Second, audioMime: webrtc.MimeTypePCMA,
		},
		{
			name: "video only: audio arriving later is skipped",
			feed: func(r *Recorder) {
				r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0)
				r.AudioPacket(pcma, []byte{1}, t0.Add(20*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(500*time.Millisecond))
			},
			wantVideo: 2, elapsed: 500 * time.Millisecond,
		},
		{
			name: "a length: what is past it is left out and ends the recording",
			feed: func(r *Recorder) {
				r.SetLength(time.Second)
				r.AudioPacket(pcma, []byte{1}, t0)
				r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0.Add(100*time.Millisecond))
				r.AudioPacket(pcma, []byte{1}, t0.Add(900*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(1100*time.Millisecond))
				r.AudioPacket(pcma, []byte{1}, t0.Add(1110*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(1140*time.Millisecond))
				r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0.Add(1500*time.Millisecond))
			},
			wantVideo: 2, wantAudio: 1, elapsed: time.Second, audioMime: webrtc.MimeTypePCMA, ended: true,
		},
		{
			name: "a unit at the length itself is kept and does not end it",
			feed: func(r *Recorder) {
				r.SetLength(2 * time.Second)
				r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0)
				r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(2*time.Second))
			},
			wantVideo: 2, elapsed: 2 * time.Second,
		},
		{
			name:    "no keyframe, no file",
			feed:    func(r *Recorder) { r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0) },
			noMuxer: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m *fakeMuxer
			r := New("x.mkv", func(st Streams) (Muxer, error) { m = &fakeMuxer{st: st}; return m, nil }, nil)
			tc.feed(r)
			if err := errors.Join(r.Close(), r.Close()); err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			if ended := isClosed(r.Ended()); ended != tc.ended {
				t.Fatalf("ended %v, want %v", ended, tc.ended)
			}
			if tc.noMuxer {
				if m != nil {
					t.Fatal("a muxer was made without a keyframe")
				}
				if isClosed(r.Started()) {
					t.Fatal("started without a keyframe")
				}
				return
			}
			if len(m.video) != tc.wantVideo || len(m.audio) != tc.wantAudio || r.Elapsed() != tc.elapsed ||
				m.st.AudioMime != tc.audioMime || m.closed != 1 || m.video[0] != 0 {
				t.Fatalf("video %v audio %v elapsed %v audio %q closed %d", m.video, m.audio, r.Elapsed(), m.st.AudioMime, m.closed)
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
		})
	}
}

func TestRecorderStopsOnWriteError(t *testing.T) {
	m := &fakeMuxer{failAt: 2}
	r := New("x.mkv", func(st Streams) (Muxer, error) { m.st = st; return m, nil }, nil)
	t0 := time.Unix(0, 0)
	r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, t0)
	r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(time.Second))
	r.VideoUnit(h264, []byte{0, 0, 1, 1}, false, t0.Add(2*time.Second))
	if err := r.Err(); err == nil || len(m.video) != 1 || !isClosed(r.Ended()) {
		t.Fatalf("err %v after %d units, ended %v", err, len(m.video), isClosed(r.Ended()))
	}
	if err := r.Close(); err != nil || m.closed != 1 {
		t.Fatalf("close after a failure: %v (%d)", err, m.closed)
	}
}

// TestRecorderEndsWhenTheMuxerFails: a file that cannot be made ends the
// recording at once, with the error, and Close has nothing to finalize.
func TestRecorderEndsWhenTheMuxerFails(t *testing.T) {
	r := New("x.mkv", func(Streams) (Muxer, error) { return nil, errors.New("permission denied") }, nil)
	r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, time.Unix(0, 0))
	r.VideoUnit(h264, []byte{0, 0, 1, 5}, true, time.Unix(1, 0))
	if err := r.Err(); err == nil || !isClosed(r.Ended()) || isClosed(r.Started()) {
		t.Fatalf("err %v, ended %v, started %v", err, isClosed(r.Ended()), isClosed(r.Started()))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSwitch(t *testing.T) {
	var s Switch
	s.VideoUnit(h264, []byte{0, 0, 1, 5}, true, time.Unix(0, 0)) // nowhere: no panic
	var made int
	r := New("x.mkv", func(st Streams) (Muxer, error) { made++; return &fakeMuxer{st: st}, nil }, nil)
	if old := s.Set(r); old != nil {
		t.Fatal("a fresh switch had a recorder")
	}
	s.VideoUnit(h264, []byte{0, 0, 1, 5}, true, time.Unix(0, 0))
	if made != 1 || s.Current() != r || s.Set(nil) != r || s.Current() != nil {
		t.Fatalf("made %d muxers", made)
	}
}

// TestSwitchKnowsTheAudioBeforeTheRecording: a recording started after the
// session's audio began gets an audio stream even when its first keyframe
// comes before the next audio packet (the race detector's slowness showed
// recordings without audio).
func TestSwitchKnowsTheAudioBeforeTheRecording(t *testing.T) {
	var s Switch
	s.AudioPacket(pcma, []byte{0xd5}, time.Unix(0, 0)) // no recorder yet
	var mux *fakeMuxer
	r := New("x.mkv", func(st Streams) (Muxer, error) { mux = &fakeMuxer{st: st}; return mux, nil }, nil)
	s.Set(r)
	s.VideoUnit(h264, []byte{0, 0, 1, 5}, true, time.Unix(0, int64(10*time.Millisecond)))
	s.AudioPacket(pcma, []byte{0xd5}, time.Unix(0, int64(20*time.Millisecond)))
	if mux == nil || mux.st.AudioMime != webrtc.MimeTypePCMA || mux.st.AudioRate != 8000 || len(mux.audio) != 1 {
		t.Fatalf("muxer streams %+v, %d audio packets; want PCMA at 8000 Hz and the packet written", mux, len(mux.audio))
	}
}
