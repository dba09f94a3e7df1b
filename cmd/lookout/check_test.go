package main

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/demo"
)

func runCheck(t *testing.T, args ...string) (int, check.Report, string) {
	t.Helper()
	code, out, stderr := lookout(t, context.Background(), append([]string{"check", "--json"}, args...)...)
	var rep check.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("check --json printed no report (%v): %s\nstderr: %s", err, out, stderr)
	}
	return code, rep, stderr
}

func step(t *testing.T, a check.AccountReport, name string) check.Step {
	t.Helper()
	for _, s := range a.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q in %+v", name, a.Steps)
	return check.Step{}
}

func TestCheckPassesAgainstTheDemoSite(t *testing.T) {
	_, cfg := siteConfig(t, demo.Config{})
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, ok %v: %s", code, rep.OK, stderr)
	}
	if rep.Devices != nil {
		t.Error("devices reported with --no-devices")
	}
	if rep.Codecs == nil || !strings.Contains(strings.Join(rep.Codecs.Decoders, " "), "h264") {
		t.Errorf("codecs %+v", rep.Codecs)
	}
	if len(rep.Accounts) == 0 {
		t.Fatal("no accounts checked")
	}
	a := rep.Accounts[0]
	if !a.OK || a.Quality != check.QualityExcellent || a.Account != "demo" || a.Kind != "tuya" {
		t.Fatalf("account %+v", a)
	}
	for _, name := range []string{"api", "dns", "https", "mqtt", "stun", "turn-udp", "turn-tcp", "turn-tls", "candidates", "probe"} {
		if name == "dns" { // the demo site is reached by IP address: nothing to resolve
			continue
		}
		s := step(t, a, name)
		if !s.OK || s.Ms <= 0 || s.Detail == "" {
			t.Errorf("step %+v: want ok with a time and a detail", s)
		}
	}
	if a.RTTMs <= 0 || a.UpKbps <= 0 || a.DownKbps <= 0 || a.LossUp != 0 || a.LossDown != 0 {
		t.Errorf("probe figures rtt %.2f ms, up %.0f, down %.0f kbit/s, loss %.3f/%.3f", a.RTTMs, a.UpKbps, a.DownKbps, a.LossUp, a.LossDown)
	}
}

func TestCheckWrongTURNCredentials(t *testing.T) {
	site, cfg := siteConfig(t, demo.Config{})
	site.HandOutWrongTURNCredentials(true)
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices")
	if code != 1 || rep.OK {
		t.Fatalf("exit %d ok %v, want 1 and false", code, rep.OK)
	}
	if !strings.HasPrefix(stderr, "lookout: check: demo: ") {
		t.Errorf("stderr %q", stderr)
	}
	a := rep.Accounts[0]
	for _, name := range []string{"turn-udp", "turn-tcp", "turn-tls"} {
		s := step(t, a, name)
		if s.OK || s.Code != 401 {
			t.Errorf("step %+v: want failed with the server's 401", s)
		}
	}
	if !strings.Contains(a.Verdict, "TURN") || !strings.Contains(a.Verdict, "credentials") {
		t.Errorf("verdict %q does not say to fix the TURN credentials", a.Verdict)
	}
}

func TestCheckMeasuresInjectedLossAndDelay(t *testing.T) {
	site, cfg := siteConfig(t, demo.Config{})
	_, clean, _ := runCheck(t, "--config", cfg, "--no-devices")
	const loss, delay = 0.10, 50 * time.Millisecond
	site.TURN().SetImpairment(loss, delay)
	_, lossy, _ := runCheck(t, "--config", cfg, "--no-devices")
	c, l := clean.Accounts[0], lossy.Accounts[0]
	if math.Abs(l.LossUp-loss) > 0.05 || math.Abs(l.LossDown-loss) > 0.05 {
		t.Errorf("measured loss up %.3f down %.3f, injected %.2f each way", l.LossUp, l.LossDown, loss)
	}
	// The probe's echo crosses the relay once each way: 2 x 50 ms more.
	if got := l.RTTMs - c.RTTMs; math.Abs(got-100) > 30 {
		t.Errorf("rtt grew by %.1f ms (%.1f -> %.1f), injected 100 ms round trip", got, c.RTTMs, l.RTTMs)
	}
	if l.Quality <= c.Quality {
		t.Errorf("quality %d with loss, %d without: the score did not drop", l.Quality, c.Quality)
	}
}

func TestCheckCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 720p and 1080p clips")
	}
	code, rep, stderr := runCheck(t, "--no-devices", "--no-network", "--capacity")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := rep.Capacity
	if c == nil || c.DecodeFPS720p <= 0 || c.DecodeFPS1080p <= 0 || c.Tiles720p30 < 1 || c.Tiles720p30 < c.Tiles1080p30 {
		t.Fatalf("capacity %+v", c)
	}
	if rep.Accounts != nil {
		t.Error("accounts reported with --no-network")
	}
}
