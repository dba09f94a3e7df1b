package demo

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/pelletier/go-toml/v2"
)

// TestEENEdgeOfTheSite checks that the site's config names the EEN edge as
// the account "site", and that the edge's HTTPS and WSS listeners carry
// certificates of the site's CA.
func TestEENEdgeOfTheSite(t *testing.T) {
	s := startSite(t, Config{Cameras: 1})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The demo reads its config as plain TOML: it never imports the
	// client packages whose kinds the config parser is given.
	type account struct {
		Name, Kind, Endpoint, Token string
		CAFile                      string `toml:"ca_file"`
	}
	var cfg struct {
		Accounts []account `toml:"account"`
	}
	if err := toml.Unmarshal([]byte(s.ConfigTOML(ca)), &cfg); err != nil {
		t.Fatal(err)
	}
	var a account
	for _, acc := range cfg.Accounts {
		if acc.Kind == "een" {
			a = acc
		}
	}
	if a.Name != "site" || a.Kind != "een" || a.Endpoint != s.EEN().Endpoint() || a.Token != s.EEN().Token() || a.CAFile != ca {
		t.Fatalf("een account %+v", a)
	}
	if !strings.HasPrefix(a.Endpoint, "https://127.0.0.1:") || !strings.HasPrefix(s.EEN().SignalingURL(), "wss://127.0.0.1:") {
		t.Fatalf("endpoint %s, signaling %s", a.Endpoint, s.EEN().SignalingURL())
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, a.Endpoint+"/api/v3.0/feeds?include=webRtcUrl&pageSize=10", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Results []struct{ DeviceID, Type, WebRTCURL string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	talkdown := 0
	for _, f := range page.Results {
		if f.Type == "talkdown" {
			talkdown++
		}
	}
	if talkdown != 3 {
		t.Errorf("%d talkdown feeds: %+v", talkdown, page.Results)
	}
	d := websocket.Dialer{TLSClientConfig: tlsCfg}
	ws, _, err := d.Dial(s.EEN().SignalingURL(), nil)
	if err != nil {
		t.Fatalf("wss with the site's CA: %v", err)
	}
	_ = ws.Close()
	if _, _, err := websocket.DefaultDialer.Dial(s.EEN().SignalingURL(), nil); err == nil {
		t.Error("the edge's certificate verified without the site's CA")
	}
}
