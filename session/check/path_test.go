package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/wcs"
	"github.com/lookout-app/lookout/session/whep"
)

// startDemo runs a demo site with one camera and returns it with the
// environment its accounts are built in.
func startDemo(t *testing.T) (*demo.Site, session.Env) {
	t.Helper()
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	t.Cleanup(tr.CloseIdleConnections)
	return site, session.Env{HTTPClient: &http.Client{Transport: tr}, TLSConfig: tlsCfg, Logger: quiet()}
}

// build makes an account's client through its kind descriptor, as the CLI
// and the window do, and returns what the pre-check runs for it.
func build(t *testing.T, kind session.Kind, a config.Account, env session.Env) Account {
	t.Helper()
	a.Kind = kind.Config.Name
	c, err := kind.Build(a, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return Account{Name: a.Name, Kind: a.Kind, Target: c.Target}
}

// TestCheckMeasuresTheWHEPServersPath: the pre-check of a WHEP account
// plays its first stream from the account's own server and publishes a
// probe to its WHIP endpoint, and reports the round trip and the loss
// each way of that path: clean on loopback, then with the demo's media
// impaired by 100 ms each way (200 ms round trip) and 5% loss each way,
// within 20% of the impairment, naming what it measured and to which host.
func TestCheckMeasuresTheWHEPServersPath(t *testing.T) {
	site, env := startDemo(t)
	u := site.WHEP().URL()
	acc := build(t, whep.Kind, config.Account{Name: "media", WHEPStreams: []config.WHEPStream{
		{Name: "lobby", URL: u + "/whep/lobby", PublishURL: u + "/whip/lobby", Token: site.WHEP().Token()},
		{Name: "garage", URL: u + "/whep/garage"},
	}}, env)
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(u, "https://"))
	ctx := timeout(t, 90*time.Second)
	opts := RunOptions{Accounts: []Account{acc}, Network: Options{ProbeDuration: 3 * time.Second, Logger: quiet()}}

	clean := Run(ctx, opts).Accounts[0]
	t.Logf("clean: q=%d rtt %.1f ms loss %.4f/%.4f %.0f/%.0f kbit/s: %s; %s", clean.Quality, clean.RTTMs, clean.LossUp, clean.LossDown,
		clean.UpKbps, clean.DownKbps, clean.Measured, clean.Verdict)
	if !clean.OK || clean.Quality != QualityExcellent || clean.LossUp > 0.01 || clean.LossDown > 0.01 || clean.RTTMs > 20 {
		t.Fatalf("clean path: %+v", clean)
	}
	if !strings.HasPrefix(clean.Measured, "played stream lobby and published a probe to it at "+host+":") ||
		!strings.HasPrefix(clean.Host, host+":") || clean.DownKbps <= 0 || clean.UpKbps <= 0 {
		t.Errorf("measured %q to host %q, %.0f/%.0f kbit/s", clean.Measured, clean.Host, clean.UpKbps, clean.DownKbps)
	}
	probe := stepsNamed(clean, "probe")
	if len(probe) != 1 || !probe[0].OK || !strings.Contains(probe[0].Detail, "RTCP receiver reports") {
		t.Errorf("probe step %+v", probe)
	}

	const loss, delay = 0.05, 100 * time.Millisecond
	site.Impair(loss, delay)
	defer site.Impair(0, 0)
	bad := Run(ctx, opts).Accounts[0]
	t.Logf("impaired: q=%d rtt %.1f ms loss %.4f/%.4f %.0f/%.0f kbit/s: %s; %s", bad.Quality, bad.RTTMs, bad.LossUp, bad.LossDown,
		bad.UpKbps, bad.DownKbps, bad.Measured, bad.Verdict)
	t.Logf("probe step: %s", stepsNamed(bad, "probe")[0].Detail)
	if rtt := 2 * float64(delay.Milliseconds()); bad.RTTMs < 0.8*rtt || bad.RTTMs > 1.2*rtt {
		t.Errorf("rtt %.1f ms, want %.0f ms within 20%%", bad.RTTMs, rtt)
	}
	for _, got := range []struct {
		dir  string
		loss float64
	}{{"down", bad.LossDown}, {"up", bad.LossUp}} {
		if got.loss < 0.8*loss || got.loss > 1.2*loss {
			t.Errorf("loss %s %.4f, want %.2f within 20%%", got.dir, got.loss, loss)
		}
	}
	if bad.Quality != Score(bad.RTTMs, max(bad.LossUp, bad.LossDown)) || bad.Quality <= clean.Quality {
		t.Errorf("quality %d impaired, %d clean", bad.Quality, clean.Quality)
	}
	if !strings.Contains(bad.Verdict, "on the path to "+bad.Host) {
		t.Errorf("verdict %q does not name the host %s", bad.Verdict, bad.Host)
	}
}

