package record

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
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
	<-r.Ended() // the writer failed
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
	<-r.Ended()
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
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
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
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if mux == nil || mux.st.AudioMime != webrtc.MimeTypePCMA || mux.st.AudioRate != 8000 || len(mux.audio) != 1 {
		t.Fatalf("muxer streams %+v, %d audio packets; want PCMA at 8000 Hz and the packet written", mux, len(mux.audio))
	}
}

// event is one call a logMuxer got.
type event struct {
	path  string
	video bool
	key   bool
	pts   time.Duration
}

// logMuxer logs its calls into a log shared by the files of a recording.
// A keyframe whose fifth byte (its "picture size") differs from the file's
// first keyframe's fails with ErrStreamChanged, as player/ffmpeg's muxer
// does for another SPS size.
type logMuxer struct {
	st    Streams
	log   *[]event
	size  byte
	block <-chan struct{} // WriteVideo waits for it when set
	trail func() error    // Close's work when set
}

func (m *logMuxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	if m.block != nil {
		<-m.block
	}
	if key && len(au) > 4 {
		if m.size == 0 {
			m.size = au[4]
		} else if au[4] != m.size {
			return fmt.Errorf("mux: SPS %d after %d: %w", au[4], m.size, ErrStreamChanged)
		}
	}
	*m.log = append(*m.log, event{path: m.st.Path, video: true, key: key, pts: pts})
	return nil
}

func (m *logMuxer) WriteAudio(_ []byte, pts time.Duration) error {
	if m.st.AudioMime == "" {
		return ErrNoAudioStream
	}
	*m.log = append(*m.log, event{path: m.st.Path, pts: pts})
	return nil
}

func (m *logMuxer) Close() error {
	*m.log = append(*m.log, event{path: m.st.Path, pts: -1})
	if m.trail != nil {
		return m.trail()
	}
	return nil
}

// logged is a recording into logMuxers; streams are the files' streams.
type logged struct {
	log     []event
	streams []Streams
}

func (l *logged) newMuxer(st Streams) (Muxer, error) {
	l.streams = append(l.streams, st)
	return &logMuxer{st: st, log: &l.log}, nil
}

var (
	vp8  = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	opus = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}}
)

// Units of a test feed: a keyframe of picture size 1, one of size 2, a
// picture between keyframes.
var (
	key1  = []byte{0, 0, 1, 0x65, 1}
	key2  = []byte{0, 0, 1, 0x65, 2}
	delta = []byte{0, 0, 1, 0x41, 0}
)

// feedStep is one thing fed to a recorder at a time from its start.
type feedStep struct {
	ms    int
	video []byte // a video unit (key when it is key1 or key2)
	codec *webrtc.RTPCodecParameters
	audio bool // an audio packet
	gap   bool // the session says it ended
}

