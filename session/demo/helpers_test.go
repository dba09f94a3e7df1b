package demo

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session/tuya"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every test of the package.
const testTimeout = 60 * time.Second

// boundedContext returns a context that ends after d or at the end of the
// test.
func boundedContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fatalWithStacks fails the test with a dump of every goroutine.
func fatalWithStacks(t *testing.T, format string, args ...any) {
	t.Helper()
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Logf("goroutines:\n%s", buf[:n])
	t.Fatalf(format, args...)
}

// eventually polls cond until it holds or ctx ends.
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			fatalWithStacks(t, "timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// testLogger logs to stderr when LOOKOUT_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("LOOKOUT_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startSite starts a site for a test and closes it at the end.
func startSite(t *testing.T, cfg Config) *Site {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.Cameras == 0 {
		cfg.Cameras = 2
	}
	s, err := Start(boundedContext(t, 20*time.Second), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// caPool returns a pool trusting the site's CA.
func caPool(t *testing.T, s *Site) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM()) {
		t.Fatal("CAPEM holds no certificate")
	}
	return pool
}

// apiClient signs OpenAPI requests the way Tuya documents, with
// tuya.StringToSign and tuya.Sign.
type apiClient struct {
	t        *testing.T
	site     *Site
	hc       *http.Client
	clientID string
	secret   string
	method   tuya.SignMethod
	token    string
}

func newAPIClient(t *testing.T, s *Site) *apiClient {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, s), MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &apiClient{t: t, site: s, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		clientID: s.ClientID(), secret: s.Secret(), method: tuya.SignHMAC}
}

// envelope is the OpenAPI response body.
type envelope struct {
	Success bool            `json:"success"`
	Code    int             `json:"code"`
	Msg     string          `json:"msg"`
	T       int64           `json:"t"`
	Result  json.RawMessage `json:"result"`
}

// request sends a signed request; edit may change the headers after
// signing.
func (c *apiClient) request(method, pathAndQuery string, body []byte, edit func(http.Header)) envelope {
	c.t.Helper()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	nonce := "n" + randomHex(8)
	sts := tuya.StringToSign(method, pathAndQuery, body, nil, nil)
	req, err := http.NewRequest(method, c.site.TuyaEndpoint()+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("client_id", c.clientID)
	req.Header.Set("t", ts)
	req.Header.Set("nonce", nonce)
	req.Header.Set("sign_method", map[tuya.SignMethod]string{tuya.SignHMAC: "HMAC-SHA256", tuya.SignMD5: "MD5"}[c.method])
	req.Header.Set("sign", tuya.Sign(c.method, c.secret, c.clientID, c.token, ts, nonce, sts))
	if c.token != "" {
		req.Header.Set("access_token", c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if edit != nil {
		edit(req.Header)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, pathAndQuery, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("%s %s: HTTP %d", method, pathAndQuery, resp.StatusCode)
	}
	var e envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		c.t.Fatalf("%s %s: body %q: %v", method, pathAndQuery, raw, err)
	}
	if e.T == 0 {
		c.t.Errorf("%s %s: response without t", method, pathAndQuery)
	}
	return e
}

// login gets an access token.
func (c *apiClient) login() tokenResult {
	c.t.Helper()
	c.token = ""
	e := c.request(http.MethodGet, "/v1.0/token?grant_type=1", nil, nil)
	if !e.Success {
		c.t.Fatalf("token: code %d %s", e.Code, e.Msg)
	}
	var tr tokenResult
	if err := json.Unmarshal(e.Result, &tr); err != nil {
		c.t.Fatal(err)
	}
	c.token = tr.AccessToken
	return tr
}

// result decodes a successful envelope's result into v.
func (c *apiClient) result(e envelope, v any) {
	c.t.Helper()
	if !e.Success {
		c.t.Fatalf("refused: code %d %s", e.Code, e.Msg)
	}
	if err := json.Unmarshal(e.Result, v); err != nil {
		c.t.Fatal(err)
	}
}
