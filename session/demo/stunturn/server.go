// Package stunturn is the demo site's STUN/TURN server, built on pion/turn:
// UDP, TCP and optionally TLS listeners on loopback with long-term
// credentials, and an impairment (packet loss and added delay) that tests
// and the network pre-check can turn up and down at run time.
package stunturn

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/lookout-app/lookout/session/peer"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// Config configures a Server. Zero values get defaults in Start.
type Config struct {
	// Host is the IP address to listen on and to put in the ICE server
	// URLs; default 127.0.0.1.
	Host string
	// Realm is the long-term credential realm; default "lookout.demo".
	Realm string
	// Username and Password are the long-term credentials TURN clients must
	// present. An empty Username gets a random user and password.
	Username, Password string
	// RESTSecret, when set, also accepts time-limited TURN REST credentials
	// ("expiry:user" with the password base64(HMAC-SHA1(secret, username))),
	// the form cloud services such as Tuya hand out; see RESTCredentials.
	RESTSecret string
	// TLSCert, when set, adds a TURN-over-TLS listener (turns:).
	TLSCert *tls.Certificate
	// Loss is the probability, 0 to 1, that a relayed packet or a STUN
	// request or response is dropped, in each direction.
	Loss float64
	// Delay is added to relayed packets in each direction.
	Delay time.Duration
	// Logger receives pion's logs; default slog.Default().
	Logger *slog.Logger
}

// Server is a running STUN/TURN server.
type Server struct {
	host, username, password string
	realm, restSecret        string
	staticKey                []byte
	im                       *impairment
	turn                     *turn.Server
	udp                      net.PacketConn
	tcp, tls                 net.Listener
	log                      *slog.Logger

	relayMu   sync.Mutex
	relayN    int           // open relayed sockets
	relayZero chan struct{} // closed when relayN drops to 0 after Close
	closed    atomic.Bool
	closeDone chan struct{}
	closeErr  error
}

// Start listens on UDP and TCP (and TLS with cfg.TLSCert) on ephemeral ports
// of cfg.Host and serves STUN binding and TURN allocations. ctx bounds the
// start only; stop the server with Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Realm == "" {
		cfg.Realm = "lookout.demo"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Username == "" {
		cfg.Username = "demo-" + randomHex(4)
		cfg.Password = randomHex(16)
	}
	ip := net.ParseIP(cfg.Host)
	if ip == nil {
		return nil, fmt.Errorf("stunturn: host %q is not an IP address", cfg.Host)
	}
	s := &Server{
		host:       cfg.Host,
		username:   cfg.Username,
		password:   cfg.Password,
		realm:      cfg.Realm,
		restSecret: cfg.RESTSecret,
		staticKey:  turn.GenerateAuthKey(cfg.Username, cfg.Realm, cfg.Password),
		im:         newImpairment(cfg.Loss, cfg.Delay),
		log:        cfg.Logger,
		closeDone:  make(chan struct{}),
		relayZero:  make(chan struct{}),
	}
	auth := &authChecker{realm: cfg.Realm, keyFor: s.keyFor}

	var lc net.ListenConfig
	hostPort := net.JoinHostPort(cfg.Host, "0")
	udp, err := lc.ListenPacket(ctx, "udp", hostPort)
	if err != nil {
		return nil, fmt.Errorf("stunturn: listen udp: %w", err)
	}
	tcp, err := lc.Listen(ctx, "tcp", hostPort)
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("stunturn: listen tcp: %w", err)
	}
	s.udp = &listenerConn{PacketConn: udp, im: s.im, auth: auth}
	s.tcp = &authListener{Listener: tcp, auth: auth}
	listeners := []turn.ListenerConfig{{Listener: s.tcp, RelayAddressGenerator: s.relayGenerator(ip)}}
	if cfg.TLSCert != nil {
		raw, err := lc.Listen(ctx, "tcp", hostPort)
		if err != nil {
			_ = udp.Close()
			_ = tcp.Close()
			return nil, fmt.Errorf("stunturn: listen tls: %w", err)
		}
		tlsLn := tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{*cfg.TLSCert}, MinVersion: tls.VersionTLS12})
		s.tls = &authListener{Listener: tlsLn, auth: auth}
		listeners = append(listeners, turn.ListenerConfig{Listener: s.tls, RelayAddressGenerator: s.relayGenerator(ip)})
	}

	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: peer.Logs(cfg.Logger),
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			key, ok := s.keyFor(ra.Username)
			if !ok || ra.Realm != cfg.Realm {
				return "", nil, false
			}
			return ra.Username, key, true
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: s.udp, RelayAddressGenerator: s.relayGenerator(ip)}},
		ListenerConfigs:   listeners,
	})
	if err != nil {
		_ = s.udp.Close()
		_ = s.tcp.Close()
		if s.tls != nil {
			_ = s.tls.Close()
		}
		return nil, fmt.Errorf("stunturn: %w", err)
	}
	s.turn = srv
	return s, nil
}