func (s feedStep) feed(r *Recorder, t0 time.Time) {
	at := t0.Add(time.Duration(s.ms) * time.Millisecond)
	switch {
	case s.gap:
		r.Gap()
	case s.audio:
		c := pcma
		if s.codec != nil {
			c = *s.codec
		}
		r.AudioPacket(c, []byte{0xd5}, at)
	default:
		c := h264
		if s.codec != nil {
			c = *s.codec
		}
		r.VideoUnit(c, s.video, s.video[3] == 0x65, at)
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestRecorderGap: the recorder spans sessions. After a gap (the video
// paused for GapAfter, or the session said it ended) it takes nothing before
// the next keyframe, so no picture is written that refers to one never
// written, and the file's timeline keeps the gap (arrival times). Audio is
// kept meanwhile.
func TestRecorderGap(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed []feedStep
		want []event // path x.mkv
	}{
		{
			name: "the video pauses for a reboot: resumes at the next keyframe",
			feed: []feedStep{{audio: true}, {ms: 0, video: key1}, {ms: 40, video: delta}, {ms: 80, video: delta}, {ms: 100, audio: true},
				{ms: 3080, video: delta}, {ms: 3090, audio: true}, {ms: 3120, video: delta}, {ms: 3500, video: key1}, {ms: 3540, video: delta}},
			want: []event{{video: true, key: true}, {video: true, pts: ms(40)}, {video: true, pts: ms(80)}, {pts: ms(100)},
				{pts: ms(3090)}, {video: true, key: true, pts: ms(3500)}, {video: true, pts: ms(3540)}},
		},
		{
			name: "the session says it ended",
			feed: []feedStep{{ms: 0, video: key1}, {ms: 40, video: delta}, {gap: true}, {ms: 80, video: delta}, {ms: 120, video: key1}, {ms: 160, video: delta}},
			want: []event{{video: true, key: true}, {video: true, pts: ms(40)}, {video: true, key: true, pts: ms(120)}, {video: true, pts: ms(160)}},
		},
		{
			name: "a pause shorter than GapAfter is no gap",
			feed: []feedStep{{ms: 0, video: key1}, {ms: 1900, video: delta}},
			want: []event{{video: true, key: true}, {video: true, pts: ms(1900)}},
		},
		{
			name: "a gap before the first keyframe changes nothing",
			feed: []feedStep{{gap: true}, {ms: 0, video: delta}, {ms: 40, video: key1}, {ms: 80, video: delta}},
			want: []event{{video: true, key: true}, {video: true, pts: ms(40)}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l logged
			r := New("x.mkv", l.newMuxer, nil)
			t0 := time.Unix(100, 0)
			for _, s := range tc.feed {
				s.feed(r, t0)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			want := append(tc.want, event{pts: -1})
			for i := range want {
				want[i].path = "x.mkv"
			}
			if !slices.Equal(l.log, want) {
				t.Fatalf("written\n%v\nwant\n%v", l.log, want)
			}
		})
	}
}

// TestRecorderStatus: the state a tile shows: waiting for the camera before
// the first keyframe and in a gap (told, or the video paused by the wall
// clock), recording otherwise.
func TestRecorderStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l logged
		r := New("x.mkv", l.newMuxer, nil)
		defer func() { _ = r.Close() }()
		check := func(want Phase, text string) {
			t.Helper()
			st := r.Status()
			if st.Phase != want || st.WaitingForCamera() != (want == PhaseWaiting || want == PhaseGap) || st.String() != text {
				t.Fatalf("phase %v %q, want %v %q", st.Phase, st, want, text)
			}
		}
		check(PhaseWaiting, "● REC waiting for the camera")
		r.VideoUnit(h264, key1, true, time.Now())
		time.Sleep(61 * time.Second)
		r.VideoUnit(h264, key1, true, time.Now())
		check(PhaseRecording, "● REC 01:01")
		r.Gap()
		check(PhaseGap, "● REC 01:01 · waiting for the camera")
		r.VideoUnit(h264, key1, true, time.Now())
		check(PhaseRecording, "● REC 01:01")
		time.Sleep(DefaultGapAfter + time.Millisecond) // nothing comes
		check(PhaseGap, "● REC 01:01 · waiting for the camera")
		r.Stop()
		check(PhaseClosed, "● REC 01:01")
	})
}

