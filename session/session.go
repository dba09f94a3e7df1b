// Package session runs Lookout's sessions: one Session per tile negotiates
// WebRTC with a device over its vendor's signaling, feeds the picture to the
// player and supervises the connection, retrying with backoff. It knows
// nothing of Fyne; state changes leave it as values.
package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session/peer"
)

// Config describes one session. Zero durations get defaults in New.
type Config struct {
	Source string // "ACCOUNT/ID", for logs and messages
	ID     string // the id handed to Opener
	Opener Opener
	// Refresh renews the account's credentials (Client.Refresh): after an
	// attempt whose offer got no answer, and before each try after refused
	// credentials. Nil: nothing to renew.
	Refresh func(ctx context.Context) error
	Quality Quality
	// Sink receives decoded pictures, latest-frame-wins.
	Sink player.Sink
	// NewDecoder makes a video decoder for a negotiated MIME type.
	NewDecoder func(mimeType string) (player.Decoder, error)
	// Width and Height are the size pictures are scaled to; zero keeps the
	// stream's own size.
	Width, Height int
	// OnStatus is called on every state change from the session's goroutine;
	// it must not block.
	OnStatus func(Status)
	Logger   *slog.Logger
	// ConnectTimeout bounds one attempt from its start to the first picture.
	ConnectTimeout time.Duration
	// StallTimeout is how long a connected session with video may go
	// without a decoded picture before it is stalled and retried (the
	// media watchdog); zero means DefaultStallTimeout.
	StallTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts (each wait
	// is jittered down to half).
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts stops retrying after that many attempts; zero retries
	// until cancelled.
	MaxAttempts int
	// FailFast ends Run at the first permanent error (Permanent: refused
	// credentials, no such device or stream, no common codec), as the
	// CLI's commands want for their exit codes. Without it nothing is
	// final: each kind of failure is retried by its own policy (Wait),
	// as a wall left alone needs.
	FailFast bool
	// Audio receives the device's audio, decoded by NewAudioDecoder into
	// AudioFormat (zero: the codec's own rate and channels). Nil drops it.
	Audio           AudioSink
	AudioFormat     audio.Format
	NewAudioDecoder func(mimeType string, clockRate, channels int, out audio.Format) (AudioDecoder, error)
	// NewAudioEncoder makes the talk encoder for the negotiated codec.
	NewAudioEncoder func(mimeType string, in audio.Format, frameSamples int) (AudioEncoder, error)
	// Cleaner, when set, cleans the microphone before it is encoded (echo
	// cancellation, noise suppression, gain; see MicCleaner).
	Cleaner MicCleaner
	// Tap, when set, receives the coded media as it arrives (to record it
	// without re-encoding).
	Tap MediaTap
}

// MediaTap receives a session's coded media: video access units (Annex-B
// for H.264) and audio RTP payloads, stamped with their arrival time so the
// two share one clock. Calls come from the media goroutines and must not
// block for long.
type MediaTap interface {
	VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time)
	AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time)
}

// Session is one tile's connection to one source.
type Session struct {
	cfg    Config
	log    *slog.Logger
	retry  chan struct{}
	mu     sync.Mutex
	status Status
	video  atomic.Pointer[player.Video]
	dec    atomic.Pointer[decoderBox]

	call     atomic.Pointer[callBox] // the current attempt's call
	talk     atomic.Pointer[talker]
	pub      atomic.Pointer[publishing]
	talking  atomic.Bool
	planTalk atomic.Value // Talk of the latest plan, as a string
	planCap  atomic.Value // MaxDuration of the latest plan

	dog watchdog // media watchdog and answer timing (watchdog.go)
	// paused: pictures are not decoded (SetPaused).
	paused atomic.Bool
}

type decoderBox struct{ d player.Decoder }

