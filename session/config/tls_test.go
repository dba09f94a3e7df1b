package config_test

import (
	"crypto/tls"
	"encoding/pem"
	. "github.com/lookout-app/lookout/session/config"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTLSConfig calls a real HTTPS server on loopback whose certificate only
// the account's ca_file vouches for.
func TestTLSConfig(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	doc := lines(
		`[[account]]`, `name = "trusted"`, `kind = "een"`, `endpoint = "`+srv.URL+`"`, `token = "t"`, `ca_file = "ca.pem"`,
		`[[account]]`, `name = "plain"`, `kind = "een"`, `endpoint = "`+srv.URL+`"`, `token = "t"`,
	)
	cfg, err := ks.Parse(path, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	get := func(a Account) error {
		tc, err := a.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if tc.MinVersion != tls.VersionTLS12 || tc.InsecureSkipVerify {
			t.Fatalf("TLS config %+v: want TLS 1.2+ with verification", tc)
		}
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
		defer c.CloseIdleConnections()
		resp, err := c.Get(a.Endpoint)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	if err := get(cfg.Accounts[0]); err != nil {
		t.Fatalf("with ca_file: %v", err)
	}
	if err := get(cfg.Accounts[1]); err == nil {
		t.Fatal("without ca_file the test server's certificate was trusted")
	}
	if pool, err := cfg.Accounts[1].CAPool(); pool != nil || err != nil {
		t.Fatalf("CAPool without ca_file = %v, %v; want nil, nil (system roots)", pool, err)
	}

	// The bundle changed after parsing: TLSConfig reports it.
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("gone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Accounts[0].TLSConfig(); err == nil {
		t.Fatal("TLSConfig accepted a bundle without certificates")
	}
}
