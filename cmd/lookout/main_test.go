package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
)

// busEnv is the session bus address the tests started with ("" when
// unset); childEnv hands it on to the programs the tests start.
var busEnv = "DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS")

func TestMain(m *testing.M) {
	// No command run in-process reaches a keyring: the session bus is a
	// socket that does not exist (brokenConfig's account relies on it). It
	// is set here, before any test, rather than by t.Setenv in a test, so
	// that the tests that need it can run in parallel.
	_ = os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(os.TempDir(), fmt.Sprintf("lookout-test-%d-no-bus", os.Getpid())))
	goleak.VerifyTestMain(removeBuilt{m},
		// paho, pion and net/http leave no goroutine once closed; only
		// these named, known-benign ones may stay.
		// Fyne starts its main-thread queue in a package init.
		goleak.IgnoreTopFunction("fyne.io/fyne/v2/internal/async.(*UnboundedChan[...]).processing"),
	)
}

// childEnv is the environment for a program a test starts: the test's
// own, with the session bus it started with.
func childEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") })
	if busEnv != "DBUS_SESSION_BUS_ADDRESS=" {
		env = append(env, busEnv)
	}
	return env
}

// removeBuilt runs the tests, then removes the binary lookoutBinary built.
type removeBuilt struct{ m *testing.M }

func (r removeBuilt) Run() int {
	code := r.m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	return code
}

