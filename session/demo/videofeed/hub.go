// Package videofeed owns the demo site's camera video: one feed per picture
// (its content and size) encodes H.264 once, or replays a loop of its first
// seconds, and fans every access unit out to any number of subscribers,
// whichever demo service (Tuya camera, WCS stream, WHEP stream) they watch
// through. A new subscriber starts on a keyframe; keyframe requests (PLI,
// FIR) are honoured at most once per Config.KeyInterval, in the loop by
// jumping to its next IDR; every packet carries its picture's capture time
// in the abs-capture-time RTP header extension when the viewer negotiated
// it. It holds media only: each service keeps its own signaling, and this
// package imports no client package.
package videofeed

import (
	"errors"
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// Encoder is what a feed needs from an H.264 encoder: Annex-B access units
// of baseline H.264 with SPS and PPS before every IDR, in fresh slices the
// feed may keep.
type Encoder interface {
	Encode(img *image.YCbCr, forceKey bool) ([][]byte, error)
	Close() error
}

// Scene draws a picture of its own in place of the hub's test picture; a
// feed of a scene is shared only by the subscribers of that scene.
type Scene interface {
	// Draw paints the picture of frame number frame, shown at t.
	Draw(img *image.YCbCr, t time.Time, frame int64)
	// Live reports whether the picture now changes on demand, so it is
	// drawn and encoded live rather than replayed from the loop.
	Live() bool
}

// Picture names what a feed shows: the hub's test picture of Name (Draw)
// at Width x Height, or, when Scene is set, what the scene draws at that
// size. Subscribers of equal Pictures share one feed. Scene must be
// comparable (a pointer).
type Picture struct {
	Name          string
	Width, Height int
	Scene         Scene
}

// Sink takes the access units of one subscription; *Track is the sink of
// a WebRTC viewer.
type Sink interface {
	WriteSample(s media.Sample, captured time.Time) error
}

// Gate filters a subscription's access units, the switch a service uses to
// simulate a faulty camera: for an access unit (key: an IDR) it reports
// whether the unit goes out, and whether it may start a subscriber that
// waits for its first picture. It is called with the feed locked and must
// not block. A nil Gate sends everything and starts on IDRs.
type Gate func(key bool) (send, start bool)

// Config configures a Hub. Zero values get defaults.
type Config struct {
	// NewEncoder makes the H.264 encoder of a w x h feed at fps; required.
	NewEncoder func(w, h, fps int) (Encoder, error)
	// Draw paints the test picture of name at time t, frame number frame;
	// required.
	Draw func(img *image.YCbCr, name string, t time.Time, frame int64)
	// FPS is the picture rate of every feed; default 25.
	FPS int
	// LoopFrames is how many pictures a feed encodes before it replays
	// them; default four seconds' worth. Negative: never loop.
	LoopFrames int
	// NameBlind says that Draw ignores the picture's name: then the
	// Pictures without a Scene share one feed per size, whatever their
	// names, and so one encoder per size for every such stream of the
	// site.
	NameBlind bool
	// KeyInterval is the shortest time between two keyframes a feed makes
	// on request (PLI, FIR; a new subscriber starts at once); default 500 ms. A request
	// within it waits for its end (or for the next IDR).
	KeyInterval time.Duration
	Logger      *slog.Logger
}

// Hub holds the feeds of a site; a feed runs while it has subscribers.
type Hub struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	feeds   map[Picture]*feed
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup
}

// New returns a Hub; Close stops its feeds.
func New(cfg Config) (*Hub, error) {
	if cfg.NewEncoder == nil || cfg.Draw == nil {
		return nil, errors.New("videofeed: NewEncoder and Draw are required")
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 25
	}
	if cfg.LoopFrames == 0 {
		cfg.LoopFrames = 4 * cfg.FPS
	}
	if cfg.KeyInterval <= 0 {
		cfg.KeyInterval = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{cfg: cfg, log: cfg.Logger.With("service", "videofeed"), feeds: map[Picture]*feed{}, closing: make(chan struct{})}, nil
}

// Subscribe makes sink a subscriber of the feed of p, starting the feed if
// it was idle. The subscriber gets pictures once Connected is called and an
// IDR (or what gate lets start it) follows. gate may be nil.
func (h *Hub) Subscribe(p Picture, sink Sink, gate Gate) (*Subscription, error) {
	if p.Width <= 0 || p.Height <= 0 {
		return nil, errors.New("videofeed: picture has no size")
	}
	p = h.key(p)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	f := h.feeds[p]
	if f == nil {
		f = &feed{hub: h, pic: p, subs: map[*Subscription]struct{}{}}
		h.feeds[p] = f
	}
	s := &Subscription{feed: f, sink: sink, gate: gate}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[s] = struct{}{}
	if !f.running {
		f.running = true
		f.stop = make(chan struct{})
		h.wg.Add(1)
		go f.run(f.stop)
	}
	return s, nil
}

// Keyframes returns the last keyframes (Annex-B access units with their
// SPS and PPS, oldest first) the feed of p sent to a subscriber, so tests
// can decode the very picture a viewer got.
func (h *Hub) Keyframes(p Picture) [][]byte {
	p = h.key(p)
	h.mu.Lock()
	f := h.feeds[p]
	h.mu.Unlock()
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.kept...)
}

