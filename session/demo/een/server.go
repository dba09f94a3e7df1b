// Package een is the demo site's Eagle Eye Networks 2-Way Audio edge: a
// REST feeds endpoint (API v3) and a WebSocket Signaling Service with
// simulated talkdown speakers that answer with pion peers, written from
// spec 003 on its own, without Lookout's client (session/een). It is strict:
// a socket that does not authorize within AuthTimeout, a message out of
// order or of the wrong shape gets the spec's error and is closed.
package een

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Defaults of Config.
const (
	DefaultAuthTimeout = 5 * time.Second  // spec section 2
	DefaultSessionCap  = 10 * time.Minute // spec section 6, "Note"
	defaultPageSize    = 2
	maxPageSize        = 100
	maxMessage         = 64 << 10
)

// Media types of talkdown feeds.
const (
	HalfDuplex = "halfDuplex"
	FullDuplex = "fullDuplex"
	SendOnly   = "audio"
)

// ICEServer is one entry of the iceServers reply (an RTCIceServer).
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Config configures the edge. Zero values get defaults.
type Config struct {
	// Host is the address to listen on (port 0); default 127.0.0.1.
	Host string
	// TLS is the server's TLS configuration (the demo CA's certificate);
	// nil serves plain http and ws, for tests only.
	TLS *tls.Config
	// Token is the access token accepted; random when empty.
	Token string
	// ICEServers returns what getIceServers answers for a device.
	ICEServers func(deviceID string) []ICEServer
	// AuthTimeout is how long a socket may stay unauthorized.
	AuthTimeout time.Duration
	// SessionCap ends every audio session after this long, with an error
	// (spec section 6, "Note": 10 minutes); tests shorten it.
	SessionCap time.Duration
	// PageSize is the default number of feeds per page.
	PageSize int
	Logger   *slog.Logger
}

// Server is a running EEN edge.
type Server struct {
	cfg      Config
	log      *slog.Logger
	http     *http.Server
	ln       net.Listener
	endpoint string
	wsURL    string
	api      *apiEngine
	speakers []*Speaker
	others   []feed // feeds of other types, which clients must skip
	upgrader websocket.Upgrader

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed atomic.Bool
	wg     sync.WaitGroup
}

// Start runs the edge until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Token == "" {
		cfg.Token = "eyJ" + randomToken(30)
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = DefaultAuthTimeout
	}
	if cfg.SessionCap <= 0 {
		cfg.SessionCap = DefaultSessionCap
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = defaultPageSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ICEServers == nil {
		cfg.ICEServers = func(string) []ICEServer { return []ICEServer{} }
	}
	api, err := newAPIEngine(cfg.Host, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, api: api, conns: map[*conn]struct{}{}}
	s.upgrader = websocket.Upgrader{HandshakeTimeout: 10 * time.Second, CheckOrigin: func(*http.Request) bool { return true }}
	s.speakers = []*Speaker{
		newSpeaker("lobby", HalfDuplex, false),
		newSpeaker("gate", FullDuplex, false),
		newSpeaker("dock", SendOnly, true),
	}
	s.others = []feed{
		{ID: "lobby-main", DeviceID: "lobby", Type: "main", MediaType: "video"},
		{ID: "gate-preview", DeviceID: "gate", Type: "preview", MediaType: "video"},
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("demo een: listen: %w", err)
	}
	s.ln = ln
	scheme, wsScheme := "http", "ws"
	if cfg.TLS != nil {
		scheme, wsScheme = "https", "wss"
		ln = tls.NewListener(ln, cfg.TLS)
	}
	addr := advertise(s.ln.Addr().String())
	s.endpoint = scheme + "://" + addr
	s.wsURL = wsScheme + "://" + addr + "/edge"
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v3.0/feeds", s.serveFeeds)
	mux.HandleFunc("/edge", s.serveEdge)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("demo een: serve", "err", err)
		}
	}()
	return s, nil
}