type callBox struct {
	c    Call
	plan Plan
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Session, error) {
	if cfg.Opener == nil || cfg.NewDecoder == nil || cfg.Sink == nil {
		return nil, errors.New("session: Opener, NewDecoder and Sink are required")
	}
	if cfg.Quality == "" {
		cfg.Quality = QualityMain
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 20 * time.Second
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		// Short: a tile must be back within seconds of its camera.
		cfg.MaxBackoff = max(2*time.Second, cfg.MinBackoff)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Session{cfg: cfg, log: log.With("source", cfg.Source), retry: make(chan struct{}, 1)}, nil
}

// Status returns the latest status.
func (s *Session) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Stats returns the picture statistics of the current attempt.
func (s *Session) Stats() player.Stats {
	if v := s.video.Load(); v != nil {
		return v.Stats()
	}
	return player.Stats{}
}

// Painted records that f, a picture of the current attempt, was handed to
// paint now: Stats' PaintLatency.
func (s *Session) Painted(f *player.Frame) {
	if v := s.video.Load(); v != nil {
		v.Painted(f)
	}
}

// ServerReport returns what the server last said about the stream of the
// current attempt, when its plan can say (Plan.Report).
func (s *Session) ServerReport() (ServerReport, bool) {
	if b := s.call.Load(); b != nil {
		if r := b.plan.Report; r != nil {
			return r(), true
		}
	}
	return ServerReport{}, false
}

// SetOutputSize changes the size pictures are scaled to.
func (s *Session) SetOutputSize(width, height int) {
	s.mu.Lock()
	s.cfg.Width, s.cfg.Height = width, height
	s.mu.Unlock()
	if b := s.dec.Load(); b != nil {
		b.d.SetOutputSize(width, height)
	}
}

// SetPaused stops decoding pictures while nobody can see them (the window
// is minimised) and resumes it from the next keyframe (player.Video's
// SetPaused), in this attempt and the next ones. While paused, the access
// units arriving keep the media watchdog fed: the connection is watched,
// not the decoder.
func (s *Session) SetPaused(on bool) {
	s.paused.Store(on)
	if v := s.video.Load(); v != nil {
		v.SetPaused(on)
	}
}

// RetryNow cuts short the wait before the next attempt.
func (s *Session) RetryNow() {
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// LastPicture is when the session last decoded a picture, or the zero time.
func (s *Session) LastPicture() time.Time { return s.dog.lastPicture() }

func (s *Session) publish(st Status) {
	st.LastPicture = s.dog.lastPicture()
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
	if st.Err != nil {
		s.log.Info("session state", "state", st.State.String(), "attempt", st.Attempt, "reason", Reason(st.Err))
	} else {
		s.log.Debug("session state", "state", st.State.String(), "attempt", st.Attempt)
	}
	if s.cfg.OnStatus != nil {
		s.cfg.OnStatus(st)
	}
}

// Permanent reports whether retrying err cannot help without the user
// changing something (credentials, device id, codecs). Only a session with
// Config.FailFast stops on it; the others retry it by its Wait policy.
func Permanent(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnsupportedCodec)
}

// Run connects and keeps the session connected until ctx is cancelled,
// retrying failed attempts by the failure's policy (Wait: a short
// exponential backoff, a stream that is away tried every 2 s for a minute,
// refused credentials renewed before each try). It returns ctx.Err() when
// cancelled, or the last error when it gives up: MaxAttempts reached, or a
// permanent error with FailFast.
func (s *Session) Run(ctx context.Context) error {
	b := backoff{min: s.cfg.MinBackoff, max: s.cfg.MaxBackoff}
	asked := false // the user asked for this attempt (RetryNow)
	for attempt := 1; ; attempt++ {
		started := time.Now()
		actx := ctx
		if asked {
			actx = context.WithValue(ctx, userRetryKey{}, true)
		}
		err := s.attempt(actx, attempt)
		if ctx.Err() != nil {
			s.publish(Status{State: StateClosed, Attempt: attempt})
			return ctx.Err()
		}
		if (s.cfg.FailFast && Permanent(err)) || (s.cfg.MaxAttempts > 0 && attempt >= s.cfg.MaxAttempts) {
			s.publish(Status{State: StateFailed, Err: err, Attempt: attempt})
			return err
		}
		now := time.Now()
		wait, why := b.wait(err, started, now)
		s.publish(Status{State: StateRetrying, Err: err, Attempt: attempt, RetryAt: now.Add(wait), Wait: why})
		t := time.NewTimer(wait)
		if s.dog.refresh {
			s.refresh(ctx, "refresh after no answer") // during the wait
		}
		select {
		case <-ctx.Done():
			t.Stop()
			s.publish(Status{State: StateClosed, Attempt: attempt})
			return ctx.Err()
		case <-s.retry:
			t.Stop()
			asked = true
		case <-t.C:
			asked = false
		}
		if why == WaitCredentials {
			// Refused credentials: renew them right before the try.
			s.refresh(ctx, "renewing refused credentials")
		}
	}
}

// refresh asks the opener to renew what the service may have forgotten or
// refused: after an attempt that got no answer, and before each try after
// refused credentials.
func (s *Session) refresh(ctx context.Context, why string) {
	s.dog.refresh = false
	if s.cfg.Refresh != nil {
		if err := s.cfg.Refresh(ctx); err != nil {
			s.log.Info("session: "+why+" failed", "err", err)
		}
	}
}

// frameTap forwards frames, notes their time for the watchdog and signals
// the first one.
type frameTap struct {
	next  player.Sink
	dog   *watchdog
	once  sync.Once
	first chan struct{}
}

func (t *frameTap) PutFrame(f *player.Frame) {
	t.dog.picture(time.Now())
	t.once.Do(func() { close(t.first) })
	t.next.PutFrame(f)
}

// attempt runs one connection from signaling to its end, in three phases:
// negotiate (open the call, build the peer from its plan, offer and
// answer), connect (ICE and DTLS up to the first picture) and run (the
// media supervised until the attempt ends). Each returns the error that
// ends the attempt, classified by the sentinels of errors.go.
func (s *Session) attempt(parent context.Context, n int) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	s.video.Store(nil) // the last attempt's statistics are not this one's
	l := &link{n: n, state: StateSignaling, cancel: cancel}
	s.publish(Status{State: l.state, Attempt: n})
	defer l.close(s)
	if err := s.negotiate(ctx, l); err != nil {
		return err
	}
	if err := s.connect(ctx, l); err != nil {
		return err
	}
	return s.run(ctx, l)
}

