package wall

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

// Tile is one source's life on the wall. One goroutine (loop) owns its
// sessions: it starts one at the quality asked, replaces it when the tile
// wants another stream, stops it while the tile is hidden and not
// recording, and starts a new one after a failure when the user retries.
// The tile's record.Switch is every session's tap, so a recording outlives
// the sessions under it: stalls, reconnects, a camera's reboot, maximise
// and restore, page changes.
type Tile struct {
	m      *Model
	source string
	tc     TileConfig
	tap    record.Switch
	snap   snapSink
	pre    *preroll // the last seconds of media, for event clips (clips.go)

	wake    chan struct{}   // the wanted state changed
	retry   chan struct{}   // the user asked for a new try
	closing chan struct{}   // closed by Close
	done    chan struct{}   // closed when loop returns
	gone    chan struct{}   // closed when Close has finished
	after   <-chan struct{} // the first session waits for it (nil: none)
	once    sync.Once       // Close
	endOnce sync.Once       // End
	wg      sync.WaitGroup  // recording watchers, talks

	mu        sync.Mutex
	q         session.Quality // the quality asked for
	hidden    bool
	paused    bool
	watched   bool // decodes while paused (SetWatched)
	closed    bool
	w, h      int
	s         *session.Session // the current session, nil between
	sq        session.Quality  // the quality s plays
	qualities bool             // the latest plan had a stream per quality
	planKnown bool
	rec       *record.Recorder
	clip      *Clip // the event clip being written (clips.go)
	status    session.Status
	starts    int

	// recFrom is the quality a recording takes its media from (nil: any
	// session's): the main stream where the source has one, so the file
	// holds the best picture and one stream from Record to Stop,
	// whatever maximise and restore do to the picture on the wall.
	recFrom atomic.Pointer[session.Quality]
}

// sessionTap is one session's tap: it hands the tile's recording the media
// of a session that plays the stream the recording takes.
type sessionTap struct {
	t *Tile
	q session.Quality
}

func (st sessionTap) takes() bool {
	q := st.t.recFrom.Load()
	return q == nil || *q == st.q
}

// VideoUnit implements session.MediaTap.
func (st sessionTap) VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	st.t.pre.video(st.q, codec, au, key, at)
	if st.takes() {
		st.t.tap.VideoUnit(codec, au, key, at)
	}
}

// AudioPacket implements session.MediaTap.
func (st sessionTap) AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	st.t.pre.audioPacket(codec, payload, at)
	if st.takes() {
		st.t.tap.AudioPacket(codec, payload, at)
	}
}

func newTile(m *Model, source string, tc TileConfig) *Tile {
	t := &Tile{m: m, source: source, tc: tc, q: tc.Quality, hidden: tc.Hidden, w: tc.Width, h: tc.Height,
		wake: make(chan struct{}, 1), retry: make(chan struct{}, 1),
		closing: make(chan struct{}), done: make(chan struct{}), gone: make(chan struct{})}
	t.snap.next = tc.Sink
	t.pre = newPreroll(m.cfg.Preroll)
	return t
}

// Source returns the tile's source, "ACCOUNT/ID".
func (t *Tile) Source() string { return t.source }

func (t *Tile) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// want returns the quality the tile wants and whether it wants a session
// at all: a hidden tile keeps one only while it records, and a recording
// tile plays the stream its recording takes.
func (t *Tile) want() (session.Quality, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.q
	if from := t.recFrom.Load(); t.rec != nil && from != nil {
		q = *from
	}
	return q, !t.closed && (!t.hidden || t.rec != nil)
}

