// Package wcs is the demo site's Flashphoner WCS-compatible server: the raw
// WebSocket API of spec 004 on loopback, written from the spec apart from
// Lookout's client (it never imports session/wcs). It is strict about the
// order and shape of what clients send (a violation closes the connection
// with the reason and is recorded), pings clients that stay silent and drops
// those that do not answer, plays its streams as H.264 over WebRTC, answers
// availableStream, and records the audio clients publish.
package wcs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session/demo/videofeed"
)

// DefaultAppKey is the application every WCS server ships with.
const DefaultAppKey = "defaultApp"

// Version is what getVersion reports.
const Version = "5.2.1-lookout-demo"

// Encoder is what a stream needs from an H.264 encoder: Annex-B access
// units of baseline H.264 with SPS and PPS before every IDR.
type Encoder = videofeed.Encoder

// Config configures a Server. Zero values get defaults.
type Config struct {
	// Host is the address listened on (port 0); default 127.0.0.1.
	Host string
	// TLS, when set, serves wss://; nil serves ws://.
	TLS *tls.Config
	// AppKey is the only application the server accepts; default
	// "defaultApp".
	AppKey string
	// Streams are the names of the streams it plays.
	Streams []string
	// Width, Height and FPS are the streams' picture; default 640x360 at
	// 25 (with Video, its FPS).
	Width, Height, FPS int
	// Video, when set, is the video the streams subscribe to, shared with
	// the rest of a demo site; it is not closed with the server.
	Video *videofeed.Hub
	// Draw paints the picture of a stream at time t, frame number frame,
	// and NewEncoder makes the H.264 encoder of a stream; without Video,
	// the server makes its own video from them.
	Draw       func(img *image.YCbCr, name string, t time.Time, frame int64)
	NewEncoder func(w, h, fps int) (Encoder, error)
	// PingInterval is how long a client may stay silent before it is
	// pinged; default 5 s. SilenceTimeout is how long it may stay silent
	// before it is dropped; default three ping intervals.
	PingInterval, SilenceTimeout time.Duration
	Logger                       *slog.Logger
}

// Server is a running WCS-compatible server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	playAPI *webrtc.API
	pubAPI  *webrtc.API
	ln      net.Listener
	http    *http.Server
	url     string
	up      websocket.Upgrader

	refuse  atomic.Bool
	dropped atomic.Int64
	closed  atomic.Bool
	closing chan struct{}
	wg      sync.WaitGroup

	video    *videofeed.Hub
	ownVideo bool // made by Start, closed by Close

	mu         sync.Mutex
	clients    map[*client]bool
	streams    map[string]*stream
	published  map[string]*publisher
	recordings map[string]*Recording
	violations []string
}

// stream is one of the server's streams: its picture and its players.
type stream struct {
	pic     videofeed.Picture
	players videofeed.Audience
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.AppKey == "" {
		cfg.AppKey = DefaultAppKey
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		cfg.Width, cfg.Height = 640, 360
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 25
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 5 * time.Second
	}
	if cfg.SilenceTimeout <= 0 {
		cfg.SilenceTimeout = 3 * cfg.PingInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Video == nil && (cfg.Draw == nil || cfg.NewEncoder == nil) {
		return nil, errors.New("demo wcs: Video, or Draw and NewEncoder, are required")
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger.With("service", "wcs"),
		closing:    make(chan struct{}),
		clients:    map[*client]bool{},
		streams:    map[string]*stream{},
		published:  map[string]*publisher{},
		recordings: map[string]*Recording{},
		up: websocket.Upgrader{
			HandshakeTimeout: 10 * time.Second,
			// A desktop client sends no Origin; browsers' cross-origin
			// rules do not apply to this loopback API.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	for _, name := range cfg.Streams {
		s.streams[name] = &stream{pic: videofeed.Picture{Name: name, Width: cfg.Width, Height: cfg.Height}}
	}
	var err error
	s.video = cfg.Video
	if s.video == nil {
		if s.video, err = videofeed.New(videofeed.Config{NewEncoder: cfg.NewEncoder, Draw: cfg.Draw, FPS: cfg.FPS, Logger: cfg.Logger}); err != nil {
			return nil, fmt.Errorf("demo wcs: %w", err)
		}
		s.ownVideo = true
	}
	if s.playAPI, err = newAPI(cfg.Host, true); err != nil {
		return nil, err
	}
	if s.pubAPI, err = newAPI(cfg.Host, false); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("demo wcs: listen: %w", err)
	}
	scheme := "ws://"
	if cfg.TLS != nil {
		scheme = "wss://"
		ln = tls.NewListener(ln, cfg.TLS)
	}
	s.ln = ln
	s.url = scheme + ln.Addr().String()
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("demo wcs: serve", "err", err)
		}
	}()
	s.log.Info("demo wcs started", "url", s.url, "streams", cfg.Streams)
	return s, nil
}

