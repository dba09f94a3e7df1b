package demo

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lookout-app/lookout/session/tuya"
)

// TestExternalBroker runs the site against Debian's mosquitto, configured
// with a certificate from the site's CA: access/config hands out that
// broker and the cameras answer through it.
func TestExternalBroker(t *testing.T) {
	bin := findTool(t, "mosquitto")
	ctx := boundedContext(t, testTimeout)

	// mosquitto takes its port from its config: reserve a free one.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	url := "ssl://127.0.0.1:" + strconv.Itoa(port)
	s := startSite(t, Config{Cameras: 1, BrokerURL: url})
	if s.MQTTURL() != url {
		t.Fatalf("MQTTURL %q, want %q", s.MQTTURL(), url)
	}

	dir := t.TempDir()
	certPEM, keyPEM, err := s.IssueCertificate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ca.pem": s.CAPEM(), "cert.pem": certPEM, "key.pem": keyPEM}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\ncafile %s\ncertfile %s\nkeyfile %s\n",
		port, filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if os.Geteuid() == 0 {
		// Started as root, mosquitto drops to its own user and then cannot
		// read the key in a root-owned temporary directory.
		conf += "user root\n"
	}
	confFile := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", confFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	if err := s.Ready(ctx); err != nil {
		select {
		case err := <-exited:
			t.Fatalf("mosquitto exited: %v", err)
		default:
		}
		fatalWithStacks(t, "cameras never reached mosquitto: %v", err)
	}
	v := newTestViewer(t, s, "cam1")
	if v.mc.URL != url {
		t.Fatalf("access/config url %q, want %q", v.mc.URL, url)
	}
	call := callCamera(t, ctx, v, streamSub)
	if nt := firstNALType(call.firstVideo(t, ctx).Payload); nt != 7 && nt != 5 {
		t.Fatalf("first video NAL type %d", nt)
	}
	if err := v.send(call.sid, tuya.TypeDisconnect, tuya.DisconnectMsg{Mode: "webrtc"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, ctx, "hang-up", func() bool { return s.Camera("cam1").Viewers() == 0 })
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