// mustReplace reports whether a session playing q must end: the tile no
// longer wants one, or wants another quality of a source that has another
// stream for it (or whose plan is not known yet). A recording tile wants
// the stream its recording takes (want).
func (t *Tile) mustReplace(q session.Quality) bool {
	want, active := t.want()
	if !active {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return want != q && (t.qualities || !t.planKnown)
}

// loop owns the tile's sessions until Close or the model's end.
func (t *Tile) loop() {
	defer close(t.done)
	if t.after != nil {
		select {
		case <-t.after:
		case <-t.closing:
			return
		case <-t.m.done:
			return
		}
	}
	for {
		q, active := t.want()
		if !active {
			t.pre.reset() // a tile without a session keeps no pre-roll
			select {
			case <-t.wake:
				continue
			case <-t.retry:
				continue
			case <-t.closing:
				return
			case <-t.m.done:
				return
			}
		}
		if !t.run(q) {
			return
		}
	}
}

// run runs one session at q until the tile wants another or none (true),
// or ends (false). The session is gone when it returns: a camera that
// takes one viewer never sees two sessions of one tile.
func (t *Tile) run(q session.Quality) bool {
	replaced := new(atomic.Bool)
	var s *session.Session
	cfg, err := t.m.cfg.Factory(t.source, q)
	if err == nil {
		cfg.Sink = &t.snap
		cfg.Audio = t.tc.Audio
		cfg.Tap = sessionTap{t: t, q: q}
		t.mu.Lock()
		if t.w > 0 || t.h > 0 {
			cfg.Width, cfg.Height = t.w, t.h
		}
		t.mu.Unlock()
		live := new(atomic.Bool) // the session's latest state was live
		cfg.OnStatus = func(st session.Status) {
			if endsMedia(st.State) || (live.Load() && st.State != session.StateLive) {
				// What the next attempt or session sends starts at its
				// keyframe: the recording's next stretch must too.
				t.tap.Gap()
				t.pre.gap()
			}
			live.Store(st.State == session.StateLive)
			if st.State == session.StateLive && s != nil {
				if p, ok := s.Plan(); ok {
					t.mu.Lock()
					t.qualities, t.planKnown = p.Qualities, true
					t.mu.Unlock()
				}
			}
			if !replaced.Load() {
				t.publish(st)
			}
		}
		s, err = session.New(cfg)
	}
	if err != nil {
		t.publish(session.Status{State: session.StateFailed, Err: err})
		return t.await(q)
	}
	t.mu.Lock()
	t.s, t.sq = s, q
	t.starts++
	s.SetPaused(t.pausedLocked() || t.hidden)
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.s = nil
		t.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	stop := func(quiet bool) {
		replaced.Store(quiet)
		cancel()
		<-ran
		t.tap.Gap() // a replaced session tells no state: its end is a gap all the same
		t.pre.gap()
	}
	for {
		select {
		case <-t.closing:
			stop(true)
			return false
		case <-t.m.done:
			stop(true)
			return false
		case <-t.retry: // Run retries at once (RetryNow): spent already
		case <-t.wake:
			if t.mustReplace(q) {
				_, active := t.want()
				stop(active) // a hidden tile says closed; a switch says nothing
				return true
			}
		case <-ran: // failed for good (a permanent error): wait for Retry
			return t.await(q)
		}
	}
}

// endsMedia reports whether a session in state has stopped sending media:
// the states that end an attempt.
func endsMedia(state session.State) bool {
	switch state {
	case session.StateStalled, session.StateRetrying, session.StateFailed, session.StateClosed:
		return true
	}
	return false
}

// await waits, after a session of q failed for good, for the user's Retry
// or a change of what the tile wants; false when the tile ends.
func (t *Tile) await(q session.Quality) bool {
	for {
		select {
		case <-t.retry:
			return true
		case <-t.wake:
			if t.mustReplace(q) {
				return true
			}
		case <-t.closing:
			return false
		case <-t.m.done:
			return false
		}
	}
}

func (t *Tile) publish(st session.Status) {
	t.mu.Lock()
	t.status = st
	t.mu.Unlock()
	if t.tc.OnStatus != nil {
		t.tc.OnStatus(st)
	}
}

// session returns the current session, or nil.
func (t *Tile) session() *session.Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s
}

// Status returns the latest state told.
func (t *Tile) Status() session.Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}

// Quality returns the quality of the running session ("" when none).
func (t *Tile) Quality() session.Quality {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s == nil {
		return ""
	}
	return t.sq
}

// Sessions returns how many sessions the tile has started.
func (t *Tile) Sessions() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.starts
}

// Live reports whether pictures are arriving: the session is live and its
// latest picture is recent.
func (t *Tile) Live() bool {
	s := t.session()
	return s != nil && s.Status().State == session.StateLive && time.Since(s.LastPicture()) < session.DefaultStallTimeout
}

