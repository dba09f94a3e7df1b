// Package demo is Lookout's demo site: an embedded, in-process stand-in for
// the camera clouds that speaks their real protocols on loopback, so the app
// shows live tiles with no account and no internet, through the very client
// code that talks to the real services.
//
// The Tuya part serves the Tuya OpenAPI over HTTPS (with real request
// signing), an MQTT broker over TLS (mochi-mqtt) with per-link credentials,
// a STUN/TURN server, and simulated cameras that answer protocol-302 offers
// with pion peers streaming H.264 of a test picture with a running clock and
// G.711 audio, and that keep the talk audio sent to them.
package demo

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/lookout-app/lookout/session/peer"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v4"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
	"github.com/lookout-app/lookout/session/demo/stunturn"
	"github.com/lookout-app/lookout/session/demo/videofeed"
	demowcs "github.com/lookout-app/lookout/session/demo/wcs"
	demowhep "github.com/lookout-app/lookout/session/demo/whep"
)

// Config configures the demo site. Zero values get defaults.
type Config struct {
	// Listen is the host every listener binds (port 0); default 127.0.0.1.
	Listen string
	// APIPort is the port of the OpenAPI (HTTPS) listener; default "0", any
	// free port. The other listeners always take free ports.
	APIPort string
	// BrokerURL names an external MQTT broker (e.g. ssl://127.0.0.1:8883 of a
	// mosquitto using a certificate from IssueCertificate) that access/config
	// hands out and the cameras connect to; "" runs the embedded broker.
	BrokerURL string
	// MQTTExpire is the lifetime of the MQTT credentials access/config
	// issues (its expire_time); default 2 hours.
	MQTTExpire time.Duration
	// TokenExpire is the lifetime of OpenAPI access tokens; default 2 hours.
	TokenExpire time.Duration
	// Logger receives the site's logs; default discards them.
	Logger *slog.Logger
	// Cameras is the number of online cameras, 1 to 16; default 4. One
	// more, offline device ("attic") is always listed.
	Cameras int
	// NVRChannels, when positive, adds an NVR ("nvr1", listed after the
	// cameras) with that many channels, node ids "1", "2", ...: it
	// answers only offers whose header's sub_device_id names one of them,
	// each channel its own picture.
	NVRChannels int
	// Secrets, when set, is called with every credential the site issues
	// or sees (see secrets.go), so tests can prove no log carries one.
	Secrets func(secret string)
	// RoomPeriod is how long each phase of the TRTC-style room lasts (one
	// of its three members is away in each); default 20 s.
	RoomPeriod time.Duration
	// RoomClockSkew sets the room's clock ahead of the real one, so that
	// UserSigs whose lifetime is shorter look expired to it.
	RoomClockSkew time.Duration
}

// Camera describes one device of the demo site.
type Camera struct {
	ID         string
	Name       string
	Online     bool
	Speaker    bool // has a speaker: takes talk audio
	Microphone bool // has a microphone: sends its sound
}

// maxCameras bounds Config.Cameras (a 4x4 wall).
const maxCameras = 16

// Cameras (from 0) without some audio hardware: cam4, "Yard", has no
// speaker; cam5, "Porch" (on a site of five cameras or more), no
// microphone.
const (
	listenOnlyIndex = 3
	noMicIndex      = 4
)

// cameraNames are the names of cam1, cam2, ...
var cameraNames = []string{"Front door", "Garage", "Lobby", "Yard", "Porch", "Driveway", "Office", "Workshop"}

// Offline device of every site.
const (
	offlineID   = "attic"
	offlineName = "Attic (offline)"
)

// The NVR of a site with Config.NVRChannels.
const (
	nvrID   = "nvr1"
	nvrName = "Recorder"
)

// readyTimeout bounds how long Start waits for the cameras to reach the
// embedded broker.
const readyTimeout = 10 * time.Second

// turnTTL is the lifetime of the TURN credentials webrtc-configs hands out,
// as the real service's ttl.
const turnTTL = 10 * time.Hour

