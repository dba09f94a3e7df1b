// Package whep is the demo site's WHEP/WHIP server: plain streams as any
// WHEP server (MediaMTX, go2rtc) serves them, and a TRTC-style room whose
// endpoints check UserSig as TRTC's account system does. It is its own
// reading of RFC 9725, the WHEP draft and the TRTC specs: it never imports
// Lookout's client packages for them.
//
// Streams, under /whep/NAME (play) and /whip/NAME (publish):
//   - lobby: needs the bearer token Token returns, takes trickle PATCHes,
//     sends a 1 kHz G.711 tone with its picture, and takes talk at
//     /whip/lobby;
//   - garage: no token, no trickle (the offer must carry its candidates),
//     no audio;
//   - busy: always 409; maintenance: always 503 with Retry-After;
//   - anything else: 404.
//
// The room, under /v2/sub/{SDKAppID}/{ROOM|STREAMID}?SessionID=USER and
// /v2/pub/{SDKAppID}/{ROOM}?SessionID=USER with Authorization: Bearer
// <UserSig>: the room's own stream, and one stream per member, whose
// stream ID is {SDKAppID}_{ROOM}_{MEMBER}_main (spec 002's splicing
// rule). Members start and stop publishing over time: in each period one
// of them is away. The room seats one client per user id (spec 001's
// onKickout, "the same user logged in repeatedly"): a session whose
// SessionID is already in the room ends the older session, and the
// kick-out is logged and kept (Kickouts).
package whep

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session/demo/videofeed"
)

// Encoder is the H.264 encoder of a stream (Annex-B access units).
type Encoder = videofeed.Encoder

// PCMDecoder decodes the Opus talk a publisher sends, to 48 kHz mono.
type PCMDecoder interface {
	Decode(payload []byte) ([]int16, error)
	Close() error
}

// Config configures the server. Video, or NewEncoder and Draw, are
// required.
type Config struct {
	Host string      // listen host; default 127.0.0.1
	TLS  *tls.Config // server TLS; nil serves plain HTTP
	// Video, when set, is the video the streams subscribe to, shared with
	// the rest of a demo site; it is not closed with the server. Without
	// it, the server makes its own from NewEncoder and Draw.
	Video          *videofeed.Hub
	NewEncoder     func(w, h, fps int) (Encoder, error)
	Draw           func(img *image.YCbCr, name string, t time.Time, frame int64)
	NewOpusDecoder func() (PCMDecoder, error)
	// ICEServers are URLs handed out in Link headers (rel="ice-server").
	ICEServers []string
	SDKAppID   int64
	SecretKey  string
	Room       string   // default "8080"
	Members    []string // default alice, bob, carol
	// MemberPeriod is how long each phase of the room lasts; in each
	// phase one member is away. Default 20 s.
	MemberPeriod time.Duration
	// Impair, when set, is added first to the interceptors of every
	// session (next to the network): the site's impairment of the media
	// path (demo.Site.Impair).
	Impair interceptor.Factory
	// Now is the clock UserSigs are checked against; default time.Now. A
	// clock ahead of the client's makes its UserSigs look expired.
	Now    func() time.Time
	Logger *slog.Logger
}

// Picture size and rate of every stream.
const (
	Width  = 640
	Height = 360
	fps    = 25
)

// maxReceived bounds the talk kept per publish name: one minute at 48 kHz.
const maxReceived = 60 * 48000

// Server is a running WHEP/WHIP server.
type Server struct {
	cfg   Config
	log   *slog.Logger
	api   *webrtc.API
	token string
	url   string
	http  *http.Server
	start time.Time

	video    *videofeed.Hub
	ownVideo bool // made by Start, closed by Close

	mu        sync.Mutex
	resources map[string]*resource
	streams   map[string]*videofeed.Audience // the viewers of each stream played
	received  map[string][]int16
	seats     map[string]*resource // the room's session of each user id
	kickouts  []Kickout

	closed atomic.Bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

// Start listens on a free port and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Video == nil && (cfg.NewEncoder == nil || cfg.Draw == nil) {
		return nil, errors.New("demo whep: Video, or NewEncoder and Draw, are required")
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Room == "" {
		cfg.Room = "8080"
	}
	if len(cfg.Members) == 0 {
		cfg.Members = []string{"alice", "bob", "carol"}
	}
	if cfg.MemberPeriod <= 0 {
		cfg.MemberPeriod = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	api, err := newAPI(cfg.Host, cfg.Impair)
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, api: api, token: hex.EncodeToString(tok), start: time.Now(),
		resources: map[string]*resource{}, streams: map[string]*videofeed.Audience{}, received: map[string][]int16{},
		seats: map[string]*resource{}, stop: make(chan struct{}), video: cfg.Video,
	}
	if s.video == nil {
		if s.video, err = videofeed.New(videofeed.Config{NewEncoder: cfg.NewEncoder, Draw: cfg.Draw, FPS: fps, Logger: cfg.Logger}); err != nil {
			return nil, fmt.Errorf("demo whep: %w", err)
		}
		s.ownVideo = true
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, "0"))
	if err != nil {
		if s.ownVideo {
			_ = s.video.Close()
		}
		return nil, fmt.Errorf("demo whep: listen: %w", err)
	}
	scheme := "http"
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
		scheme = "https"
	}
	s.url = scheme + "://" + ln.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("demo whep: serve", "err", err)
		}
	}()
	go s.schedule()
	return s, nil
}