// key is the Picture whose feed shows p: p, or with NameBlind and no
// Scene, p without its name.
func (h *Hub) key(p Picture) Picture {
	if h.cfg.NameBlind && p.Scene == nil {
		p.Name = ""
	}
	return p
}

// Close stops every feed and waits for them; later calls return ErrClosed.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	h.closed = true
	close(h.closing)
	h.mu.Unlock()
	h.wg.Wait()
	return nil
}

// Subscription is one subscriber's place in a feed.
type Subscription struct {
	feed *feed
	sink Sink
	gate Gate

	// Guarded by feed.mu.
	connected bool
	startAt   time.Time // once connected: what starts it from this time on
	started   bool
	// keyed: an IDR went out since the subscriber became ready to start;
	// later ones it waits for come at KeyInterval, like PLIs.
	keyed bool
	first []byte

	pictures, bytes atomic.Int64
}

// srtpDelay is how long after a viewer's connection is reported up the
// feed waits before it starts the viewer: pion reports the state just
// before it starts SRTP, and anything written earlier is dropped.
const srtpDelay = 30 * time.Millisecond

// Connected records that the subscriber's connection is up: it starts on
// the next IDR from srtpDelay on, which it asks for.
func (s *Subscription) Connected() {
	f := s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if !s.connected {
		s.connected = true
		s.startAt = time.Now().Add(srtpDelay)
	}
}

// RequestKey asks the feed for a keyframe (a PLI or FIR arrived).
func (s *Subscription) RequestKey() {
	f := s.feed
	f.mu.Lock()
	f.keyReq = true
	f.mu.Unlock()
}

// ReadRTCP reads the RTCP of the subscriber's video sender until it fails
// (the connection closed), so its interceptors run; PLI and FIR request a
// keyframe.
func (s *Subscription) ReadRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.RequestKey()
			}
		}
	}
}

// First returns the access unit that started the subscriber (an IDR with
// its SPS and PPS, unless its gate started it on another), or nil.
func (s *Subscription) First() []byte {
	f := s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), s.first...)
}

// Sent returns how many access units and bytes went to the subscriber.
func (s *Subscription) Sent() (pictures, bytes int64) {
	return s.pictures.Load(), s.bytes.Load()
}

// Close ends the subscription; the feed stops with its last subscriber.
// Later calls do nothing.
func (s *Subscription) Close() {
	f := s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, s)
	if len(f.subs) == 0 && f.running {
		close(f.stop)
		f.running = false
	}
}

// keptKeyframes is how many of the keyframes it sent a feed keeps.
const keptKeyframes = 8

// feed is the video of one Picture.
type feed struct {
	hub *Hub
	pic Picture

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	keyReq  bool
	lastKey time.Time // when the last IDR went out
	running bool
	stop    chan struct{}
	kept    [][]byte // the last keyframes sent to a subscriber, oldest first
	clip    *clip    // the recorded loop, kept between runs
}

// wantKey reports whether the picture of time now must be an IDR: the
// first one a new subscriber needs (at once, as a camera answers a new
// viewer; one IDR starts every viewer waiting), or asked for (PLI, FIR, a
// subscriber still waiting to start) and not within KeyInterval of the
// last one.
func (f *feed) wantKey(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	want := f.keyReq
	for s := range f.subs {
		if s.connected && !s.started && !now.Before(s.startAt) {
			if !s.keyed {
				return true
			}
			want = true
		}
	}
	return want && now.Sub(f.lastKey) >= f.hub.cfg.KeyInterval
}

