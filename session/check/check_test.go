package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"github.com/lookout-app/lookout/session/internal/testcert"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session/demo/stunturn"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// site is a STUN/TURN server, an HTTPS server and a TLS "broker" on
// loopback.
type site struct {
	turn   *stunturn.Server
	https  string
	mqtt   string
	roots  *x509.CertPool
	target Target
}

func newSite(t *testing.T) *site {
	t.Helper()
	cert, roots, _ := testcert.Server(t)
	ts, err := stunturn.Start(context.Background(), stunturn.Config{TLSCert: &cert, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Close() })

	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // an API refusing a bare GET
	}))
	web.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	web.StartTLS()
	t.Cleanup(web.Close)

	broker, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := broker.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c) // handshake happens on the first read
				_ = c.Close()
			}()
		}
	}()
	t.Cleanup(func() { _ = broker.Close(); wg.Wait() })

	_, port, _ := net.SplitHostPort(web.Listener.Addr().String())
	s := &site{turn: ts, roots: roots, https: "https://localhost:" + port + "/v1.0/token", mqtt: "ssl://" + broker.Addr().String()}
	s.target = Target{
		Account:    "demo",
		Kind:       "tuya",
		HTTPS:      []string{s.https},
		MQTT:       []string{s.mqtt},
		WSS:        []string{"wss://localhost:" + port + "/ws"},
		ICEServers: ts.ICEServers(),
		TLSConfig:  &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}
	return s
}

