package tuya

import (
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

const (
	testClientID = "testclientid0000"
	testSecret   = "testsecret0000000000000000000000"
	testUID      = "ay1564026880284vXXXX"
)

// discard is a logger that drops everything.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeTuya is a scripted Tuya OpenAPI that verifies every signature with
// Sign, as the real service does.
type fakeTuya struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	tokens     map[string]bool // valid access tokens
	refresh    map[string]bool // valid refresh tokens
	n          int
	expire     int64 // token expire_time, seconds
	mqttURL    string
	mqttExpire int64
	configs    map[string]string // device id -> webrtc-configs result JSON
	devices    string            // devices result JSON
	raw        map[string]string // path -> raw body to answer instead
	requests   map[string]int    // path -> requests served

	tokenGets    atomic.Int32
	refreshGets  atomic.Int32
	mqttConfigs  atomic.Int32
	lastMQTTBody atomic.Value // string
}

func newFakeTuya(t *testing.T) *fakeTuya {
	f := &fakeTuya{
		t: t, tokens: map[string]bool{}, refresh: map[string]bool{}, expire: 7200, mqttExpire: 7200,
		configs: map[string]string{}, raw: map[string]string{}, requests: map[string]int{},
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = nil
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// tlsRoots returns a pool trusting the fake's certificate (which covers
// 127.0.0.1), for the MQTT broker too.
func (f *fakeTuya) tlsRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	return pool
}

// brokerTLS is the server side of a test broker's TLS, with the fake's
// certificate.
func (f *fakeTuya) brokerTLS() *tls.Config {
	return &tls.Config{Certificates: f.srv.TLS.Certificates, MinVersion: tls.VersionTLS12}
}

func (f *fakeTuya) fail(w http.ResponseWriter, code int, msg string) {
	fmt.Fprintf(w, `{"success":false,"code":%d,"msg":%q,"t":1600847208953}`, code, msg)
}

func (f *fakeTuya) ok(w http.ResponseWriter, result string) {
	fmt.Fprintf(w, `{"success":true,"result":%s,"t":1600847208953}`, result)
}

func (f *fakeTuya) newToken() string {
	f.n++
	at, rt := fmt.Sprintf("at-%d", f.n), fmt.Sprintf("rt-%d", f.n)
	f.tokens[at] = true
	f.refresh[rt] = true
	return fmt.Sprintf(`{"access_token":%q,"refresh_token":%q,"expire_time":%d,"uid":"project-uid"}`, at, rt, f.expire)
}

// invalidateTokens makes every access token answer 1010.
func (f *fakeTuya) invalidateTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *fakeTuya) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[r.URL.Path]++
	if raw, ok := f.raw[r.URL.Path]; ok {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, raw)
		return
	}
	method := SignHMAC
	switch r.Header.Get("sign_method") {
	case "HMAC-SHA256":
	case "MD5":
		method = SignMD5
	default:
		f.fail(w, 1004, "sign invalid")
		return
	}
	access := r.Header.Get("access_token")
	isToken := strings.HasPrefix(r.URL.Path, "/v1.0/token")
	if isToken && access != "" {
		f.fail(w, 1004, "sign invalid")
		return
	}
	t := r.Header.Get("t")
	// The legacy MD5 scheme sends no nonce; the current one a 32-digit one.
	wantNonce := 32
	if method == SignMD5 {
		wantNonce = 0
	}
	if r.Header.Get("client_id") != testClientID || len(t) != 13 || len(r.Header.Get("nonce")) != wantNonce {
		f.fail(w, 1004, "sign invalid")
		return
	}
	want := Sign(method, testSecret, testClientID, access, t, r.Header.Get("nonce"),
		StringToSign(r.Method, r.URL.RequestURI(), body, nil, nil))
	if method == SignMD5 {
		// Tuya's legacy scheme, computed here without the code under test.
		sum := md5.Sum([]byte(testClientID + access + testSecret + t))
		want = strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	if r.Header.Get("sign") != want {
		f.fail(w, 1004, "sign invalid")
		return
	}
	switch {
	case r.URL.Path == "/v1.0/token" && r.URL.Query().Get("grant_type") == "1":
		f.tokenGets.Add(1)
		f.ok(w, f.newToken())
		return
	case strings.HasPrefix(r.URL.Path, "/v1.0/token/"):
		f.refreshGets.Add(1)
		rt := strings.TrimPrefix(r.URL.Path, "/v1.0/token/")
		if !f.refresh[rt] {
			f.fail(w, 1010, "token invalid")
			return
		}
		delete(f.refresh, rt)
		f.ok(w, f.newToken())
		return
	}
	if !f.tokens[access] {
		f.fail(w, 1010, "token invalid")
		return
	}
	prefix := "/v1.0/users/" + testUID + "/devices"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix:
		f.ok(w, f.devices)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, prefix+"/") && strings.HasSuffix(r.URL.Path, "/webrtc-configs"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix+"/"), "/webrtc-configs")
		cfg, ok := f.configs[id]
		if !ok {
			f.fail(w, 2001, "device is offline")
			return
		}
		f.ok(w, cfg)
	case r.Method == http.MethodPost && r.URL.Path == "/v1.0/open-hub/access/config":
		n := f.mqttConfigs.Add(1)
		f.lastMQTTBody.Store(string(body))
		var req map[string]string
		if json.Unmarshal(body, &req) != nil || req["uid"] != testUID || req["link_type"] != "mqtt" || req["topics"] != "ipc" ||
			len(req["link_id"]) == 0 || len(req["link_id"]) > 8 {
			f.fail(w, 1109, "param is illegal")
			return
		}
		f.ok(w, fmt.Sprintf(`{"client_id":"cloud_%d","expire_time":%d,"password":"pw%d","sink_topic":{"ipc":"/av/moto/moto_id/u/{device_id}"},"source_topic":{"ipc":"/av/u/msid%d"},"url":%q,"username":"cloud_user"}`,
			n, f.mqttExpire, n, 1, f.mqttURL))
	default:
		f.fail(w, 1108, "uri path invalid")
	}
}