// link is one attempt's connection as its phases build it.
type link struct {
	n      int // the attempt
	state  State
	cancel context.CancelFunc // ends the attempt's context
	call   Call
	plan   Plan
	p      *peer.Peer
	// hangup is closed when the remote side ends the call (Plan.Hangup);
	// nil when the call cannot say.
	hangup      <-chan struct{}
	tap         *frameTap
	videoDone   chan error
	connectedAt time.Time
	timeout     *time.Timer  // Config.ConnectTimeout, until the first picture
	stall       *time.Ticker // the media watchdog's tick; nil without video
}

// close ends what the phases started: the talk paths, the trickle
// goroutines (cancel), the peer and the call.
func (l *link) close(s *Session) {
	if l.timeout != nil {
		l.timeout.Stop()
	}
	if l.stall != nil {
		l.stall.Stop()
	}
	if l.call == nil {
		return
	}
	s.call.Store(nil)
	if l.p == nil {
		return // the peer could not be built: negotiate closed the call
	}
	s.talk.Store(nil)
	s.pub.Store(nil)
	l.cancel() // stop the trickle goroutines before waiting for them
	if err := errors.Join(l.p.Close(), l.call.Close()); err != nil {
		s.log.Debug("session: cleanup", "err", err)
	}
}

// setState publishes the attempt's new state.
func (s *Session) setState(l *link, st State) {
	l.state = st
	s.publish(Status{State: st, Attempt: l.n})
}