// Site is a running demo site.
type Site struct {
	log      *slog.Logger
	host     string
	auth     *authority
	clientID string
	secret   string
	uid      string

	api       *openAPI
	http      *http.Server
	endpoint  string
	broker    *broker
	brokerMu  sync.Mutex // RestartBroker (faults.go) replaces broker
	creds     *credStore
	brokerURL string
	turn      *stunturn.Server
	turnAddr  string
	turnKey   string
	cams      []*CameraSim
	wcs       *demowcs.Server
	een       *eendemo.Server

	wrongTURN atomic.Bool
	witness   witness

	whep    *demowhep.Server
	trtcKey string
	impair  impairment // Impair (impair.go)

	video *videofeed.Hub // the video of every camera and stream

	closed atomic.Bool
	wg     sync.WaitGroup
}

// Start runs a demo site until Close. ctx bounds the start-up only; with
// the embedded broker, Start returns once every online camera is connected.
func Start(ctx context.Context, cfg Config) (*Site, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1"
	}
	if cfg.MQTTExpire <= 0 {
		cfg.MQTTExpire = 2 * time.Hour
	}
	if cfg.TokenExpire <= 0 {
		cfg.TokenExpire = 2 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Cameras <= 0 {
		cfg.Cameras = 4
	}
	cfg.Cameras = min(cfg.Cameras, maxCameras)
	host := strings.Trim(cfg.Listen, "[]")

	a, err := newAuthority(time.Now(), host)
	if err != nil {
		return nil, err
	}
	s := &Site{
		log:      cfg.Logger,
		host:     host,
		auth:     a,
		clientID: randomAlnum(20),
		secret:   randomHex(16),
		uid:      "az" + randomAlnum(18),
		turnKey:  randomHex(16),
		witness:  cfg.Secrets,
	}
	s.witness.saw(s.secret, s.turnKey)
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()

	if s.video, err = videofeed.New(videofeed.Config{NewEncoder: newFFmpegEncoder, Draw: DrawPicture, FPS: videoFPS,
		// Every picture shows the current time (scene.go): each feed
		// draws and encodes live, once for all its viewers, never from a
		// recorded loop whose clock would be old; the test picture draws
		// no name, so all its cameras and streams of a size share a feed.
		LoopFrames: -1, NameBlind: true, Logger: s.log}); err != nil {
		return nil, err
	}
	if err := s.startTURN(ctx); err != nil {
		return nil, err
	}
	if s.een, err = eendemo.Start(eendemo.Config{Host: host, TLS: a.serverTLS(), ICEServers: s.eenICEServers, Logger: s.log}); err != nil {
		return nil, err
	}
	if err := s.startWHEP(cfg.RoomPeriod, cfg.RoomClockSkew); err != nil {
		return nil, err
	}
	creds := newCredStore()
	s.creds = creds
	if cfg.BrokerURL == "" {
		b, err := startBroker(net.JoinHostPort(host, "0"), a.serverTLS(), creds, s.log)
		if err != nil {
			return nil, err
		}
		s.broker = b
		s.brokerURL = "ssl://" + advertise(b.addr)
	} else {
		s.brokerURL = cfg.BrokerURL
	}
	camTLS, err := s.cameraTLS()
	if err != nil {
		return nil, err
	}

	for i := 0; i < cfg.Cameras; i++ {
		id := "cam" + strconv.Itoa(i+1)
		name := "Camera " + strconv.Itoa(i+1)
		if i < len(cameraNames) {
			name = cameraNames[i]
		}
		c := newCamera(id, name, true, nil, s.video, s.log)
		switch i {
		case listenOnlyIndex:
			// An outdoor camera with a microphone and no speaker
			// fitted, though its model's call modes name two-way
			// chat: the hardware decides.
			c.speaker = false
			c.yardScene() // however the demo is opened
		case noMicIndex:
			// A doorbell chime with a speaker and no microphone, for
			// one-way chat, whose skill names G.711 u-law only.
			c.mic, c.callMode, c.audioCodec = false, []int{1}, skillG711U
		}
		s.cams = append(s.cams, c)
	}
	if cfg.NVRChannels > 0 {
		nvr := newCamera(nvrID, nvrName, true, nil, s.video, s.log)
		for n := 1; n <= min(cfg.NVRChannels, maxCameras); n++ {
			nvr.channels = append(nvr.channels, strconv.Itoa(n))
		}
		s.cams = append(s.cams, nvr)
	}
	s.cams = append(s.cams, newCamera(offlineID, offlineName, false, nil, s.video, s.log))
	for _, c := range s.cams {
		// Each camera listens through its own network (BlockPath).
		if c.api, err = newCameraAPI(host, &s.impair, &c.fault.path, s.log); err != nil {
			return nil, err
		}
		c.witness = s.witness
		s.witness.saw(c.cred.password, c.auth)
		creds.add(c.cred)
		c.start(s.brokerURL, camTLS)
	}

	s.api = &openAPI{
		clientID:  s.clientID,
		secret:    s.secret,
		uid:       s.uid,
		tokenTTL:  cfg.TokenExpire,
		mqttTTL:   cfg.MQTTExpire,
		brokerURL: s.brokerURL,
		creds:     creds,
		cams:      s.cams,
		ices:      s.iceServers,
		witness:   s.witness,
		log:       s.log,
		tokens:    map[string]time.Time{},
		refresh:   map[string]string{},
	}
	port := cfg.APIPort
	if port == "" {
		port = "0"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("demo: openapi listen: %w", err)
	}
	s.endpoint = "https://" + advertise(ln.Addr().String())
	s.http = &http.Server{
		Handler:           s.api,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	tl := tls.NewListener(ln, a.serverTLS())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(tl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("demo openapi: serve", "err", err)
		}
	}()

	if s.wcs, err = startWCS(host, a.serverTLS(), s.video, s.log); err != nil {
		return nil, err
	}

	if s.broker != nil {
		rctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := s.Ready(rctx); err != nil {
			return nil, err
		}
	}
	s.log.Info("demo site started", "openapi", s.endpoint, "mqtt", s.brokerURL, "turn", s.turnAddr)
	ok = true
	return s, nil
}