func stepsNamed(rep AccountReport, name string) []Step {
	var out []Step
	for _, s := range rep.Steps {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func timeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestCheckNetworkClean(t *testing.T) {
	s := newSite(t)
	var progress []string
	var done []Step
	rep := CheckNetwork(timeout(t, 30*time.Second), s.target, Options{
		ProbeDuration: time.Second, Logger: quiet(),
		Progress: func(account, step string) { progress = append(progress, account+"/"+step) },
		Done: func(account string, st Step) {
			if account != "demo" || len(done) >= len(progress) || progress[len(done)] != account+"/"+st.Name {
				t.Errorf("step %s of %s done after the steps %v started", st.Name, account, progress)
			}
			done = append(done, st)
		},
	})
	// Each step's result is told as it ends, as the report has it.
	if !reflect.DeepEqual(done, rep.Steps) {
		t.Errorf("told %v as the steps ended, the report has %v", done, rep.Steps)
	}
	for _, st := range rep.Steps {
		t.Logf("%-10s ok=%v %7.2f ms %s", st.Name, st.OK, st.Ms, st.Detail)
		if !st.OK || st.Ms <= 0 {
			t.Errorf("step %s: ok=%v ms=%v detail=%q", st.Name, st.OK, st.Ms, st.Detail)
		}
	}
	for _, name := range []string{"dns", "https", "mqtt", "wss", "stun", "turn-udp", "turn-tcp", "turn-tls", "candidates", "probe"} {
		if len(stepsNamed(rep, name)) == 0 {
			t.Errorf("no %s step", name)
		}
	}
	if len(progress) != len(rep.Steps) || progress[0] != "demo/dns" {
		t.Errorf("progress = %v for %d steps", progress, len(rep.Steps))
	}
	if !strings.Contains(stepsNamed(rep, "https")[0].Detail, "HTTP 401") {
		t.Errorf("https detail %q lacks the HTTP status", stepsNamed(rep, "https")[0].Detail)
	}
	if d := stepsNamed(rep, "stun")[0].Detail; d != s.target.ICEServers[0].URLs[0] {
		t.Errorf("stun detail = %q, want the URL", d)
	}
	if !strings.Contains(stepsNamed(rep, "probe")[0].Detail, "relay") {
		t.Errorf("probe did not use the relay: %s", stepsNamed(rep, "probe")[0].Detail)
	}
	if !contains(rep.Candidates, "host") || !contains(rep.Candidates, "relay") {
		t.Errorf("candidates = %v, want host and relay", rep.Candidates)
	}
	if !rep.OK || rep.Quality != QualityExcellent {
		t.Errorf("ok=%v quality=%d verdict=%q", rep.OK, rep.Quality, rep.Verdict)
	}
	if turn := strings.TrimPrefix(s.target.ICEServers[1].URLs[0], "turn:"); !strings.HasPrefix(rep.Measured, "a data-channel probe through the TURN server at ") ||
		!strings.HasPrefix(turn, rep.Host) || rep.Host == "" {
		t.Errorf("measured %q to host %q, want the TURN server %s", rep.Measured, rep.Host, turn)
	}
	if rep.RTTMs <= 0 || rep.RTTMs > 50 || rep.LossUp > 0.02 || rep.LossDown > 0.02 {
		t.Errorf("rtt %v ms, loss up %v down %v", rep.RTTMs, rep.LossUp, rep.LossDown)
	}
	// Paced at 2000 kbit/s: generous bounds only.
	if rep.UpKbps < 500 || rep.UpKbps > 2600 || rep.DownKbps < 500 || rep.DownKbps > 2600 {
		t.Errorf("up %v kbit/s, down %v kbit/s at a 2000 kbit/s target", rep.UpKbps, rep.DownKbps)
	}
	if !strings.HasPrefix(rep.Verdict, "excellent network") {
		t.Errorf("verdict = %q", rep.Verdict)
	}

	raw, err := json.Marshal(Report{OK: rep.OK, Accounts: []AccountReport{rep}})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"ok":`, `"accounts":[{"account":"demo","kind":"tuya","ok":true,"quality":1`, `"rtt_ms":`, `"loss_up":`,
		`"loss_down":`, `"up_kbps":`, `"down_kbps":`, `"candidates":[`, `"steps":[{"name":"dns","ok":true,"ms":`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON lacks %s: %s", key, raw)
		}
	}
	if strings.Contains(string(raw), `"devices"`) || strings.Contains(string(raw), s.turn.Password()) {
		t.Errorf("JSON has devices or the TURN password: %s", raw)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestCheckNetworkWrongCredentials(t *testing.T) {
	s := newSite(t)
	servers := s.turn.ICEServers()
	servers[1].Credential = "not-the-password"
	target := Target{Account: "demo", Kind: "tuya", ICEServers: servers, TLSConfig: s.target.TLSConfig}
	rep := CheckNetwork(timeout(t, 30*time.Second), target, Options{ProbeDuration: 300 * time.Millisecond, Logger: quiet()})
	for _, name := range []string{"turn-udp", "turn-tcp", "turn-tls"} {
		steps := stepsNamed(rep, name)
		if len(steps) != 1 {
			t.Fatalf("%d %s steps", len(steps), name)
		}
		st := steps[0]
		if st.OK || st.Code != 401 || !strings.Contains(st.Detail, "401 Unauthorized") || !strings.Contains(st.Detail, "username/password") {
			t.Errorf("%s: ok=%v code=%d detail=%q", name, st.OK, st.Code, st.Detail)
		}
	}
	if rep.OK {
		t.Error("account OK with no working TURN server")
	}
	if !strings.Contains(rep.Verdict, "refused the credentials (401 Unauthorized): check the account's TURN username/password") {
		t.Errorf("verdict = %q", rep.Verdict)
	}
	probe := stepsNamed(rep, "probe")
	if len(probe) != 1 || !probe[0].OK || !strings.Contains(probe[0].Detail, "direct path") {
		t.Errorf("probe without relay: %+v", probe)
	}
	if strings.Contains(rep.Verdict, "not-the-password") {
		t.Error("verdict shows the password")
	}
	// Two peers on this PC with no relay between them measure no route:
	// no grade, no figures.
	if rep.Quality != QualityUnknown || !strings.HasPrefix(rep.Measured, "not measured: ") || rep.RTTMs != 0 || rep.Host != "" {
		t.Errorf("direct probe graded: quality %d, measured %q, rtt %v, host %q", rep.Quality, rep.Measured, rep.RTTMs, rep.Host)
	}
}

func TestCheckNetworkImpaired(t *testing.T) {
	s := newSite(t)
	target := Target{Account: "demo", Kind: "tuya", ICEServers: s.turn.ICEServers()[1:2]}
	target.ICEServers[0].URLs = target.ICEServers[0].URLs[:1] // turn:?transport=udp
	ctx := timeout(t, 50*time.Second)
	clean := CheckNetwork(ctx, target, Options{ProbeDuration: time.Second, Logger: quiet()})
	if !clean.OK {
		t.Fatalf("clean run failed: %s", clean.Verdict)
	}

	const loss, delay = 0.10, 50 * time.Millisecond
	s.turn.SetImpairment(loss, delay)
	bad := CheckNetwork(ctx, target, Options{ProbeDuration: 3 * time.Second, StepTimeout: 3 * time.Second, TargetKbps: 500, Logger: quiet()})
	t.Logf("clean: q=%d rtt=%v loss %v/%v; impaired: q=%d rtt=%v loss %v/%v up %v down %v; %s",
		clean.Quality, clean.RTTMs, clean.LossUp, clean.LossDown, bad.Quality, bad.RTTMs, bad.LossUp, bad.LossDown, bad.UpKbps, bad.DownKbps, bad.Verdict)
	probe := stepsNamed(bad, "probe")
	if len(probe) != 1 || !probe[0].OK {
		t.Fatalf("impaired probe: %+v", probe)
	}
	if math.Abs(bad.LossUp-loss) > 0.05 || math.Abs(bad.LossDown-loss) > 0.05 {
		t.Errorf("measured loss up %.3f down %.3f, want %.2f each", bad.LossUp, bad.LossDown, loss)
	}
	if added := bad.RTTMs - clean.RTTMs; math.Abs(added-100) > 30 {
		t.Errorf("rtt grew by %.1f ms, want about 100", added)
	}
	if bad.Quality <= clean.Quality {
		t.Errorf("quality %d impaired vs %d clean", bad.Quality, clean.Quality)
	}
	if !strings.Contains(bad.Verdict, "packet loss") || !strings.Contains(bad.Verdict, "relay path") {
		t.Errorf("verdict = %q", bad.Verdict)
	}
}

// deadAddrs returns a UDP and a TCP address on which nothing listens.
func deadAddrs(t *testing.T) (udp, tcp string) {
	t.Helper()
	u, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp = u.LocalAddr().String()
	_ = u.Close()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp = l.Addr().String()
	_ = l.Close()
	return udp, tcp
}

func TestCheckNetworkDeadServers(t *testing.T) {
	udp, tcp := deadAddrs(t)
	target := Target{
		Account: "dead", Kind: "een",
		HTTPS: []string{"https://" + tcp + "/"},
		MQTT:  []string{"ssl://" + tcp},
		ICEServers: []webrtc.ICEServer{
			{URLs: []string{"stun:" + udp, "http://not-an-ice-server"}},
			{URLs: []string{"turn:" + udp + "?transport=udp", "turn:" + tcp + "?transport=tcp", "turns:" + tcp + "?transport=tcp"}, Username: "u", Credential: "p"},
		},
	}
	start := time.Now()
	rep := CheckNetwork(timeout(t, 30*time.Second), target, Options{ProbeDuration: 200 * time.Millisecond, Logger: quiet()})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("check took %v", d)
	}
	for _, name := range []string{"https", "mqtt", "stun", "turn-udp", "turn-tcp", "turn-tls"} {
		steps := stepsNamed(rep, name)
		if len(steps) != 1 {
			t.Fatalf("%d %s steps", len(steps), name)
		}
		st := steps[0]
		if st.OK || !strings.Contains(st.Detail, "connection refused") || st.Ms > 1000 {
			t.Errorf("%s: ok=%v %.1f ms detail=%q", name, st.OK, st.Ms, st.Detail)
		}
	}
	if bad := stepsNamed(rep, "ice-server"); len(bad) != 1 || bad[0].OK || !strings.Contains(rep.Verdict, "is not a STUN or TURN URL") {
		t.Errorf("bad ICE URL: %+v, verdict %q", bad, rep.Verdict)
	}
	if rep.OK || !strings.Contains(rep.Verdict, "cannot reach the een service") {
		t.Errorf("ok=%v verdict=%q", rep.OK, rep.Verdict)
	}
}

func TestCheckNetworkBlackhole(t *testing.T) {
	// A UDP socket that reads and never answers: the step must give up at
	// its timeout, not hang.
	hole, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	target := Target{ICEServers: []webrtc.ICEServer{
		{URLs: []string{"stun:" + hole.LocalAddr().String(), "turn:" + hole.LocalAddr().String()}, Username: "u", Credential: "p"},
	}}
	rep := CheckNetwork(timeout(t, 30*time.Second), target, Options{ProbeDuration: 200 * time.Millisecond, StepTimeout: 700 * time.Millisecond, Logger: quiet()})
	for _, name := range []string{"stun", "turn-udp"} {
		st := stepsNamed(rep, name)[0]
		if st.OK || !strings.Contains(st.Detail, "no answer") || st.Ms > 1500 {
			t.Errorf("%s: ok=%v %.1f ms detail=%q", name, st.OK, st.Ms, st.Detail)
		}
	}
}

func TestCheckNetworkCancel(t *testing.T) {
	s := newSite(t)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	var canceledAt time.Time
	rep := CheckNetwork(ctx, s.target, Options{ProbeDuration: 10 * time.Second, Logger: quiet(),
		Progress: func(_, step string) {
			if step == "probe" {
				once.Do(func() {
					time.AfterFunc(500*time.Millisecond, func() { canceledAt = time.Now(); cancel() })
				})
			}
		}})
	cancel()
	if canceledAt.IsZero() {
		t.Fatal("check ended before the cancel")
	}
	if d := time.Since(canceledAt); d > 5*time.Second {
		t.Errorf("check returned %v after cancel", d)
	}
	if rep.OK || rep.Quality != QualityUnknown || !strings.Contains(rep.Verdict, "canceled") {
		t.Errorf("ok=%v quality=%d verdict=%q", rep.OK, rep.Quality, rep.Verdict)
	}
}

func TestScore(t *testing.T) {
	cases := []struct {
		name      string
		rtt, loss float64
		want      int
	}{
		{"loopback", 1, 0, QualityExcellent},
		{"lan", 49.9, 0.009, QualityExcellent},
		{"rtt 60", 60, 0, QualityGood},
		{"loss 2%", 10, 0.02, QualityGood},
		{"loss 5%", 10, 0.05, QualityFair},
		{"rtt 150", 150, 0, QualityFair},
		{"loss 10%", 10, 0.10, QualityPoor},
		{"rtt 300", 300, 0.001, QualityPoor},
		{"loss 20%", 10, 0.20, QualityVeryPoor},
		{"rtt 500", 500, 0, QualityVeryPoor},
		{"worse of both", 150, 0.12, QualityPoor},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Score(tc.rtt, tc.loss); got != tc.want {
				t.Errorf("Score(%v, %v) = %d (%s), want %d", tc.rtt, tc.loss, got, QualityName(got), tc.want)
			}
		})
	}
}

func TestQualityVerdict(t *testing.T) {
	cases := []struct {
		name          string
		rtt, up, down float64
		want, notWant string
	}{
		{"clean", 3, 0, 0, "excellent network on the relay path", "loss 0%"},
		{"uplink loss", 20, 0.12, 0.01, "packet loss 12% upstream on the relay path: check Wi-Fi or the uplink; video will stutter", "round-trip"},
		{"slow", 450, 0, 0, "round-trip time 450 ms", "packet loss"},
		{"both", 300, 0.10, 0.10, "packet loss 10% both ways", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := Score(tc.rtt, max(tc.up, tc.down))
			got := qualityVerdict(q, tc.rtt, tc.up, tc.down, "on the relay path")
			if !strings.Contains(got, tc.want) || (tc.notWant != "" && strings.Contains(got, tc.notWant)) {
				t.Errorf("verdict %q, want %q without %q", got, tc.want, tc.notWant)
			}
		})
	}
}

var endpointCases = []struct {
	raw  string
	host string
	port int
	tls  bool
	ok   bool
}{
	{"https://openapi.tuyaus.com/v1.0/token", "openapi.tuyaus.com", 443, true, true},
	{"ssl://m1.tuyaus.com:8883", "m1.tuyaus.com", 8883, true, true},
	{"mqtts://broker", "broker", 8883, true, true},
	{"tcp://127.0.0.1:1883", "127.0.0.1", 1883, false, true},
	{"wss://[::1]:9443/ws", "::1", 9443, true, true},
	{"ws://edge", "edge", 80, false, true},
	{"ftp://x", "", 0, false, false},
	{"https://", "", 0, false, false},
	{"https://h:notaport", "", 0, false, false},
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range endpointCases {
		t.Run(tc.raw, func(t *testing.T) {
			ep, err := parseEndpoint(tc.raw)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if tc.ok && (ep.host != tc.host || ep.port != tc.port || ep.tls != tc.tls) {
				t.Errorf("got %s %d %v", ep.host, ep.port, ep.tls)
			}
		})
	}
}

func FuzzParseEndpoint(f *testing.F) {
	for _, tc := range endpointCases {
		f.Add(tc.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ep, err := parseEndpoint(raw)
		if err == nil && (ep.host == "" || ep.port < 0) {
			t.Fatalf("%q parsed to %+v", raw, ep)
		}
	})
}