// negotiate opens the call, builds the peer its plan asks for and
// exchanges offer and answer: a gathered offer unless the plan trickles,
// shaped and repaired when the plan says so. It waits for the answer at
// most the watchdog's answer wait (answerWait).
func (s *Session) negotiate(ctx context.Context, l *link) error {
	call, err := s.cfg.Opener.Open(ctx, s.cfg.ID, s.cfg.Quality)
	if err != nil {
		return err
	}
	plan := call.Plan()
	s.planTalk.Store(string(plan.Talk))
	s.planCap.Store(plan.MaxDuration)
	s.call.Store(&callBox{c: call, plan: plan})
	l.call, l.plan = call, plan
	p, err := peer.New(peer.Config{
		ICEServers: plan.ICEServers, Audio: plan.Audio, Video: plan.Video,
		AudioCodecs: plan.AudioCodecs, VideoCodecs: plan.VideoCodecs, RTX: plan.RTX,
		DisconnectedTimeout: iceDisconnectedTimeout, Logger: s.log,
	})
	if err != nil {
		return errors.Join(err, call.Close())
	}
	l.p = p
	l.timeout = time.NewTimer(s.cfg.ConnectTimeout) // until the first picture

	asked := time.Now()
	answerWait := time.NewTimer(s.dog.answerWait(s.cfg.ConnectTimeout))
	defer answerWait.Stop()
	exchanged := make(chan error, 1)
	var answer string
	go func() {
		var err error
		answer, err = exchange(ctx, p, call, plan)
		exchanged <- err
	}()
	select {
	case err := <-exchanged:
		if err != nil {
			return err
		}
		s.dog.answered(time.Since(asked))
	case <-answerWait.C:
		l.cancel()
		<-exchanged
		s.dog.refresh = true
		return fmt.Errorf("%w: no answer from %s within %s", ErrTimeout, s.cfg.Source, time.Since(asked).Round(100*time.Millisecond))
	case <-ctx.Done():
		<-exchanged
		return ctx.Err()
	}
	if err := p.SetAnswer(answer); err != nil {
		if errors.Is(err, peer.ErrNoCommonCodec) {
			return fmt.Errorf("%w: %w", ErrUnsupportedCodec, err)
		}
		return fmt.Errorf("%w: bad answer: %w", ErrProtocol, err)
	}
	s.setState(l, StateICE)
	if plan.Trickle != nil {
		s.trickle(ctx, p, plan.Trickle)
	}
	return nil
}

// connect waits for ICE and DTLS, then for the first picture (a source
// without video is live once connected), within Config.ConnectTimeout of
// the offer. The media watchdog already runs once connected: a connection
// that decodes nothing for Config.StallTimeout is stalled.
func (s *Session) connect(ctx context.Context, l *link) error {
	if ph := l.plan.Hangup; ph != nil {
		l.hangup = ph.Done()
	}
	l.tap = &frameTap{next: s.cfg.Sink, dog: &s.dog, first: make(chan struct{})}
	l.videoDone = make(chan error, 1)
	var stall <-chan time.Time
	if watches(l.plan) {
		l.stall = time.NewTicker(s.cfg.StallTimeout / 8)
		stall = l.stall.C
	}
	for l.state != StateLive {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.timeout.C:
			return fmt.Errorf("%w: stuck at %s for %s", ErrTimeout, l.state, s.cfg.ConnectTimeout)
		case <-l.hangup:
			return l.plan.Hangup.Err()
		case st := <-l.p.ICEStates():
			if err := s.iceState(l, st); err != nil {
				return err
			}
		case st := <-l.p.States():
			if err := s.peerState(ctx, l, st); err != nil {
				return err
			}
		case tr := <-l.p.Tracks():
			if err := s.startTrack(ctx, l.p, tr, l.plan.Talk == TalkHalf, l.tap, l.videoDone); err != nil {
				return err
			}
		case <-l.tap.first:
			s.setState(l, StateLive)
		case err := <-l.videoDone:
			return videoEnded(err)
		case now := <-stall:
			if err := s.watch(l, now); err != nil {
				return err
			}
		}
	}
	l.timeout.Stop()
	return nil
}