// keyFor returns the long-term key of a username: the static user's, or a
// TURN REST user's while its expiry lies ahead.
func (s *Server) keyFor(username string) ([]byte, bool) {
	if username == s.username {
		return s.staticKey, true
	}
	if s.restSecret == "" {
		return nil, false
	}
	exp, _, ok := strings.Cut(username, ":")
	if !ok {
		return nil, false
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() > sec {
		return nil, false
	}
	return turn.GenerateAuthKey(username, s.realm, restPassword(s.restSecret, username)), true
}

// RESTCredentials mints TURN REST credentials for user valid for ttl; the
// server must have been started with a RESTSecret.
func (s *Server) RESTCredentials(user string, ttl time.Duration) (username, password string) {
	username = strconv.FormatInt(time.Now().Add(ttl).Unix(), 10) + ":" + user
	return username, restPassword(s.restSecret, username)
}

func restPassword(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b)
}

func (s *Server) relayGenerator(ip net.IP) turn.RelayAddressGenerator {
	return &relayGenerator{
		RelayAddressGeneratorStatic: turn.RelayAddressGeneratorStatic{RelayAddress: ip, Address: ip.String()},
		s:                           s,
	}
}

// relayGenerator hands out relayed sockets on the server's host, each
// wrapped by the impairment.
type relayGenerator struct {
	turn.RelayAddressGeneratorStatic
	s *Server
}

// AllocatePacketConn opens a relayed UDP socket.
func (g *relayGenerator) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.RelayAddressGeneratorStatic.AllocatePacketConn(conf)
	if err != nil {
		return nil, nil, err
	}
	if !g.s.relayOpened() {
		_ = conn.Close()
		return nil, nil, ErrClosed
	}
	return newRelayConn(conn, g.s.im, g.s.relayClosed), addr, nil
}

// relayOpened counts a new relayed socket; false once Close has begun.
func (s *Server) relayOpened() bool {
	s.relayMu.Lock()
	defer s.relayMu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.relayN++
	return true
}

func (s *Server) relayClosed() {
	s.relayMu.Lock()
	defer s.relayMu.Unlock()
	s.relayN--
	if s.relayN == 0 && s.closed.Load() {
		close(s.relayZero)
	}
}

// SetImpairment changes the loss probability (0 to 1) and the one-way delay
// of relayed packets; it takes effect for the next packet.
func (s *Server) SetImpairment(loss float64, delay time.Duration) {
	s.im.set(loss, delay)
}

// UDPAddr returns the host:port of the STUN and TURN UDP listener.
func (s *Server) UDPAddr() string { return s.udp.LocalAddr().String() }

// TCPAddr returns the host:port of the TURN-over-TCP listener.
func (s *Server) TCPAddr() string { return s.tcp.Addr().String() }

// TLSAddr returns the host:port of the TURN-over-TLS listener, or "" when
// the server has no certificate.
func (s *Server) TLSAddr() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.Addr().String()
}

// Username returns the TURN username.
func (s *Server) Username() string { return s.username }

// Password returns the TURN password.
func (s *Server) Password() string { return s.password }

// ICEServers returns the server as pion ICE servers: stun: and
// turn:?transport=udp on the UDP port, turn:?transport=tcp on the TCP port,
// and turns: on the TLS port when there is one.
func (s *Server) ICEServers() []webrtc.ICEServer {
	port := func(addr string) string {
		_, p, _ := net.SplitHostPort(addr)
		return net.JoinHostPort(s.host, p)
	}
	turnURLs := []string{
		"turn:" + port(s.UDPAddr()) + "?transport=udp",
		"turn:" + port(s.TCPAddr()) + "?transport=tcp",
	}
	if s.tls != nil {
		turnURLs = append(turnURLs, "turns:"+port(s.TLSAddr())+"?transport=tcp")
	}
	return []webrtc.ICEServer{
		{URLs: []string{"stun:" + port(s.UDPAddr())}},
		{URLs: turnURLs, Username: s.username, Credential: s.password},
	}
}

// Close stops the listeners, ends every allocation and waits until the
// relayed sockets are closed. Later calls return ErrClosed.
func (s *Server) Close() error {
	s.relayMu.Lock()
	if s.closed.Swap(true) {
		s.relayMu.Unlock()
		<-s.closeDone
		return ErrClosed
	}
	defer close(s.closeDone)
	if s.relayN == 0 {
		close(s.relayZero)
	}
	s.relayMu.Unlock()
	err := s.turn.Close()
	var errs []error
	if err != nil && !errors.Is(err, net.ErrClosed) {
		errs = append(errs, err)
	}
	// pion closes each listener's allocations from the goroutine that
	// served it, after Close returns: wait for the relayed sockets.
	select {
	case <-s.relayZero:
	case <-time.After(5 * time.Second):
		errs = append(errs, errors.New("stunturn: relayed sockets still open 5s after close"))
	}
	s.closeErr = errors.Join(errs...)
	return s.closeErr
}