// newTestClient returns a Client of f with a fake clock at *now (nil: real).
func newTestClient(t *testing.T, f *fakeTuya, clock func() time.Time) *Client {
	t.Helper()
	c, err := New(Config{
		Endpoint:   f.srv.URL,
		ClientID:   testClientID,
		Secret:     testSecret,
		UID:        testUID,
		HTTPClient: f.srv.Client(),
		TLSConfig:  &tls.Config{RootCAs: f.tlsRoots()},
		Logger:     discard,
		Now:        clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// broker is an embedded mochi MQTT broker on 127.0.0.1:0 with fake cameras
// subscribed to their sink topics through the inline client.
type broker struct {
	srv  *mqtt.Server
	addr string
	got  chan *Message // every message a camera received
}

// camera behaviours, by device id.
const (
	camAnswer  = "cam-answer" // answers, sends two candidates and the end of candidates
	camHangup  = "cam-hangup" // sends disconnect instead of an answer
	camSilent  = "cam-silent" // never answers
	cannedSDP  = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 8\r\na=mid:0\r\n"
	candidate1 = "a=candidate:512512433 1 udp 2122260223 192.168.0.227 50828 typ host generation 0 ufrag Q93I network-id 1"
)

func newBroker(t *testing.T, tlsConfig *tls.Config) *broker {
	t.Helper()
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Logger: discard})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "t", Address: "127.0.0.1:0", TLSConfig: tlsConfig})
	if err := srv.AddListener(l); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	b := &broker{srv: srv, addr: l.Address(), got: make(chan *Message, 64)}
	for i, id := range []string{camAnswer, camHangup, camSilent} {
		id := id
		err := srv.Subscribe("/av/moto/moto_test/u/"+id, i+1, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
			b.camera(id, pk.Payload)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { srv.Close() })
	return b
}

// camera plays one fake device: it runs on mochi's goroutine and only
// publishes (no assertions here; the test reads b.got).
func (b *broker) camera(id string, payload []byte) {
	m, err := Decode(payload)
	if err != nil {
		return
	}
	select {
	case b.got <- m:
	default:
	}
	if m.Data.Header.Type != TypeOffer {
		return
	}
	reply := Header{From: id, To: m.Data.Header.From, SessionID: m.Data.Header.SessionID, MotoID: m.Data.Header.MotoID}
	topic := "/av/u/" + m.Data.Header.From
	send := func(typ string, msg any) {
		reply.Type = typ
		out, _ := Encode(reply, msg, time.Now())
		_ = b.srv.Publish(topic, out, false, 1)
	}
	// Noise the client must drop: another session and a broken message.
	other := reply
	other.SessionID = "ffffffffffffffffffffffffffffffff"
	other.Type = TypeDisconnect
	out, _ := Encode(other, DisconnectMsg{Mode: "webrtc"}, time.Now())
	_ = b.srv.Publish(topic, out, false, 1)
	_ = b.srv.Publish(topic, []byte(`{"protocol":302`), false, 1)
	switch id {
	case camAnswer:
		send(TypeAnswer, AnswerMsg{Mode: "webrtc", SDP: cannedSDP})
		send(TypeCandidate, CandidateMsg{Mode: "webrtc", Candidate: candidate1})
		send(TypeCandidate, CandidateMsg{Mode: "webrtc", Candidate: "a=candidate:2 1 udp 1 10.0.0.2 4000 typ host"})
		send(TypeCandidate, CandidateMsg{Mode: "webrtc", Candidate: ""})
	case camHangup:
		send(TypeDisconnect, DisconnectMsg{Mode: "webrtc"})
	}
}

// connected reports whether the broker has a live client with this id.
func (b *broker) connected(id string) bool {
	cl, ok := b.srv.Clients.Get(id)
	return ok && !cl.Closed()
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// webrtcConfig is a webrtc-configs result for a camera, with skill as the
// JSON string the real service sends.
// webrtcConfig is the webrtc-configs of a camera that talks both ways, or
// of a listen-only one (a microphone and no speaker).
func webrtcConfig(id string, twoWay bool) string {
	mode, hw := "[1]", "[1]"
	if twoWay {
		mode, hw = "[1,2]", "[1,2]"
	}
	return fmt.Sprintf(`{"audio_attributes":{"call_mode":%s,"hardware_capability":%s},"auth":"auth-%s","id":%q,"moto_id":"moto_test",
"p2p_config":{"ices":[{"urls":"stun:127.0.0.1:3478"},{"urls":"nat:tx1nat.tuyacn.com:3478"},{"credential":"cred","ttl":36000,"urls":"turn:127.0.0.1:3478","username":"1600883205:x"}]},
"skill":"{\"webrtc\":3,\"audios\":[{\"channels\":1,\"dataBit\":16,\"codecType\":101,\"sampleRate\":8000}],\"videos\":[{\"streamType\":2,\"width\":1920,\"codecType\":2,\"height\":1080},{\"streamType\":4,\"width\":640,\"codecType\":2,\"height\":360}]}",
"supports_webrtc":true,"vedio_clarity":0}`, mode, hw, id, id)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// served returns how many requests of path the fake answered.
func (f *fakeTuya) served(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}