// newAPI builds the server's pion API: H.264 video; Opus and G.711 audio;
// imp, when not nil, impairs the path.
func newAPI(host string, imp interceptor.Factory) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}
	for i, plid := range []string{"42e01f", "42001f", "640032"} {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + plid,
		}, PayloadType: webrtc.PayloadType(102 + 2*i)}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
	}
	// Pictures carry their capture time when the viewer takes it.
	if err := videofeed.RegisterCaptureTime(m); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if imp != nil {
		ir.Add(imp)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
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

// URL returns the server's base URL, https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// Token returns the bearer token the lobby stream needs.
func (s *Server) Token() string { return s.token }

// Room returns the room id.
func (s *Server) Room() string { return s.cfg.Room }

// Members returns the room's members.
func (s *Server) Members() []string { return append([]string(nil), s.cfg.Members...) }

// MemberLive reports whether a member is publishing now.
func (s *Server) MemberLive(member string) bool { return s.memberLive(member, time.Now()) }

func (s *Server) memberLive(member string, now time.Time) bool {
	phase := int(now.Sub(s.start) / s.cfg.MemberPeriod)
	for i, m := range s.cfg.Members {
		if m == member {
			return phase%len(s.cfg.Members) != i
		}
	}
	return false
}

// Received returns a copy of the talk received on a publish endpoint (a
// stream name or the room), 48 kHz mono.
func (s *Server) Received(name string) []int16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int16(nil), s.received[name]...)
}

// Resources returns the number of sessions not yet hung up.
func (s *Server) Resources() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.resources)
}

// FirstPicture returns the IDR access unit (Annex-B) a stream's latest
// viewer that got a picture started with, to compare a client's first
// picture against.
func (s *Server) FirstPicture(name string) []byte {
	s.mu.Lock()
	st := s.streams[name]
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.First()
}

// Kickout is one session the room ended because a newer one joined as
// the same user id.
type Kickout struct {
	User   string // the SessionID both sessions gave
	Stream string // what the ended session played or published
	At     time.Time
}

// Kickouts returns the sessions the room ended so far because the same
// user id joined again, oldest first.
func (s *Server) Kickouts() []Kickout {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Kickout(nil), s.kickouts...)
}

// Close stops serving, hangs up every session and waits.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return errors.New("demo whep: closed")
	}
	close(s.stop)
	err := s.http.Close()
	s.mu.Lock()
	rs := make([]*resource, 0, len(s.resources))
	for _, r := range s.resources {
		rs = append(rs, r)
	}
	s.mu.Unlock()
	for _, r := range rs {
		s.drop(r)
	}
	s.wg.Wait()
	if s.ownVideo {
		err = errors.Join(err, s.video.Close())
	}
	return err
}

// schedule ends the sessions of members who stopped publishing.
func (s *Server) schedule() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			var gone []*resource
			s.mu.Lock()
			for _, r := range s.resources {
				if r.member != "" && !s.memberLive(r.member, now) {
					gone = append(gone, r)
				}
			}
			s.mu.Unlock()
			for _, r := range gone {
				s.log.Info("demo whep: member stopped publishing", "member", r.member)
				s.drop(r)
			}
		}
	}
}

// target is what a request's path names.
type target struct {
	publish bool
	trickle bool
	stream  string // the feed's name (its picture's caption)
	member  string // set for a room member's stream
	tone    bool   // the stream has audio: a G.711 tone
	user    string // the room's SessionID: the user id that takes a seat
	auth    func(r *http.Request) (int, string)
}

