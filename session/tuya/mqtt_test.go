package tuya

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
)

// TestPlainBrokerRefused: when the demo site's Tuya cloud hands out an MQTT
// broker URL that is not TLS, Open fails with ErrInsecureBroker (a
// session.ErrProtocol) and the client never connects to it, so the MQTT
// password is never sent in clear; the error names neither the password
// nor the username. The plain listener does take the credentials
// (TestHandOutPlainBroker in session/demo), so a client that followed the
// URL would have worked, as today's did. Once the cloud hands out its TLS
// broker again, the same client connects.
func TestPlainBrokerRefused(t *testing.T) {
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	site, err := demo.Start(ctx, demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	t.Cleanup(tr.CloseIdleConnections)
	for _, scheme := range []string{"tcp", "mqtt", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			if _, err := site.HandOutPlainBroker(scheme); err != nil {
				t.Fatal(err)
			}
			c, err := New(Config{
				Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
				HTTPClient: &http.Client{Transport: tr}, TLSConfig: tlsCfg, Logger: discard,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.Open(testCtx(t), "cam1", session.QualitySub)
			if !errors.Is(err, ErrInsecureBroker) || !errors.Is(err, session.ErrProtocol) {
				t.Fatalf("Open: %v, want ErrInsecureBroker", err)
			}
			if errors.Is(err, session.ErrUnauthorized) {
				t.Fatalf("Open: %v reads as refused credentials", err)
			}
			if n := site.PlainBrokerConnections(); n != 0 {
				t.Fatalf("the client opened %d connections to the plain broker", n)
			}
			// The error says what happened, and no credential.
			mc, merr := c.MQTTConfig(testCtx(t))
			if merr != nil {
				t.Fatal(merr)
			}
			if !strings.Contains(err.Error(), scheme+"://") || strings.Contains(err.Error(), mc.Password) || strings.Contains(err.Error(), mc.Username) {
				t.Fatalf("error text %q", err)
			}
		})
	}

	if _, err := site.HandOutPlainBroker(""); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: tr}, TLSConfig: tlsCfg, Logger: discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	call, err := c.Open(testCtx(t), "cam1", session.QualitySub)
	if err != nil {
		t.Fatalf("Open over the TLS broker: %v", err)
	}
	_ = call.Close()
}

// TestPlainBrokerSchemes: every plain scheme a broker URL can name is
// refused before any dial, against the package's fake cloud with a plain
// broker really listening; TLS schemes are accepted.
func TestPlainBrokerSchemes(t *testing.T) {
	tests := []struct {
		scheme string
		refuse bool
	}{
		{"tcp", true}, {"TCP", true}, {"mqtt", true}, {"ws", true}, {"http", true},
		{"ssl", false}, {"tls", false}, {"mqtts", false},
	}
	for _, tc := range tests {
		t.Run(tc.scheme, func(t *testing.T) {
			f, b := setup(t, !tc.refuse)
			_, port, _ := strings.Cut(b.addr, ":")
			f.mqttURL = tc.scheme + "://127.0.0.1:" + port
			c := newTestClient(t, f, nil)
			before := atomic.LoadInt64(&b.srv.Info.ClientsTotal)
			call, err := c.Open(testCtx(t), camAnswer, session.QualityMain)
			if tc.refuse {
				if !errors.Is(err, ErrInsecureBroker) {
					t.Fatalf("Open: %v, want ErrInsecureBroker", err)
				}
				if atomic.LoadInt64(&b.srv.Info.ClientsTotal) != before {
					t.Fatal("the client connected to the plain broker")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			_ = call.Close()
		})
	}
}
