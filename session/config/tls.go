package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// CAPool returns the system roots plus the certificates of the account's
// ca_file, or nil (use the system roots) when it sets none.
func (a Account) CAPool() (*x509.CertPool, error) {
	if a.CAFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(a.CAFile)
	if err != nil {
		return nil, fmt.Errorf("config: account %s: ca_file: %w", a.Name, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("config: account %s: ca_file %s holds no PEM certificate", a.Name, a.CAFile)
	}
	return pool, nil
}

// TLSConfig returns the TLS settings for the account's HTTPS, WebSocket and
// MQTT connections: TLS 1.2 or later, certificates verified against the
// system roots plus the account's ca_file.
func (a Account) TLSConfig() (*tls.Config, error) {
	pool, err := a.CAPool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}
