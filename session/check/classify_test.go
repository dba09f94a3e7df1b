package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// TestClassify: errors are classified by their types and sentinels, and a
// text that reads like a network failure or a refusal decides nothing.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"unauthorized sentinel", fmt.Errorf("tuya: token: %w", &session.RemoteError{Code: "1004", Reason: "sign invalid", Err: session.ErrUnauthorized}), FailureCredentials},
		{"dns not found", fmt.Errorf("tuya: token: cannot reach: %w", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}), FailureNetwork},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, FailureNetwork},
		{"bare refused", fmt.Errorf("x: %w", syscall.ECONNREFUSED), FailureNetwork},
		{"reset", fmt.Errorf("x: %w", syscall.ECONNRESET), FailureNetwork},
		{"context deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), FailureNetwork},
		{"read deadline", fmt.Errorf("x: %w", os.ErrDeadlineExceeded), FailureNetwork},
		{"session timeout", fmt.Errorf("x: %w", session.ErrTimeout), FailureNetwork},
		{"timeout method", fmt.Errorf("x: %w", timeoutErr{}), FailureNetwork},
		{"refusal over a network error", errors.Join(session.ErrUnauthorized, syscall.ECONNRESET), FailureCredentials},
		{"not found", fmt.Errorf("x: %w", session.ErrNotFound), FailureService},
		{"insecure broker", fmt.Errorf("x: %w", tuya.ErrInsecureBroker), FailureService},
		{"untrusted certificate", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, FailureService},
		{"text says refused", errors.New("dial tcp: connection refused: timeout: no such host"), FailureService},
		{"text says unauthorized", errors.New("401 unauthorized: invalid credentials"), FailureService},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Fatalf("Classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

// hangingServer accepts TCP connections and never says a word (no TLS
// handshake, no HTTP answer), as a server behind a broken middlebox does.
func hangingServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestAccountFailureTellsNetworkFromCredentials: the pre-check of a Tuya
// account says "network" when its cloud cannot be reached (a dead port, a
// name that does not resolve, a server that accepts and then hangs) and
// "credentials" when the demo site's cloud refuses a wrong secret; the
// verdict says what to do for each, and the right secret passes.
func TestAccountFailureTellsNetworkFromCredentials(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site, err := demo.Start(ctx, demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()

	tests := []struct {
		name, endpoint, secret string
		want                   string
		// verdict is what the verdict must say, and never is what it must not.
		verdict, never string
	}{
		{"dead port", "https://" + deadAddr, site.Secret(), FailureNetwork, "cannot reach the tuya service", "credentials in the config"},
		{"unresolvable host", "https://lookout-precheck.invalid", site.Secret(), FailureNetwork, "cannot reach the tuya service", "credentials in the config"},
		{"server hangs", "https://" + hangingServer(t), site.Secret(), FailureNetwork, "no answer within 1.5s", "credentials in the config"},
		{"wrong secret", site.TuyaEndpoint(), "0123456789abcdef0123456789abcdef", FailureCredentials, "refused the credentials", "cannot reach"},
		{"right secret", site.TuyaEndpoint(), site.Secret(), "", "", "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: tlsCfg}
			defer tr.CloseIdleConnections()
			c, err := tuya.New(tuya.Config{
				Endpoint: tc.endpoint, ClientID: site.ClientID(), Secret: tc.secret, UID: site.UID(),
				HTTPClient: &http.Client{Transport: tr}, TLSConfig: tlsCfg, Logger: quiet(),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			acc := Account{Name: "home", Kind: "tuya", Target: func(ctx context.Context) (Target, error) {
				e, err := c.NetworkEndpoints(ctx)
				tg := Target{Account: "home", Kind: "tuya", HTTPS: []string{e.API}, ICEServers: e.ICEServers, TLSConfig: tlsCfg}
				if e.MQTT != "" {
					tg.MQTT = []string{e.MQTT}
				}
				return tg, err
			}}
			start := time.Now()
			rep := Run(timeout(t, 30*time.Second), RunOptions{Accounts: []Account{acc},
				Network: Options{APITimeout: 1500 * time.Millisecond, ProbeDuration: 300 * time.Millisecond, Logger: quiet()}})
			took := time.Since(start)
			t.Logf("api step: %+v", rep.Accounts[0].Steps[0])
			a := rep.Accounts[0]
			api := a.Steps[0]
			if a.Failure != tc.want {
				t.Fatalf("failure %q, want %q: %s (api step: %s)", a.Failure, tc.want, a.Verdict, api.Detail)
			}
			if tc.want == "" {
				if !a.OK || !rep.OK || !api.OK {
					t.Fatalf("account %+v", a)
				}
				return
			}
			if a.OK || rep.OK || api.OK || api.Name != "api" {
				t.Fatalf("ok %v/%v, api step %+v", a.OK, rep.OK, api)
			}
			if !strings.Contains(a.Verdict, tc.verdict) || strings.Contains(a.Verdict, tc.never) {
				t.Fatalf("verdict %q: want %q in it, not %q", a.Verdict, tc.verdict, tc.never)
			}
			if tc.name == "server hangs" && (took < 1400*time.Millisecond || took > 10*time.Second) {
				t.Fatalf("the hanging server's check took %s with a 1.5 s api timeout", took)
			}
			if rep.FirstProblem() != "home: "+a.Verdict {
				t.Fatalf("first problem %q", rep.FirstProblem())
			}
		})
	}
}

// TestAccountPlainBrokerFails: a Tuya cloud (the demo site's, with its
// HandOutPlainBroker fault) that hands out a broker URL without TLS fails
// the pre-check's api step as a "service" failure saying why, not as the
// network nor the credentials, since no call could use that broker.
func TestAccountPlainBrokerFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site, err := demo.Start(ctx, demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	if _, err := site.HandOutPlainBroker("tcp"); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	defer tr.CloseIdleConnections()
	c, err := tuya.New(tuya.Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: tr}, TLSConfig: tlsCfg, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	acc := Account{Name: "home", Kind: "tuya", Target: func(ctx context.Context) (Target, error) {
		e, err := c.NetworkEndpoints(ctx)
		return Target{Account: "home", Kind: "tuya", HTTPS: []string{e.API}, ICEServers: e.ICEServers, TLSConfig: tlsCfg}, err
	}}
	rep := Run(timeout(t, 30*time.Second), RunOptions{Accounts: []Account{acc}, Network: Options{ProbeDuration: 300 * time.Millisecond, Logger: quiet()}})
	a := rep.Accounts[0]
	if rep.OK || a.OK || a.Failure != FailureService || a.Steps[0].OK || !strings.Contains(a.Verdict, "not TLS") {
		t.Fatalf("ok %v, failure %q, verdict %q, api step %+v", a.OK, a.Failure, a.Verdict, a.Steps[0])
	}
	if n := site.PlainBrokerConnections(); n != 0 {
		t.Fatalf("%d connections to the plain broker", n)
	}
}