// TestRecorderNextFile: what cannot go on in the file goes on in the next
// numbered one, from a keyframe; a camera back with the same stream goes on
// in the same file.
func TestRecorderNextFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		feed    []feedStep
		want    []event
		streams []Streams
	}{
		{
			name: "another picture size",
			feed: []feedStep{{ms: 0, video: key1}, {ms: 40, video: delta}, {gap: true}, {ms: 3000, video: key2}, {ms: 3040, video: delta}},
			want: []event{{path: "x.mkv", video: true, key: true}, {path: "x.mkv", video: true, pts: ms(40)}, {path: "x.mkv", pts: -1},
				{path: "x-2.mkv", video: true, key: true, pts: ms(3000)}, {path: "x-2.mkv", video: true, pts: ms(3040)}, {path: "x-2.mkv", pts: -1}},
			streams: []Streams{{Path: "x.mkv", VideoMime: webrtc.MimeTypeH264}, {Path: "x-2.mkv", VideoMime: webrtc.MimeTypeH264}},
		},
		{
			name: "another video codec",
			feed: []feedStep{{ms: 0, video: key1}, {gap: true}, {ms: 3000, video: key1, codec: &vp8}},
			want: []event{{path: "x.mkv", video: true, key: true}, {path: "x.mkv", pts: -1},
				{path: "x-2.mkv", video: true, key: true, pts: ms(3000)}, {path: "x-2.mkv", pts: -1}},
			streams: []Streams{{Path: "x.mkv", VideoMime: webrtc.MimeTypeH264}, {Path: "x-2.mkv", VideoMime: webrtc.MimeTypeVP8}},
		},
		{
			name: "another audio codec: the next keyframe starts the next file",
			feed: []feedStep{{audio: true}, {ms: 0, video: key1}, {ms: 20, audio: true}, {gap: true},
				{ms: 3000, video: key1}, {ms: 3020, audio: true, codec: &opus}, {ms: 3040, video: delta}, {ms: 3080, video: key1}, {ms: 3100, audio: true, codec: &opus}},
			want: []event{{path: "x.mkv", video: true, key: true}, {path: "x.mkv", pts: ms(20)}, {path: "x.mkv", video: true, key: true, pts: ms(3000)},
				{path: "x.mkv", video: true, pts: ms(3040)}, {path: "x.mkv", pts: -1},
				{path: "x-2.mkv", video: true, key: true, pts: ms(3080)}, {path: "x-2.mkv", pts: ms(3100)}, {path: "x-2.mkv", pts: -1}},
			streams: []Streams{{Path: "x.mkv", VideoMime: webrtc.MimeTypeH264, AudioMime: webrtc.MimeTypePCMA, AudioRate: 8000, AudioChannels: 1},
				{Path: "x-2.mkv", VideoMime: webrtc.MimeTypeH264, AudioMime: webrtc.MimeTypeOpus, AudioRate: 48000, AudioChannels: 2}},
		},
		{
			name:    "the same stream after a reboot",
			feed:    []feedStep{{ms: 0, video: key1}, {gap: true}, {ms: 3000, video: key1}},
			want:    []event{{path: "x.mkv", video: true, key: true}, {path: "x.mkv", video: true, key: true, pts: ms(3000)}, {path: "x.mkv", pts: -1}},
			streams: []Streams{{Path: "x.mkv", VideoMime: webrtc.MimeTypeH264}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l logged
			r := New("x.mkv", l.newMuxer, nil)
			t0 := time.Unix(100, 0)
			for _, s := range tc.feed {
				s.feed(r, t0)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.log, tc.want) || !slices.Equal(l.streams, tc.streams) {
				t.Fatalf("written\n%v\nwant\n%v\nstreams %v\nwant %v", l.log, tc.want, l.streams, tc.streams)
			}
			var paths []string
			for _, st := range tc.streams {
				paths = append(paths, st.Path)
			}
			if got := r.Paths(); !slices.Equal(got, paths) || r.Path() != "x.mkv" {
				t.Fatalf("paths %v, want %v", got, paths)
			}
		})
	}
}

// TestRecorderSlowDisk: with a muxer stuck on the disk, the caller (the
// session's media goroutine) never waits: what does not fit the queue is
// dropped, whole pictures up to the next keyframe that fits, counted and
// said in the status; once the disk catches up the recording goes on from
// a keyframe. On a recorder that writes on the caller's goroutine the first
// call blocks for good, which synctest reports as a deadlock.
func TestRecorderSlowDisk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log []event
		release := make(chan struct{})
		r := Start(Config{Path: "x.mkv", QueueBytes: 10_000, NewMuxer: func(st Streams) (Muxer, error) {
			return &logMuxer{st: st, log: &log, block: release}, nil
		}})
		start := time.Now()
		feed := func(from, to int) {
			for i := from; i < to; i++ {
				au := make([]byte, 1000)
				au[2], au[3], au[4] = 1, 0x41, 1
				if i%25 == 0 { // a keyframe every second
					au[3] = 0x65
				}
				r.VideoUnit(h264, au, au[3] == 0x65, start.Add(time.Duration(i)*40*time.Millisecond))
			}
		}
		feed(0, 30) // the writer is stuck on unit 0; 1-9 fill the queue; 10-29 (keyframe 25 too) do not fit
		if st := r.Status(); !st.Dropping || st.LostUnits != 20 || st.Lost != 19*40*time.Millisecond {
			t.Fatalf("stuck disk: %+v", st)
		}
		close(release)
		synctest.Wait() // the disk catches up
		feed(30, 60)    // 30-49 belong to the pictures dropped; keyframe 50 fits
		st := r.Status()
		if st.Dropping || st.LostUnits != 40 || st.Lost != 40*40*time.Millisecond || st.String() != "● REC 00:02 · disk too slow: 1.6 s lost" {
			t.Fatalf("after: %+v %q", st, st)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		var want []event
		for _, i := range append(slices.Collect(seq(0, 10)), slices.Collect(seq(50, 60))...) {
			want = append(want, event{path: "x.mkv", video: true, key: i%25 == 0, pts: time.Duration(i) * 40 * time.Millisecond})
		}
		want = append(want, event{path: "x.mkv", pts: -1})
		if !slices.Equal(log, want) {
			t.Fatalf("written\n%v\nwant\n%v", log, want)
		}
	})
}