// targets returns the subscribers an access unit of time now goes to,
// starting those that wait for it.
func (f *feed) targets(dst []*Subscription, au []byte, key bool, now time.Time) []*Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	if key {
		f.keyReq = false
		f.lastKey = now
	}
	for s := range f.subs {
		ready := !s.started && s.connected && !now.Before(s.startAt)
		if ready && key {
			s.keyed = true // whether its gate lets it through or not
		}
		send, start := true, key
		if s.gate != nil {
			send, start = s.gate(key)
		}
		if !send {
			continue
		}
		if ready && start {
			s.started = true
			s.first = append([]byte(nil), au...)
		}
		if s.started {
			dst = append(dst, s)
		}
	}
	if key && len(dst) > 0 {
		if len(f.kept) == keptKeyframes {
			f.kept = append(f.kept[:0], f.kept[1:]...)
		}
		f.kept = append(f.kept, au)
	}
	return dst
}

func (f *feed) loop() *clip {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clip
}

func (f *feed) setLoop(c *clip) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clip = c
}

// failed marks the run that stop belongs to as over.
func (f *feed) failed(stop chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop == stop {
		f.running = false
	}
}

func (f *feed) draw(img *image.YCbCr, now time.Time, frame int64) {
	if f.pic.Scene != nil {
		f.pic.Scene.Draw(img, now, frame)
		return
	}
	f.hub.cfg.Draw(img, f.pic.Name, now, frame)
}

// run makes the feed's pictures until stop closes or the hub does: drawn
// and encoded live until the loop is recorded (and whenever the scene is
// live), then replayed from the loop.
func (f *feed) run(stop chan struct{}) {
	h := f.hub
	defer h.wg.Done()
	var enc Encoder
	defer func() {
		if enc != nil {
			_ = enc.Close()
		}
	}()
	log := h.log.With("picture", f.pic.Name, "width", f.pic.Width, "height", f.pic.Height)
	img := image.NewYCbCr(image.Rect(0, 0, f.pic.Width, f.pic.Height), image.YCbCrSubsampleRatio420)
	tick := time.NewTicker(time.Second / time.Duration(h.cfg.FPS))
	defer tick.Stop()
	var (
		frame   int64
		pos     int
		rec     recorder
		loop    = f.loop()
		wasLive bool
		last    = time.Now()
		targets []*Subscription
	)
	for {
		var now time.Time
		select {
		case <-stop:
			return
		case <-h.closing:
			return
		case now = <-tick.C:
		}
		live := f.pic.Scene != nil && f.pic.Scene.Live()
		// A switch between live and looped pictures starts the other
		// stream at an IDR, whatever the rate limit: a picture predicted
		// from the other stream cannot be decoded.
		force := f.wantKey(now) || live != wasLive
		wasLive = live
		var aus [][]byte
		if live || loop == nil {
			if enc == nil {
				var err error
				if enc, err = h.cfg.NewEncoder(f.pic.Width, f.pic.Height, h.cfg.FPS); err != nil {
					log.Error("demo video: encoder", "err", err)
					f.failed(stop)
					return
				}
				force = true
			}
			f.draw(img, now, frame)
			var err error
			if aus, err = enc.Encode(img, force); err != nil {
				log.Warn("demo video: encode", "err", err)
				continue
			}
			switch {
			case live:
				rec = recorder{}
			case loop == nil && h.cfg.LoopFrames > 0:
				if loop = rec.add(aus, h.cfg.LoopFrames); loop != nil {
					f.setLoop(loop)
					_ = enc.Close()
					enc = nil
				}
			}
		} else {
			if enc != nil { // a live scene is still again
				_ = enc.Close()
				enc = nil
			}
			if force {
				pos = loop.nextKey(pos)
			}
			aus = loop.pictures[pos]
			pos = (pos + 1) % len(loop.pictures)
		}
		frame++
		dur := now.Sub(last)
		last = now
		for _, au := range aus {
			targets = f.targets(targets[:0], au, IsIDR(au), now)
			for _, s := range targets {
				err := s.sink.WriteSample(media.Sample{Data: au, Duration: dur}, now)
				if err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) && !errors.Is(err, io.ErrClosedPipe) {
					log.Debug("demo video: write", "err", err)
				}
				s.pictures.Add(1)
				s.bytes.Add(int64(len(au)))
			}
		}
	}
}