// TestCheckUnreachableServerIsNotMeasured: an account whose server cannot
// be reached says its path was not measured, with no grade (quality 0,
// unknown) and no figures, and that the network failed: a WHEP account
// (its OPTIONS fails before anything is played) and a WCS account (its
// WebSocket is refused when the probe opens its stream).
func TestCheckUnreachableServerIsNotMeasured(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	env := session.Env{HTTPClient: &http.Client{}, Logger: quiet()}
	for _, tc := range []struct {
		name string
		acc  Account
	}{
		{"whep", build(t, whep.Kind, config.Account{Name: "gone", WHEPStreams: []config.WHEPStream{{Name: "lobby", URL: "https://" + dead + "/whep/lobby"}}}, env)},
		{"wcs", build(t, wcs.Kind, config.Account{Name: "gone", URL: "wss://" + dead, AppKey: wcs.DefaultAppKey, Streams: []string{"cam"}}, env)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Run(timeout(t, 30*time.Second), RunOptions{Accounts: []Account{tc.acc},
				Network: Options{ProbeDuration: 500 * time.Millisecond, Logger: quiet()}})
			a := rep.Accounts[0]
			t.Logf("%s: quality %d, measured %q, verdict %q", tc.name, a.Quality, a.Measured, a.Verdict)
			if a.OK || rep.OK || a.Quality != QualityUnknown || a.Failure != FailureNetwork {
				t.Fatalf("ok %v quality %d failure %q, want not ok, quality 0, network", a.OK, a.Quality, a.Failure)
			}
			if !strings.HasPrefix(a.Measured, "not measured: ") || a.Host != "" ||
				a.RTTMs != 0 || a.LossUp != 0 || a.LossDown != 0 || a.UpKbps != 0 || a.DownKbps != 0 {
				t.Errorf("measured %q host %q, figures %+v", a.Measured, a.Host, a)
			}
			for _, word := range []string{"excellent", "good", "fair", "poor"} {
				if strings.Contains(a.Verdict, word+" network") {
					t.Errorf("verdict %q grades the path", a.Verdict)
				}
			}
		})
	}
}

// TestCheckPlayOnlyStream: a WHEP stream with no publish_url is played
// only: the round trip comes from the ICE connectivity checks, the loss
// down from the RTP received, and the report says loss up was not
// measured rather than giving a figure for it.
func TestCheckPlayOnlyStream(t *testing.T) {
	site, env := startDemo(t)
	acc := build(t, whep.Kind, config.Account{Name: "media", WHEPStreams: []config.WHEPStream{
		{Name: "garage", URL: site.WHEP().URL() + "/whep/garage"},
	}}, env)
	rep := Run(timeout(t, 60*time.Second), RunOptions{Accounts: []Account{acc}, Network: Options{ProbeDuration: 2 * time.Second, Logger: quiet()}})
	a := rep.Accounts[0]
	probe := stepsNamed(a, "probe")
	if len(probe) != 1 {
		t.Fatalf("steps %+v", a.Steps)
	}
	t.Logf("q=%d rtt %.2f ms, loss %.4f/%.4f; %s; probe: %s", a.Quality, a.RTTMs, a.LossUp, a.LossDown, a.Measured, probe[0].Detail)
	if !a.OK || a.Quality != QualityExcellent || !strings.HasPrefix(a.Measured, "played stream garage at "+a.Host) || a.Host == "" {
		t.Fatalf("account %+v", a)
	}
	for _, want := range []string{"(ICE connectivity checks)", "loss up not measured: the account does not publish here"} {
		if !strings.Contains(probe[0].Detail, want) {
			t.Errorf("probe detail %q lacks %q", probe[0].Detail, want)
		}
	}
	// On loopback the round trip may round to 0.0 ms: the detail above
	// says it was measured.
	if a.RTTMs > 20 || a.DownKbps <= 0 || a.UpKbps != 0 || a.LossUp != 0 {
		t.Errorf("rtt %.2f ms, %.0f kbit/s down, %.0f up, loss up %.3f", a.RTTMs, a.DownKbps, a.UpKbps, a.LossUp)
	}
}