// lookout runs one command line in-process and returns its exit status,
// stdout and stderr. stderr is synchronized: pion's SCTP loops of the
// check's probe may still log a line while the command returns.
func lookout(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out bytes.Buffer
	var errb syncBuffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// startDemo runs "lookout demo --write-config" in-process until the test
// ends and returns the config path.
func startDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() { done <- run(ctx, []string{"demo", "--write-config", cfg}, &bytes.Buffer{}, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("demo did not stop within 20 s")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(cfg); err == nil && fi.Size() > 0 {
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
			}
			return cfg
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited with %d: %s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("demo wrote no config within 20 s: %s", errb.String())
	return ""
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// distinctColours counts distinct colours on a grid, to tell a picture from
// a blank or uniform frame.
func distinctColours(m image.Image) int {
	seen := map[[3]uint32]bool{}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += b.Dy() / 32 {
		for x := b.Min.X; x < b.Max.X; x += b.Dx() / 32 {
			r, g, bl, _ := m.At(x, y).RGBA()
			seen[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	return len(seen)
}

// ffmpegDecodeRGBA decodes the first picture of an Annex-B H.264 access
// unit with the ffmpeg CLI, as w x h RGBA.
func ffmpegDecodeRGBA(t *testing.T, au []byte, w, h int) []byte {
	t.Helper()
	bin := findTool(t, "ffmpeg")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "key.h264"), filepath.Join(dir, "key.rgba")
	if err := os.WriteFile(in, au, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-v", "error", "-f", "h264", "-i", in, "-frames:v", "1", "-s", fmt.Sprintf("%dx%d", w, h),
		"-pix_fmt", "rgba", "-f", "rawvideo", "-y", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != w*h*4 {
		t.Fatalf("ffmpeg decoded %d bytes, want %dx%d RGBA", len(b), w, h)
	}
	return b
}

// psnrRGB compares the RGB channels of two RGBA buffers.
func psnrRGB(a, b []byte) float64 {
	var sum float64
	n := 0
	for i := 0; i+3 < len(a) && i+3 < len(b); i += 4 {
		for c := range 3 {
			d := float64(a[i+c]) - float64(b[i+c])
			sum += d * d
			n++
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// TestSnapshotFromDemoSite takes a snapshot of each stream and compares it
// with FFmpeg's own decode of the keyframe the demo camera sent: a snapshot
// is the camera's picture, at its size, to within the colour conversion.
func TestSnapshotFromDemoSite(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		quality string
		w, h    int
	}{
		{"main", "main", 1280, 720},
		{"sub", "sub", 640, 360},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".png")
			code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam1", "-o", out, "--quality", tc.quality)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			m := decodePNG(t, out)
			if got := m.Bounds().Size(); got != image.Pt(tc.w, tc.h) {
				t.Fatalf("snapshot is %v, want %dx%d", got, tc.w, tc.h)
			}
			if n := distinctColours(m); n < 8 {
				t.Fatalf("snapshot has %d distinct colours: not a picture", n)
			}
			got := image.NewRGBA(m.Bounds())
			draw.Draw(got, got.Rect, m, m.Bounds().Min, draw.Src)
			keys := site.Camera("cam1").SentKeyframes(tc.quality == "main")
			if len(keys) == 0 {
				t.Fatal("the camera sent no keyframe")
			}
			best := math.Inf(-1)
			for _, au := range keys {
				best = max(best, psnrRGB(got.Pix, ffmpegDecodeRGBA(t, au, tc.w, tc.h)))
			}
			t.Logf("PSNR against FFmpeg's decode of the keyframe sent: %.1f dB", best)
			if best < 35 {
				t.Fatalf("snapshot PSNR %.1f dB against the camera's keyframe, want >= 35", best)
			}
		})
	}
}

func TestListDemoJSON(t *testing.T) {
	t.Parallel()
	cfg := startDemo(t)
	code, out, stderr := lookout(t, context.Background(), "--config", cfg, "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []listEntry
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	want := map[string]listEntry{
		"demo/cam1":      {Source: "demo/cam1", Account: "demo", Kind: "tuya", Type: "camera", Name: "Front door", Online: true, Talk: "full"},
		"demo/cam4":      {Source: "demo/cam4", Account: "demo", Kind: "tuya", Type: "camera", Name: "Yard", Online: true, Talk: "none"},
		"demo/attic":     {Source: "demo/attic", Account: "demo", Kind: "tuya", Type: "camera", Name: "Attic (offline)", Online: false, Talk: "none"},
		"demo-wcs/lobby": {Source: "demo-wcs/lobby", Account: "demo-wcs", Kind: "wcs", Type: "stream", Name: "lobby", Online: true, Talk: "full"},
		"site/gate":      {Source: "site/gate", Account: "site", Kind: "een", Type: "speaker", Name: "gate", Online: true, Talk: "full"},
	}
	bySource := map[string]listEntry{}
	perAccount := map[string]int{}
	for _, e := range got {
		bySource[e.Source] = e
		perAccount[e.Account]++
	}
	if perAccount["demo"] != 5 || perAccount["site"] != 3 {
		t.Errorf("%d entries of account demo and %d of site, want the demo's 5 cameras and 3 speakers:\n%s", perAccount["demo"], perAccount["site"], out)
	}
	for src, w := range want {
		if e, ok := bySource[src]; !ok || e != w {
			t.Errorf("entry for %s is %+v (listed: %v), want %+v", src, e, ok, w)
		}
	}
}

// rewrite replaces the value of key in a TOML file.
func rewrite(t *testing.T, path, key, value string) string {
	t.Helper()
	return rewriteIn(t, path, "", key, value)
}

// rewriteIn is rewrite limited to the account named account ("" = every
// account).
func rewriteIn(t *testing.T, path, account, key, value string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	current := ""
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		switch {
		case strings.TrimSpace(l) == "[[account]]":
			current = ""
		case ok && strings.TrimSpace(k) == "name" && current == "":
			current = strings.Trim(strings.TrimSpace(v), `"`)
		}
		if ok && strings.TrimSpace(k) == key && (account == "" || account == current) {
			l = fmt.Sprintf("%s = %q", key, value)
		}
		lines = append(lines, l)
	}
	out := filepath.Join(t.TempDir(), "edited.toml")
	if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSnapshotWrongSecret(t *testing.T) {
	t.Parallel()
	cfg := rewrite(t, startDemo(t), "secret", "0123456789abcdef0123456789abcdef")
	start := time.Now()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam1", "-o", filepath.Join(t.TempDir(), "x.png"))
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "lookout: snapshot demo/cam1: sign invalid") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("stderr = %q, want one line 'lookout: snapshot demo/cam1: sign invalid...'", stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s, want under 10 s", d)
	}
}

func TestBadUsageAndConfig(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("[[account]]\nname = \"x\"\nkind = \"nope\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(bad)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		prefix string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "lookout: frobnicate: unknown command"},
		{"snapshot without -o", []string{"--config", bad, "snapshot", "demo/cam1"}, 2, "lookout: snapshot: -o FILE is required"},
		{"bad format", []string{"snapshot", "demo/cam1", "-o", "x.gif"}, 2, "lookout: snapshot: cannot tell the image format"},
		{"bad kind", []string{"--config", bad, "list"}, 2, "lookout: config " + bad + ":3: "},
		{"bad log level", []string{"--log-level", "loud", "list"}, 2, "lookout: --log-level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := lookout(t, context.Background(), tc.args...)
			if code != tc.code || !strings.HasPrefix(stderr, tc.prefix) {
				t.Fatalf("exit %d stderr %q, want %d and prefix %q", code, stderr, tc.code, tc.prefix)
			}
		})
	}
	after, _ := os.ReadFile(bad)
	if !bytes.Equal(before, after) {
		t.Fatal("config was rewritten on error")
	}
}

// freeBrokerURL returns an ssl:// URL on a free loopback port.
func freeBrokerURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "ssl://" + l.Addr().String()
}

// startMosquitto runs Debian's mosquitto with TLS on addr, with a certificate
// signed by the demo site's CA.
func startMosquitto(t *testing.T, addr string, caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	bin := findTool(t, "mosquitto")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, port, _ := net.SplitHostPort(addr)
	// Started as root, mosquitto drops to its own user and could no longer
	// read the key in this root-owned directory: keep it root.
	conf := write("mosquitto.conf", []byte(fmt.Sprintf(
		"user root\nlistener %s 127.0.0.1\nallow_anonymous true\ncafile %s\ncertfile %s\nkeyfile %s\n",
		port, write("ca.pem", caPEM), write("cert.pem", certPEM), write("key.pem", keyPEM))))
	cmd := exec.Command(bin, "-c", conf)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if i > 100 {
			t.Fatalf("mosquitto did not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// siteConfig starts a demo site with cfg and writes a Lookout config for it.
func siteConfig(t *testing.T, cfg demo.Config) (*demo.Site, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	site, err := demo.Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := site.Close(); err != nil && !errors.Is(err, session.ErrClosed) {
			t.Errorf("site close: %v", err)
		}
		cancel()
	})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, site.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(path, []byte(site.ConfigTOML(ca)), 0o600); err != nil {
		t.Fatal(err)
	}
	return site, path
}

func TestSnapshotThroughMosquittoTLS(t *testing.T) {
	t.Parallel()
	url := freeBrokerURL(t)
	site, cfg := siteConfig(t, demo.Config{BrokerURL: url})
	certPEM, keyPEM, err := site.IssueCertificate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	startMosquitto(t, strings.TrimPrefix(url, "ssl://"), site.CAPEM(), certPEM, keyPEM)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := site.Ready(ctx); err != nil {
		t.Fatalf("cameras did not reach mosquitto: %v", err)
	}
	out := filepath.Join(t.TempDir(), "m.png")
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam2", "-o", out, "--quality", "sub")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := decodePNG(t, out).Bounds().Size(); got != image.Pt(640, 360) {
		t.Fatalf("snapshot is %v, want 640x360", got)
	}
}

func TestSnapshotWrongAuth(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{})
	site.Camera("cam1").ExpectAuth("not-what-the-cloud-hands-out")
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam1", "-o", filepath.Join(t.TempDir(), "x.png"), "--timeout", "15s")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "lookout: snapshot demo/cam1: ") || !strings.Contains(stderr, "hung up") || !strings.Contains(stderr, "auth") {
		t.Fatalf("stderr = %q, want the camera hanging up over auth", stderr)
	}
	if n := site.Camera("cam1").AuthRejected(); n != 1 {
		t.Fatalf("camera rejected %d offers, want 1", n)
	}
}

func TestOfferNeverOverMQTTLimit(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{})
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam3", "-o", filepath.Join(t.TempDir(), "x.png"), "--quality", "sub")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cam := site.Camera("cam3")
	if cam.MaxPayloadSeen() == 0 || cam.MaxPayloadSeen() > 8192 || cam.OversizeDropped() != 0 {
		t.Fatalf("largest payload the camera saw %d bytes, %d dropped as oversize; want 1..8192 and none", cam.MaxPayloadSeen(), cam.OversizeDropped())
	}
}

func TestBrokerDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "ssl://" + l.Addr().String()
	l.Close()
	_, cfg := siteConfig(t, demo.Config{BrokerURL: dead})
	start := time.Now()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "demo/cam1", "-o", filepath.Join(t.TempDir(), "x.png"))
	if code != 1 || !strings.HasPrefix(stderr, "lookout: snapshot demo/cam1: ") || !strings.Contains(strings.ToLower(stderr), "mqtt") {
		t.Fatalf("exit %d stderr %q, want 1 and an MQTT error", code, stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("took %s with the broker down", d)
	}
}

// findTool finds a program the tests need in PATH or in the sbin
// directories Debian installs daemons to (mosquitto is /usr/sbin/mosquitto,
// often not in a user's PATH). When it is missing the test is skipped,
// except under make test (LOOKOUT_REQUIRE_TOOLS=1), which installs every
// tool first: there a missing tool fails the test.
func findTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if os.Getenv("LOOKOUT_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is not installed, and make test needs it (it installs it with .ci/apt-install)", name)
	}
	t.Skipf("%s is not installed (make test installs it)", name)
	return ""
}

// cliLines returns the lines of stderr that are not log records (slog's
// text handler starts every record with "time=").
func cliLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "time=") {
			out = append(out, l)
		}
	}
	return out
}
