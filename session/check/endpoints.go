package check

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// endpoint is a host and port to connect to, parsed from a Target URL.
type endpoint struct {
	raw    string
	scheme string
	host   string
	port   int
	tls    bool
	url    *url.URL
}

// defaultPorts and tlsSchemes cover the signaling URLs the clouds hand out:
// HTTPS REST APIs, MQTT brokers (Tuya: ssl://m1.tuyaus.com:8883) and
// WebSocket edges.
var (
	defaultPorts = map[string]int{"https": 443, "http": 80, "wss": 443, "ws": 80,
		"ssl": 8883, "tls": 8883, "mqtts": 8883, "tcp": 1883, "mqtt": 1883}
	tlsSchemes = map[string]bool{"https": true, "wss": true, "ssl": true, "tls": true, "mqtts": true}
)

func parseEndpoint(raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("%w: %w", ErrUnsupportedURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	port, known := defaultPorts[scheme]
	if !known || u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("%w: %q", ErrUnsupportedURL, raw)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return endpoint{}, fmt.Errorf("%w: port %q", ErrUnsupportedURL, p)
		}
	}
	return endpoint{raw: raw, scheme: scheme, host: u.Hostname(), port: port, tls: tlsSchemes[scheme], url: u}, nil
}

// resolve looks up host, timing it; IP literals resolve to themselves.
func (r *runner) resolve(ctx context.Context, host string) ([]net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}, nil
	}
	if ips, ok := r.resolved[host]; ok {
		if len(ips) == 0 {
			return nil, fmt.Errorf("%s did not resolve", host)
		}
		return ips, nil
	}
	addrs, err := r.o.Resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	ips := make([]net.IP, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.IP)
	}
	return ips, nil
}

// dnsStep resolves one host name.
func (r *runner) dnsStep(ctx context.Context, host string) (stepResult, error) {
	addrs, err := r.o.Resolver.LookupIPAddr(ctx, host)
	if err != nil {
		r.resolved[host] = nil
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return stepResult{}, fmt.Errorf("%s: no such host: check the account's region or server address", host)
		}
		return stepResult{}, fmt.Errorf("%s: %w: check the internet connection and DNS settings", host, err)
	}
	ips := make([]net.IP, 0, len(addrs))
	text := make([]string, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.IP)
		text = append(text, a.IP.String())
	}
	r.resolved[host] = ips
	return stepResult{detail: host + " -> " + strings.Join(text, ", ")}, nil
}

// dialAny connects to the first address of host that accepts, returning
// the connection and the time the successful connect took.
func (r *runner) dialAny(ctx context.Context, network, host string, port int) (net.Conn, time.Duration, error) {
	ips, err := r.resolve(ctx, host)
	if err != nil {
		return nil, 0, err
	}
	var d net.Dialer
	var errs []error
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
		start := time.Now()
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return c, time.Since(start), nil
		}
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		errs = append(errs, explainDial(network, addr, err))
	}
	return nil, 0, errors.Join(errs...)
}

// explainDial turns a dial error into words that say what to do.
func explainDial(network, addr string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing answers at %s %s (connection refused): the server is down or the port is wrong", network, addr)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNoAnswer):
		return fmt.Errorf("no answer from %s %s: a firewall blocks it or the server is down", network, addr)
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Errorf("%s %s is unreachable: check the network connection", network, addr)
	default:
		return fmt.Errorf("%s %s: %w", network, addr, err)
	}
}

// tlsClient starts TLS on c for host with the target's configuration.
func (r *runner) tlsClient(ctx context.Context, c net.Conn, host string) (*tls.Conn, time.Duration, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.t.TLSConfig != nil {
		cfg = r.t.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tc := tls.Client(c, cfg)
	start := time.Now()
	if err := tc.HandshakeContext(ctx); err != nil {
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			return nil, 0, fmt.Errorf("TLS certificate not trusted (%w): check the computer's clock, or a proxy or antivirus that intercepts TLS", err)
		}
		return nil, 0, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, time.Since(start), nil
}

// connectStep times TCP, TLS and, for http(s), one GET of the URL.
func (r *runner) connectStep(ctx context.Context, raw string) (stepResult, error) {
	ep, err := parseEndpoint(raw)
	if err != nil {
		return stepResult{}, err
	}
	c, tcpTime, err := r.dialAny(ctx, "tcp", ep.host, ep.port)
	if err != nil {
		return stepResult{}, fmt.Errorf("%s: %w", raw, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	parts := []string{fmt.Sprintf("%s: tcp %s", raw, fmtMs(tcpTime))}
	if ep.tls {
		tc, tlsTime, err := r.tlsClient(ctx, c, ep.host)
		if err != nil {
			return stepResult{}, fmt.Errorf("%s: %w", raw, err)
		}
		c = tc
		parts = append(parts, fmt.Sprintf("tls %s (%s)", fmtMs(tlsTime), tls.VersionName(tc.ConnectionState().Version)))
	}
	if ep.scheme == "https" || ep.scheme == "http" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return stepResult{}, fmt.Errorf("%s: %w", raw, err)
		}
		req.Header.Set("User-Agent", "lookout-check")
		start := time.Now()
		if err := req.Write(c); err != nil {
			return stepResult{}, fmt.Errorf("%s: send request: %w", raw, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			return stepResult{}, fmt.Errorf("%s: read response: %w", raw, err)
		}
		_ = resp.Body.Close()
		// Any HTTP answer proves the service is reachable; an API's 401 or
		// 404 for a bare GET is expected.
		parts = append(parts, fmt.Sprintf("HTTP %d in %s", resp.StatusCode, fmtMs(time.Since(start))))
	}
	return stepResult{detail: strings.Join(parts, ", ")}, nil
}

func fmtMs(d time.Duration) string {
	return strconv.FormatFloat(ms(d), 'f', 1, 64) + " ms"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