// cameraTLS returns the cameras' MQTT TLS configuration for the broker URL.
func (s *Site) cameraTLS() (*tls.Config, error) {
	u, err := url.Parse(s.brokerURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q", ErrBrokerURL, s.brokerURL)
	}
	switch u.Scheme {
	case "ssl", "tls", "mqtts", "tcps":
		return s.auth.clientTLS(u.Hostname(), nil), nil
	case "tcp", "mqtt":
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrBrokerURL, s.brokerURL)
}

// Ready waits until every online camera is connected and subscribed to the
// broker. Start waits for it with the embedded broker; with an external one
// the cameras keep retrying until it answers.
func (s *Site) Ready(ctx context.Context) error {
	for _, c := range s.cams {
		if !c.online {
			continue
		}
		select {
		case <-c.ready:
		case <-ctx.Done():
			return fmt.Errorf("%w: %s: %w", ErrNotReady, c.id, ctx.Err())
		}
	}
	return nil
}

// startTURN runs the site's STUN/TURN server, which accepts the TURN REST
// credentials webrtc-configs hands out ("expiry:device", HMAC-SHA1 of the
// site's TURN key), as the real service's are.
func (s *Site) startTURN(ctx context.Context) error {
	host := s.host
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	certPEM, keyPEM, err := s.auth.issue(time.Now(), host)
	if err != nil {
		return fmt.Errorf("demo: turn certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("demo: turn certificate: %w", err)
	}
	srv, err := stunturn.Start(ctx, stunturn.Config{Host: host, Realm: "lookout-demo", RESTSecret: s.turnKey, TLSCert: &cert, Logger: s.log})
	if err != nil {
		return fmt.Errorf("demo: turn: %w", err)
	}
	s.turn = srv
	s.turnAddr = srv.UDPAddr()
	return nil
}

// iceServers is p2p_config.ices for a device: the site's STUN server, a
// "nat:" entry as the real service lists (clients must skip it), and TURN
// with time-limited credentials.
func (s *Site) iceServers(deviceID string) []iceServer {
	user, pass := s.turn.RESTCredentials(deviceID, turnTTL)
	if s.wrongTURN.Load() {
		pass = "wrong" + pass
	}
	s.witness.saw(pass)
	out := []iceServer{
		{URLs: "stun:" + s.turnAddr},
		{URLs: "nat:" + s.turnAddr},
	}
	for _, u := range []string{
		"turn:" + s.turnAddr + "?transport=udp",
		"turn:" + advertise(s.turn.TCPAddr()) + "?transport=tcp",
		"turns:" + advertise(s.turn.TLSAddr()) + "?transport=tcp",
	} {
		out = append(out, iceServer{URLs: u, Username: user, Credential: pass, TTL: int(turnTTL / time.Second)})
	}
	return out
}

// HandOutWrongTURNCredentials makes webrtc-configs list TURN passwords the
// TURN server refuses (on) or good ones again (off), as a cloud whose TURN
// secret was rotated would.
func (s *Site) HandOutWrongTURNCredentials(on bool) { s.wrongTURN.Store(on) }

// TURN returns the site's STUN/TURN server, to make it lossy or slow.
func (s *Site) TURN() *stunturn.Server { return s.turn }

// newWebRTCAPI builds the cameras' pion API: G.711 and H.264 only, default
// interceptors, host candidates on loopback (all interfaces when the site
// listens on a non-loopback host), no mDNS; imp impairs the path; nw, when
// not nil, is the network pion listens through.
func newWebRTCAPI(host string, imp interceptor.Factory, nw transport.Net, log *slog.Logger) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: audioRate}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: audioRate}, PayloadType: 8},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("demo: register codec: %w", err)
		}
	}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	for i, plid := range []string{"42e01f", "42001f", "4d001f", "640032"} {
		c := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType:     webrtc.MimeTypeH264,
				ClockRate:    90000,
				SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + plid,
				RTCPFeedback: fb,
			},
			PayloadType: webrtc.PayloadType(102 + 2*i),
		}
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("demo: register codec: %w", err)
		}
	}
	// Every picture carries its capture time (videofeed.Track).
	if err := videofeed.RegisterCaptureTime(m); err != nil {
		return nil, fmt.Errorf("demo: register header extension: %w", err)
	}
	ir := &interceptor.Registry{}
	ir.Add(imp) // first: next to the network, so NACK repairs what it drops
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("demo: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.LoggerFactory = peer.Logs(log)
	if nw != nil {
		se.SetNet(nw)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// advertise turns a listener address into one clients can dial: an
// unspecified host becomes 127.0.0.1.
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

// Close stops the site: cameras, broker, OpenAPI and TURN, and waits for
// their goroutines. Later calls return session.ErrClosed.
func (s *Site) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	var errs []error
	var wg sync.WaitGroup
	for _, c := range s.cams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.close()
		}()
	}
	wg.Wait()
	s.brokerMu.Lock()
	if s.broker != nil {
		errs = append(errs, s.broker.close())
	}
	s.brokerMu.Unlock()
	if s.http != nil {
		errs = append(errs, s.http.Close())
	}
	if s.een != nil {
		errs = append(errs, s.een.Close())
	}
	if s.whep != nil {
		errs = append(errs, s.whep.Close())
	}
	if s.turn != nil {
		errs = append(errs, s.turn.Close())
	}
	if s.wcs != nil {
		errs = append(errs, s.wcs.Close())
	}
	if s.video != nil {
		errs = append(errs, s.video.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// TuyaEndpoint returns the OpenAPI base URL, https://127.0.0.1:PORT.
func (s *Site) TuyaEndpoint() string { return s.endpoint }

// MQTTURL returns the broker URL access/config hands out.
func (s *Site) MQTTURL() string { return s.brokerURL }

// STUNURL returns the site's STUN server as an ICE URL, stun:127.0.0.1:PORT.
func (s *Site) STUNURL() string { return "stun:" + s.turnAddr }

// ClientID returns the project's Access ID.
func (s *Site) ClientID() string { return s.clientID }

// Secret returns the project's Access Secret, random for every run.
func (s *Site) Secret() string { return s.secret }

// UID returns the linked app account's user id.
func (s *Site) UID() string { return s.uid }

// CAPEM returns the PEM certificate of the site's CA, which issued the
// certificates of its HTTPS and MQTT listeners.
func (s *Site) CAPEM() []byte { return append([]byte(nil), s.auth.caPEM...) }

// IssueCertificate returns a PEM server certificate chain and PEM PKCS#8
// key for hosts (IP addresses or DNS names), signed by the site's CA, for
// an external broker such as mosquitto.
func (s *Site) IssueCertificate(hosts ...string) (certPEM, keyPEM []byte, err error) {
	return s.auth.issue(time.Now(), hosts...)
}

// Cameras lists the site's devices, online cameras first.
func (s *Site) Cameras() []Camera {
	out := make([]Camera, 0, len(s.cams))
	for _, c := range s.cams {
		out = append(out, Camera{ID: c.id, Name: c.name, Online: c.online, Speaker: c.speaker, Microphone: c.mic})
	}
	return out
}

// Camera returns the simulated camera id, or nil.
func (s *Site) Camera(id string) *CameraSim {
	for _, c := range s.cams {
		if c.id == id {
			return c
		}
	}
	return nil
}

// EEN returns the site's Eagle Eye Networks 2-Way Audio edge.
func (s *Site) EEN() *eendemo.Server { return s.een }

// eenICEServers is the EEN edge's getIceServers answer: the site's STUN
// server and TURN with time-limited credentials.
func (s *Site) eenICEServers(deviceID string) []eendemo.ICEServer {
	user, pass := s.turn.RESTCredentials(deviceID, turnTTL)
	return []eendemo.ICEServer{{URLs: []string{"stun:" + s.turnAddr}},
		{URLs: []string{"turn:" + s.turnAddr + "?transport=udp", "turn:" + advertise(s.turn.TCPAddr()) + "?transport=tcp"}, Username: user, Credential: pass}}
}

// ConfigTOML returns a Lookout config whose accounts point at the site:
// "demo" of kind "tuya", "demo-wcs" of kind "wcs", "site" of kind "een",
// "media" of kind "whep" and "meet" of kind "trtc"; caFile is where the
// caller saved CAPEM.
func (s *Site) ConfigTOML(caFile string) string {
	var b strings.Builder
	b.WriteString("# Lookout demo site: valid while this demo site runs.\n")
	b.WriteString("[[account]]\n")
	for _, kv := range [][2]string{
		{"name", "demo"},
		{"kind", "tuya"},
		{"endpoint", s.endpoint},
		{"client_id", s.clientID},
		{"secret", s.secret},
		{"uid", s.uid},
		{"sign_method", "hmac"},
		{"ca_file", caFile},
	} {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], tomlString(kv[1]))
	}
	b.WriteString(s.wcsConfigTOML(caFile))
	b.WriteString("\n[[account]]\n")
	for _, kv := range [][2]string{{"name", "site"}, {"kind", "een"}, {"endpoint", s.een.Endpoint()}, {"token", s.een.Token()}, {"ca_file", caFile}} {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], tomlString(kv[1]))
	}
	b.WriteString(s.whepTOML(caFile))
	return b.String()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// randomAlnum returns n random lower-case letters and digits.
func randomAlnum(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := randomBytes(n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomBase64 returns n random bytes in standard base64, the shape of the
// real service's auth strings.
func randomBase64(n int) string {
	return base64.StdEncoding.EncodeToString(randomBytes(n))
}