// seq yields from, from+1, ..., to-1.
func seq(from, to int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := from; i < to && yield(i); i++ {
		}
	}
}

// TestRecorderFinalizesOnItsWriter: Stop returns at once, however long the
// trailer takes; the writer writes what was queued, then finalizes; Done is
// closed after that, and Close returns finalizing's error (once).
func TestRecorderFinalizesOnItsWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log []event
		finish := make(chan struct{})
		full := errors.New("no space left on device")
		r := New("x.mkv", func(st Streams) (Muxer, error) {
			return &logMuxer{st: st, log: &log, trail: func() error { <-finish; return full }}, nil
		}, nil)
		t0 := time.Now()
		for i := range 4 {
			au := delta
			if i == 0 {
				au = key1
			}
			r.VideoUnit(h264, au, i == 0, t0.Add(time.Duration(i)*40*time.Millisecond))
		}
		r.Stop() // the caller of Stop (a UI goroutine) does not wait for the trailer
		r.VideoUnit(h264, delta, false, t0.Add(200*time.Millisecond))
		synctest.Wait()
		if isClosed(r.Done()) || len(log) != 5 || log[4].pts != -1 {
			t.Fatalf("before the trailer is done: done %v, written %v", isClosed(r.Done()), log)
		}
		close(finish)
		if err := r.Close(); !errors.Is(err, full) {
			t.Fatalf("close: %v, want the trailer's error", err)
		}
		if err := r.Close(); err != nil || !isClosed(r.Done()) {
			t.Fatalf("second close: %v", err)
		}
	})
}

// TestSwitchGap: a switch tells its recorder when the session ended.
func TestSwitchGap(t *testing.T) {
	var s Switch
	s.Gap() // nowhere: no panic
	var l logged
	r := New("x.mkv", l.newMuxer, nil)
	s.Set(r)
	t0 := time.Unix(100, 0)
	s.VideoUnit(h264, key1, true, t0)
	s.Gap()
	s.VideoUnit(h264, delta, false, t0.Add(40*time.Millisecond))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if len(l.log) != 2 {
		t.Fatalf("written %v, want the keyframe and the trailer", l.log)
	}
}

// BenchmarkRecorderVideoUnit is what the tap costs the media goroutine per
// access unit (20 kB, a 4 Mbit/s stream at 25 fps): a copy into the queue.
// The benchmark lets the writer drain the queue every 100 units, untimed,
// so no unit is dropped and each is copied.
func BenchmarkRecorderVideoUnit(b *testing.B) {
	r := New("x.mkv", func(Streams) (Muxer, error) { return nullMuxer{}, nil }, nil)
	au := make([]byte, 20_000)
	copy(au, key1)
	t0 := time.Now()
	b.SetBytes(int64(len(au)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.VideoUnit(h264, au, i%50 == 0, t0.Add(time.Duration(i)*time.Millisecond))
		if i++; i%100 == 0 {
			b.StopTimer()
			for r.Status().Phase == PhaseRecording && queued(r) > 0 {
				time.Sleep(10 * time.Microsecond)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	if st := r.Status(); st.LostUnits != 0 {
		b.Fatalf("%d units dropped", st.LostUnits)
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

// queued is how many bytes wait for r's writer.
func queued(r *Recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queued
}

// nullMuxer writes nothing.
type nullMuxer struct{}

func (nullMuxer) WriteVideo([]byte, time.Duration, bool) error { return nil }
func (nullMuxer) WriteAudio([]byte, time.Duration) error       { return nil }
func (nullMuxer) Close() error                                 { return nil }