// Retry tries now: it cuts short the wait of a retrying session, and
// starts a new one after a failure.
func (t *Tile) Retry() {
	if s := t.session(); s != nil {
		s.RetryNow()
	}
	select {
	case t.retry <- struct{}{}:
	default:
	}
}

// SetQuality asks for the stream of quality q (main when maximised, sub on
// the grid). The session is replaced only when the source has another
// stream for q (its plan's Qualities) and no recording holds the main
// stream; otherwise it plays on, and the renderer's SetOutputSize makes
// the picture fit.
func (t *Tile) SetQuality(q session.Quality) {
	t.mu.Lock()
	t.q = q
	t.mu.Unlock()
	t.poke()
}

// SetHidden hides the tile (another page, another tile maximised) or shows
// it again. A hidden tile's session ends, unless it records: then it plays
// on, decoding nothing, and ends when the recording stops.
func (t *Tile) SetHidden(on bool) {
	t.mu.Lock()
	t.hidden = on
	if t.s != nil {
		t.s.SetPaused(t.pausedLocked() || t.hidden)
	}
	t.mu.Unlock()
	t.poke()
}

// Paused reports whether the tile decodes nothing because its wall is
// paused (Model.SetPaused: the window is minimised) and it is not watched.
func (t *Tile) Paused() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedLocked()
}

// SetWatched keeps the tile decoding while its wall is paused (on): its
// pictures are watched for motion alerts, seen or not.
func (t *Tile) SetWatched(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.watched = on
	if t.s != nil {
		t.s.SetPaused(t.pausedLocked() || t.hidden)
	}
}

func (t *Tile) pausedLocked() bool { return t.paused && !t.watched }

func (t *Tile) setPaused(on bool) {
	t.mu.Lock()
	t.paused = on
	if t.s != nil {
		t.s.SetPaused(t.pausedLocked() || t.hidden)
	}
	t.mu.Unlock()
}

// SetOutputSize changes the size pictures are scaled to, in this session
// and the next ones.
func (t *Tile) SetOutputSize(w, h int) {
	t.mu.Lock()
	t.w, t.h = w, h
	s := t.s
	t.mu.Unlock()
	if s != nil {
		s.SetOutputSize(w, h)
	}
}

// Stats returns the picture statistics of the current session.
func (t *Tile) Stats() player.Stats {
	if s := t.session(); s != nil {
		return s.Stats()
	}
	return player.Stats{}
}

// ServerReport returns what the stream's server last said about it.
func (t *Tile) ServerReport() (session.ServerReport, bool) {
	if s := t.session(); s != nil {
		return s.ServerReport()
	}
	return session.ServerReport{}, false
}

// Painted records that f was handed to paint now (the hover stats'
// capture-to-paint latency).
func (t *Tile) Painted(f *player.Frame) {
	if s := t.session(); s != nil {
		s.Painted(f)
	}
}

// CanTalk reports whether the current session takes talk now, and why not.
func (t *Tile) CanTalk() (bool, string) {
	s := t.session()
	if s == nil {
		return false, ErrNotPlaying.Error()
	}
	return s.CanTalk()
}

// Talk sends c to the device until ctx ends (session.Session.Talk).
func (t *Tile) Talk(ctx context.Context, c audio.Capturer) error {
	s := t.session()
	if s == nil {
		return ErrNotPlaying
	}
	return s.Talk(ctx, c)
}

// Close ends the tile: its session, its recording (finalised), and waits
// for them. Later calls do nothing.
func (t *Tile) Close() {
	t.End()
	t.once.Do(func() {
		<-t.done
		if rec := t.StopRecord(); rec != nil {
			if err := rec.Close(); err != nil {
				t.m.log.Info("wall: recording at close", "source", t.source, "path", rec.Path(), "err", err)
			}
		}
		t.wg.Wait()
		t.m.forget(t)
		close(t.gone)
	})
}

// End asks the tile to end without waiting for it (the renderer calls it
// on its own goroutine, then Close elsewhere): intents are refused from now
// on, and a tile of the same source opened meanwhile starts its first
// session once this one's is gone.
func (t *Tile) End() {
	t.endOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.closing)
	})
}

// isClosing reports whether End or Close was called.
func (t *Tile) isClosing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// Done is closed when the tile's sessions have ended for good (Close, or
// the model's end).
func (t *Tile) Done() <-chan struct{} { return t.done }