// route resolves a request path, or answers the refusal itself.
func (s *Server) route(w http.ResponseWriter, r *http.Request) (*target, bool) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && (parts[0] == "whep" || parts[0] == "whip"):
		t := &target{publish: parts[0] == "whip", stream: parts[1]}
		switch parts[1] {
		case "lobby":
			t.trickle = true
			t.tone = true
			t.auth = s.bearer
		case "garage":
			if t.publish {
				break
			}
			return t, true
		case "busy":
			fail(w, http.StatusConflict, "busy: the stream has as many viewers as it takes")
			return nil, false
		case "maintenance":
			w.Header().Set("Retry-After", "1")
			fail(w, http.StatusServiceUnavailable, "server under maintenance")
			return nil, false
		}
		if t.auth == nil {
			fail(w, http.StatusNotFound, "stream not found")
			return nil, false
		}
		return t, true
	case len(parts) == 4 && parts[0] == "v2" && (parts[1] == "sub" || parts[1] == "pub"):
		if parts[2] != strconv.FormatInt(s.cfg.SDKAppID, 10) {
			fail(w, http.StatusNotFound, "no such SDKAppID")
			return nil, false
		}
		t := &target{publish: parts[1] == "pub", auth: s.userSig, user: r.URL.Query().Get("SessionID")}
		switch {
		case parts[3] == s.cfg.Room:
			t.stream = "Room " + s.cfg.Room
		case !t.publish:
			for _, m := range s.cfg.Members {
				if parts[3] == parts[2]+"_"+s.cfg.Room+"_"+m+"_main" {
					t.stream, t.member = m, m
				}
			}
		}
		if t.stream == "" {
			fail(w, http.StatusNotFound, "no such room or stream")
			return nil, false
		}
		return t, true
	}
	fail(w, http.StatusNotFound, "not found")
	return nil, false
}

// bearer checks the lobby's bearer token.
func (s *Server) bearer(r *http.Request) (int, string) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		return http.StatusUnauthorized, "bearer token missing or wrong"
	}
	return 0, ""
}

// userSig checks the UserSig of a room request against its SessionID.
func (s *Server) userSig(r *http.Request) (int, string) {
	user := r.URL.Query().Get("SessionID")
	if user == "" {
		return http.StatusBadRequest, "SessionID missing"
	}
	sig, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		sig = ""
	}
	if err := checkUserSig(sig, s.cfg.SDKAppID, s.cfg.SecretKey, user, s.cfg.Now()); err != nil {
		return http.StatusUnauthorized, err.Error()
	}
	return 0, ""
}

func fail(w http.ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, reason+"\n")
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/resource/") {
		s.serveResource(w, r, strings.TrimPrefix(r.URL.Path, "/resource/"))
		return
	}
	t, ok := s.route(w, r)
	if !ok {
		return
	}
	if t.auth != nil {
		if code, why := t.auth(r); code != 0 {
			fail(w, code, why)
			return
		}
	}
	if t.member != "" && !s.MemberLive(t.member) {
		fail(w, http.StatusNotFound, "stream not found: "+t.member+" is not publishing")
		return
	}
	switch r.Method {
	case http.MethodOptions:
		s.links(w)
		if t.trickle {
			w.Header().Set("Accept-Patch", "application/trickle-ice-sdpfrag")
		}
		w.Header().Set("Allow", "OPTIONS, POST")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		s.post(w, r, t)
	default:
		w.Header().Set("Allow", "OPTIONS, POST")
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

func (s *Server) links(w http.ResponseWriter) {
	for _, u := range s.cfg.ICEServers {
		w.Header().Add("Link", "<"+u+`>; rel="ice-server"`)
	}
}

// maxOffer bounds an offer's size.
const maxOffer = 64 << 10

func (s *Server) post(w http.ResponseWriter, r *http.Request, t *target) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/sdp" {
		fail(w, http.StatusUnsupportedMediaType, "offers must be application/sdp")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxOffer+1))
	if err != nil || len(body) > maxOffer {
		fail(w, http.StatusBadRequest, "offer too large or unreadable")
		return
	}
	res, answer, err := s.answer(r.Context(), string(body), t)
	if err != nil {
		s.log.Info("demo whep: offer refused", "stream", t.stream, "err", err)
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.links(w)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/resource/"+res.id)
	w.Header().Set("ETag", res.etag)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