// run supervises a live connection until it ends: the remote side hangs
// up, the path or the video ends, or the media watchdog finds no picture
// for Config.StallTimeout.
func (s *Session) run(ctx context.Context, l *link) error {
	var stall <-chan time.Time
	if l.stall != nil {
		stall = l.stall.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.hangup:
			return l.plan.Hangup.Err()
		case st := <-l.p.ICEStates():
			if err := s.iceState(l, st); err != nil {
				return err
			}
		case st := <-l.p.States():
			if err := s.peerState(ctx, l, st); err != nil {
				return err
			}
		case tr := <-l.p.Tracks():
			if err := s.startTrack(ctx, l.p, tr, l.plan.Talk == TalkHalf, l.tap, l.videoDone); err != nil {
				return err
			}
		case err := <-l.videoDone:
			return videoEnded(err)
		case now := <-stall:
			if err := s.watch(l, now); err != nil {
				return err
			}
		}
	}
}

// iceState follows an ICE state change: connected moves on to DTLS, failed
// ends the attempt.
func (s *Session) iceState(l *link, st webrtc.ICEConnectionState) error {
	switch st {
	case webrtc.ICEConnectionStateConnected:
		if l.state == StateICE {
			s.setState(l, StateDTLS)
		}
	case webrtc.ICEConnectionStateFailed:
		return ErrNoPath
	}
	return nil
}

// peerState follows a peer connection state change. Connected makes talk
// available and waits for the first picture (a source without video, a
// speaker, is live at once); failed and closed end the attempt.
func (s *Session) peerState(ctx context.Context, l *link, st webrtc.PeerConnectionState) error {
	switch st {
	case webrtc.PeerConnectionStateConnected:
		if !l.connectedAt.IsZero() {
			return nil
		}
		l.connectedAt = time.Now()
		s.enableTalk(l.p, l.plan, ctx.Done())
		s.enablePublish(l.plan, ctx.Done())
		if l.state >= StateWaiting {
			return nil // the first picture came before the state: live already
		}
		s.setState(l, StateWaiting)
		if !watches(l.plan) {
			s.setState(l, StateLive)
		}
	case webrtc.PeerConnectionStateFailed:
		if l.state == StateLive {
			return fmt.Errorf("connection lost: %w", ErrNoPath)
		}
		return ErrNoPath
	case webrtc.PeerConnectionStateClosed:
		return s.closedByRemote(ctx, l)
	}
	return nil
}

// hangupGrace is how long a peer connection the remote side closed waits
// for the call's signaling to say why (Plan.Hangup): a service that ends a
// session closes its socket and its peer together, and either may be
// noticed first.
const hangupGrace = 250 * time.Millisecond

