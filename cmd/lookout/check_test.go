package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
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
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices", "--account", "demo")
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
	t.Parallel()
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
	_, clean, _ := runCheck(t, "--config", cfg, "--no-devices", "--account", "demo")
	const loss, delay = 0.10, 50 * time.Millisecond
	site.TURN().SetImpairment(loss, delay)
	_, lossy, _ := runCheck(t, "--config", cfg, "--no-devices", "--account", "demo")
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
	// Not parallel: it decodes as fast as the CPU allows, which would slow
	// the real-time sessions of the tests beside it.
	if testing.Short() {
		t.Skip("decodes 720p and 1080p clips")
	}
	code, rep, stderr := runCheck(t, "--no-devices", "--no-network", "--capacity")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := rep.Capacity
	if c == nil || c.DecodeFPS720p <= 0 || c.DecodeFPS1080p <= 0 || c.Tiles720p30 < 1 {
		t.Fatalf("capacity %+v", c)
	}
	if rep.Accounts != nil {
		t.Error("accounts reported with --no-network")
	}
}

// TestCheckShowsProgressOnATerminal: an interactive check (stderr a
// terminal: a pseudo-terminal here) names each step as it starts (on one
// rewritten line) instead of staying silent.
func TestCheckShowsProgressOnATerminal(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{})
	t.Run("terminal", func(t *testing.T) {
		t.Parallel()
		tty, read := openTerminal(t)
		code := run(context.Background(), []string{"check", "--config", cfg, "--no-devices"}, io.Discard, tty)
		stderr := read()
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"\r\033[Klookout check: starting…", "lookout check: account demo: ", "\r\033[K"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("no %q in the progress %q", want, stderr)
			}
		}
		if !strings.HasSuffix(stderr, "\r\033[K") {
			t.Errorf("the progress line is not cleared at the end: %q", stderr)
		}
	})
	// Not a terminal: nothing but failures on stderr.
	t.Run("pipe", func(t *testing.T) {
		t.Parallel()
		if _, _, stderr := lookout(t, context.Background(), "check", "--config", cfg, "--no-devices"); stderr != "" {
			t.Errorf("stderr of a piped check: %q", stderr)
		}
	})
}

// TestCheckTellsNetworkFromCredentials: "lookout check" of a Tuya account
// whose cloud cannot be reached (a dead port, a name that does not resolve)
// reports "failure": "network" and says to check the network, and of one
// the demo site's cloud refuses (a wrong secret) reports "credentials" and
// says to fix them; each exits 1 (INTERFACE.md: the work failed) with one
// line on stderr, and the text report names the failure too.
func TestCheckTellsNetworkFromCredentials(t *testing.T) {
	t.Parallel()
	site, _ := siteConfig(t, demo.Config{Cameras: 1})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, site.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	account := func(name, endpoint, secret string) string {
		return fmt.Sprintf("[[account]]\nname = %q\nkind = \"tuya\"\nendpoint = %q\nclient_id = %q\nsecret = %q\nuid = %q\nca_file = %q\n\n",
			name, endpoint, site.ClientID(), secret, site.UID(), ca)
	}
	cfg := filepath.Join(dir, "c.toml")
	text := account("dead", "https://"+dead, site.Secret()) + account("nowhere", "https://lookout-precheck.invalid", site.Secret()) +
		account("wrong", site.TuyaEndpoint(), "0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		account, failure, says, never string
	}{
		{"dead", check.FailureNetwork, "cannot reach the tuya service", "credentials in the config"},
		{"nowhere", check.FailureNetwork, "cannot reach the tuya service", "credentials in the config"},
		{"wrong", check.FailureCredentials, "refused the credentials", "cannot reach"},
	}
	for _, tc := range tests {
		t.Run(tc.account, func(t *testing.T) {
			t.Parallel()
			code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices", "--account", tc.account)
			if code != 1 || rep.OK || len(rep.Accounts) != 1 {
				t.Fatalf("exit %d ok %v, %d accounts: want 1, false, 1", code, rep.OK, len(rep.Accounts))
			}
			a := rep.Accounts[0]
			if a.Failure != tc.failure || !strings.Contains(a.Verdict, tc.says) || strings.Contains(a.Verdict, tc.never) {
				t.Fatalf("failure %q verdict %q: want %q saying %q", a.Failure, a.Verdict, tc.failure, tc.says)
			}
			if want := "lookout: check: " + tc.account + ": " + a.Verdict + "\n"; !strings.HasSuffix(stderr, want) || strings.Count(stderr, "lookout: ") != 1 {
				t.Fatalf("stderr %q, want the line %q", stderr, want)
			}
			code, out, _ := lookout(t, context.Background(), "check", "--config", cfg, "--no-devices", "--account", tc.account)
			if code != 1 || !strings.Contains(out, "FAILED ("+tc.failure+")") {
				t.Fatalf("exit %d, text report:\n%s", code, out)
			}
		})
	}
}