// newAPI builds a pion API: for playing, H.264 video and G.711 audio; for
// publishing, Opus and G.711 audio. Host candidates only, on loopback when
// the server listens there, no mDNS.
func newAPI(host string, play bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	audio := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
	}
	if !play {
		audio = append([]webrtc.RTPCodecParameters{{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111}}, audio...)
	}
	for _, c := range audio {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("demo wcs: codec: %w", err)
		}
	}
	if play {
		fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
		for i, plid := range []string{"42e01f", "42001f"} {
			c := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
				SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + plid,
			}, PayloadType: webrtc.PayloadType(100 + 2*i)}
			if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
				return nil, fmt.Errorf("demo wcs: codec: %w", err)
			}
		}
		// Pictures carry their capture time when the player takes it.
		if err := videofeed.RegisterCaptureTime(m); err != nil {
			return nil, fmt.Errorf("demo wcs: header extension: %w", err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("demo wcs: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.refuse.Load() {
		http.Error(w, "server is restarting", http.StatusServiceUnavailable)
		return
	}
	conn, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("demo wcs: upgrade", "err", err)
		return
	}
	c := newClient(s, conn, r.RemoteAddr)
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.clients[c] = true
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.run()
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	}()
}

// URL returns the WebSocket API's URL, ws:// or wss://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// AppKey returns the application the server accepts.
func (s *Server) AppKey() string { return s.cfg.AppKey }

// Streams returns the names of the streams the server plays.
func (s *Server) Streams() []string { return append([]string(nil), s.cfg.Streams...) }

// Refuse makes the server refuse new WebSocket connections (HTTP 503), as
// a restarting server does, or accept them again.
func (s *Server) Refuse(on bool) { s.refuse.Store(on) }

// DropAll closes every client connection at once, as a server restart does.
func (s *Server) DropAll() {
	s.mu.Lock()
	cs := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.kill()
	}
}

// Clients returns the number of connected clients.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Dropped returns how many clients were dropped for not answering pings.
func (s *Server) Dropped() int64 { return s.dropped.Load() }

// Violations returns what clients sent against the protocol, in order.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func (s *Server) violation(what string) {
	s.mu.Lock()
	s.violations = append(s.violations, what)
	s.mu.Unlock()
	s.log.Warn("demo wcs: protocol violation", "what", what)
}

// Players returns the number of clients playing stream name.
func (s *Server) Players(name string) int {
	s.mu.Lock()
	st := s.streams[name]
	s.mu.Unlock()
	if st == nil {
		return 0
	}
	return st.players.Len()
}

// FirstPicture returns the access unit (Annex-B H.264, an IDR with its
// SPS and PPS) that started the latest player of stream name that got a
// picture: the first picture that player could decode.
func (s *Server) FirstPicture(name string) []byte {
	s.mu.Lock()
	st := s.streams[name]
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.players.First()
}

// Recording is the audio a client published to one stream name.
type Recording struct {
	mu   sync.Mutex
	rate int
	pcm  []int16
}

// recordMax bounds a recording to one minute.
const recordMax = 60

func (r *Recording) add(pcm []int16, rate int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rate != rate {
		r.rate, r.pcm = rate, r.pcm[:0]
	}
	r.pcm = append(r.pcm, pcm...)
	if n := len(r.pcm) - recordMax*rate; n > 0 {
		r.pcm = append(r.pcm[:0], r.pcm[n:]...)
	}
}

// Recorded returns the mono audio published to stream name (the last
// minute of it) and its sample rate, or nil.
func (s *Server) Recorded(name string) ([]int16, int) {
	s.mu.Lock()
	r := s.recordings[name]
	s.mu.Unlock()
	if r == nil {
		return nil, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.pcm...), r.rate
}

func (s *Server) recording(name string) *Recording {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recordings[name]
	if r == nil {
		r = &Recording{}
		s.recordings[name] = r
	}
	return r
}

// Publishing reports whether a client is publishing stream name.
func (s *Server) Publishing(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.published[name] != nil
}

// Unpublish stops the publishing of stream name from the server's side,
// as an operator ending it does: the publisher is told UNPUBLISHED with
// the info "Stopped by server". It reports whether name was published.
func (s *Server) Unpublish(name string) bool {
	s.mu.Lock()
	p := s.published[name]
	s.mu.Unlock()
	if p == nil {
		return false
	}
	p.c.forget(p.id, p)
	p.end()
	p.c.status(p.id, p.name, true, "UNPUBLISHED", "Stopped by server", 0, 0)
	return true
}

// available reports whether stream name can be played: one of the
// server's streams, or one a client is publishing.
func (s *Server) available(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[name] != nil || s.published[name] != nil
}

// Close stops the server, drops every client and waits for everything it
// started. Later calls return an error.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return errors.New("demo wcs: closed")
	}
	close(s.closing)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.http.Close()
	}
	s.DropAll()
	s.wg.Wait()
	if s.ownVideo {
		err = errors.Join(err, s.video.Close())
	}
	return err
}