// closedByRemote is the error of a peer connection the remote side closed:
// the plan's Hangup reason when it comes within hangupGrace, else
// ErrHangup.
func (s *Session) closedByRemote(ctx context.Context, l *link) error {
	if l.hangup == nil {
		return ErrHangup
	}
	t := time.NewTimer(hangupGrace)
	defer t.Stop()
	select {
	case <-l.hangup:
		if err := l.plan.Hangup.Err(); err != nil {
			return err
		}
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return ErrHangup
}

// watch is one tick of the media watchdog: once connected, a picture must
// come within Config.StallTimeout.
func (s *Session) watch(l *link, now time.Time) error {
	if l.connectedAt.IsZero() {
		return nil
	}
	err := s.dog.stalled(l.connectedAt, now, s.cfg.StallTimeout, s.Stats())
	if err != nil {
		s.publish(Status{State: StateStalled, Err: err, Attempt: l.n})
	}
	return err
}

// videoEnded is the error of a video track whose player returned.
func videoEnded(err error) error {
	if err == nil {
		err = ErrHangup
	}
	return fmt.Errorf("video: %w", err)
}

// exchange makes the offer (gathered unless the plan trickles), shapes it,
// sends it and repairs the answer, as the plan says.
func exchange(ctx context.Context, p *peer.Peer, call Call, plan Plan) (string, error) {
	var offer string
	var err error
	if plan.Trickle != nil {
		offer, err = p.Offer()
	} else {
		offer, err = p.GatheredOffer(ctx)
	}
	if err == nil && plan.ShapeOffer != nil {
		offer, err = plan.ShapeOffer(offer)
	}
	if err != nil {
		return "", err
	}
	answer, err := call.Exchange(ctx, offer)
	if err == nil && plan.RepairAnswer != nil {
		answer, err = plan.RepairAnswer(offer, answer)
	}
	return answer, err
}

// trickle forwards local candidates to the call and remote ones to the peer.
func (s *Session) trickle(ctx context.Context, p *peer.Peer, t *Trickle) {
	p.Go(func(closed <-chan struct{}) {
		for {
			select {
			case c := <-p.Candidates():
				if err := t.Send(ctx, c); err != nil {
					s.log.Debug("session: send candidate", "err", err)
				}
			case <-closed:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	p.Go(func(closed <-chan struct{}) {
		remote := t.Remote()
		for {
			select {
			case c, ok := <-remote:
				if !ok {
					return
				}
				if err := p.AddCandidate(c); err != nil {
					s.log.Debug("session: remote candidate", "err", err)
				}
			case <-closed:
				return
			case <-ctx.Done():
				return
			}
		}
	})
}

// startTrack runs the player for a video track, and plays (or drains) an
// audio track.
func (s *Session) startTrack(ctx context.Context, p *peer.Peer, tr peer.Track, half bool, sink player.Sink, done chan<- error) error {
	if tr.Remote.Kind() != webrtc.RTPCodecTypeVideo {
		p.Go(func(<-chan struct{}) {
			if s.cfg.Audio == nil || s.cfg.NewAudioDecoder == nil {
				s.drain(tr)
				return
			}
			_ = s.playAudio(tr, half)
		})
		return nil
	}
	dec, err := s.cfg.NewDecoder(tr.Codec.MimeType)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnsupportedCodec, tr.Codec.MimeType, err)
	}
	s.mu.Lock()
	w, h := s.cfg.Width, s.cfg.Height
	s.mu.Unlock()
	dec.SetOutputSize(w, h)
	ssrc := tr.Remote.SSRC()
	v, err := player.NewVideo(player.VideoConfig{
		MimeType:  tr.Codec.MimeType,
		ClockRate: tr.Codec.ClockRate,
		Sink:      sink,
		RequestKeyframe: func() {
			if err := p.RequestKeyframe(ssrc); err != nil {
				s.log.Debug("session: keyframe request", "err", err)
			}
		},
		Logger:         s.log,
		CaptureTimeExt: tr.CaptureTimeExt,
		OnAccessUnit: func(au player.AccessUnit, key bool) {
			if s.paused.Load() {
				s.dog.picture(time.Now()) // media arrives; nobody looks at it
			}
			if s.cfg.Tap != nil {
				s.cfg.Tap.VideoUnit(tr.Codec, au.Data, key, time.Now())
			}
		},
	}, dec)
	if err != nil {
		return errors.Join(fmt.Errorf("%w: %w", ErrUnsupportedCodec, err), dec.Close())
	}
	s.video.Store(v)
	v.SetPaused(s.paused.Load()) // after Store: a SetPaused in between reaches v either way
	s.dec.Store(&decoderBox{dec})
	p.Go(func(<-chan struct{}) {
		// Run returns when the peer closes the track (ReadRTP fails).
		err := v.Run(ctx, tr.Remote)
		s.dec.Store(nil)
		if cerr := dec.Close(); cerr != nil {
			s.log.Debug("session: decoder close", "err", cerr)
		}
		done <- err
	})
	return nil
}