// Endpoint is the REST base URL.
func (s *Server) Endpoint() string { return s.endpoint }

// SignalingURL is the webRtcUrl the feeds carry.
func (s *Server) SignalingURL() string { return s.wsURL }

// Token is the access token the edge accepts.
func (s *Server) Token() string { return s.cfg.Token }

// Speakers lists the simulated speakers.
func (s *Server) Speakers() []*Speaker { return append([]*Speaker(nil), s.speakers...) }

// Speaker returns the speaker with device id, or nil.
func (s *Server) Speaker(id string) *Speaker {
	for _, sp := range s.speakers {
		if sp.id == id {
			return sp
		}
	}
	return nil
}

// Disconnect sends "disconnect" to every socket in a session with the
// device and closes them, as the service does when it ends calls. It
// returns how many it ended.
func (s *Server) Disconnect(deviceID string) int {
	s.mu.Lock()
	var cs []*conn
	for c := range s.conns {
		if c.inSessionWith(deviceID) {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.endSession("disconnect")
		c.sendEvent("talkdown", "disconnect", nil)
		c.close()
	}
	return len(cs)
}

// Drop cuts the connection of every socket in a session with the device,
// with no message and no close frame, as a network failure does. It
// returns how many it cut.
func (s *Server) Drop(deviceID string) int {
	s.mu.Lock()
	var cs []*conn
	for c := range s.conns {
		if c.inSessionWith(deviceID) {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.endSession("dropped")
		c.drop()
	}
	return len(cs)
}

// Close stops the edge and every session, and waits for them.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.http.Close()
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
	s.wg.Wait()
	return err
}

// feed is one entry of GET /api/v3.0/feeds.
type feed struct {
	ID        string `json:"id"`
	DeviceID  string `json:"deviceId"`
	Type      string `json:"type"`
	MediaType string `json:"mediaType"`
	WebRTCURL string `json:"webRtcUrl,omitempty"`
}

// serveFeeds answers GET /api/v3.0/feeds: bearer token, optional deviceId
// filter, pageSize and pageToken paging, webRtcUrl only when included.
func (s *Server) serveFeeds(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeAPIError(w, http.StatusMethodNotAllowed, "methodNotAllowed", "Only GET is allowed")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		writeAPIError(w, http.StatusUnauthorized, "unauthenticated", "Token not valid")
		return
	}
	q := r.URL.Query()
	size := s.cfg.PageSize
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			writeAPIError(w, http.StatusBadRequest, "invalidArgument", "pageSize must be 1 to 100")
			return
		}
		size = n
	}
	withURL := false
	for _, inc := range strings.Split(q.Get("include"), ",") {
		if strings.TrimSpace(inc) == "webRtcUrl" {
			withURL = true
		}
	}
	var all []feed
	for _, sp := range s.speakers {
		all = append(all, feed{ID: sp.id + "-talkdown", DeviceID: sp.id, Type: "talkdown", MediaType: sp.mediaType})
	}
	all = append(all, s.others...)
	var list []feed
	for _, f := range all {
		if d := q.Get("deviceId"); d != "" && f.DeviceID != d {
			continue
		}
		if withURL {
			f.WebRTCURL = s.wsURL
		}
		list = append(list, f)
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(list) {
			writeAPIError(w, http.StatusBadRequest, "invalidArgument", "pageToken is not valid")
			return
		}
		start = n
	}
	end := min(start+size, len(list))
	next := ""
	if end < len(list) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"nextPageToken": next, "prevPageToken": "", "totalSize": len(list), "results": append([]feed{}, list[start:end]...),
	})
}

func writeAPIError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "status": status, "message": msg})
}

// serveEdge upgrades to the Signaling Service's WebSocket.
func (s *Server) serveEdge(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(maxMessage)
	c := &conn{srv: s, ws: ws, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.run()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
}

// advertise turns a listener address into one clients dial.
func advertise(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
