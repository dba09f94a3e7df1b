package stunturn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"github.com/lookout-app/lookout/session/internal/testcert"
	"github.com/lookout-app/lookout/session/peer"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Logger = quietLogger()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// allocate makes one TURN allocation over transport ("udp", "tcp" or "tls")
// and returns the relayed address.
func allocate(t *testing.T, s *Server, transport, user, pass string, roots *x509.CertPool) (net.Addr, error) {
	t.Helper()
	var conn net.PacketConn
	server := s.UDPAddr()
	switch transport {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	case "tcp":
		c, err := net.Dial("tcp", s.TCPAddr())
		if err != nil {
			t.Fatal(err)
		}
		conn, server = turn.NewSTUNConn(c), s.TCPAddr()
	case "tls":
		c, err := tls.Dial("tcp", s.TLSAddr(), &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		conn, server = turn.NewSTUNConn(c), s.TLSAddr()
	}
	defer conn.Close()
	client, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: server, TURNServerAddr: server, Conn: conn,
		Username: user, Password: pass, RTO: 100 * time.Millisecond,
		LoggerFactory: peer.Logs(quietLogger()),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := client.Allocate()
	if err != nil {
		return nil, err
	}
	addr := relay.LocalAddr()
	if err := relay.Close(); err != nil {
		t.Errorf("close allocation: %v", err)
	}
	return addr, nil
}

func TestAllocate(t *testing.T) {
	cert, roots, _ := testcert.Server(t)
	s := startServer(t, Config{TLSCert: &cert})
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) {
			addr, err := allocate(t, s, transport, s.Username(), s.Password(), roots)
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			if !strings.HasPrefix(addr.String(), "127.0.0.1:") {
				t.Errorf("relayed address %s, want 127.0.0.1:port", addr)
			}
		})
	}
}

func TestWrongCredentials401(t *testing.T) {
	cert, roots, _ := testcert.Server(t)
	s := startServer(t, Config{Username: "alice", Password: "right", TLSCert: &cert})
	cases := []struct{ name, transport, user, pass string }{
		{"udp wrong password", "udp", "alice", "wrong"},
		{"udp unknown user", "udp", "mallory", "right"},
		{"tcp wrong password", "tcp", "alice", "wrong"},
		{"tls wrong password", "tls", "alice", "wrong"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := allocate(t, s, tc.transport, tc.user, tc.pass, roots)
			var te *stun.TurnError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a stun.TurnError", err)
			}
			if te.ErrorCodeAttr.Code != stun.CodeUnauthorized {
				t.Errorf("code = %d, want 401", te.ErrorCodeAttr.Code)
			}
		})
	}
}

func TestRESTCredentials(t *testing.T) {
	cert, roots, _ := testcert.Server(t)
	s := startServer(t, Config{RESTSecret: "site-key", TLSCert: &cert})
	user, pass := s.RESTCredentials("cam1", time.Hour)
	if _, err := allocate(t, s, "udp", user, pass, roots); err != nil {
		t.Fatalf("fresh REST credentials refused: %v", err)
	}
	expired, expiredPass := s.RESTCredentials("cam1", -time.Minute)
	for _, tc := range []struct{ name, user, pass string }{
		{"expired", expired, expiredPass},
		{"wrong password", user, "AAAA"},
		{"not a REST user", "cam1", pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := allocate(t, s, "udp", tc.user, tc.pass, roots)
			var te *stun.TurnError
			if !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeUnauthorized {
				t.Fatalf("err = %v, want 401", err)
			}
		})
	}
}

func TestICEServers(t *testing.T) {
	cert, _, _ := testcert.Server(t)
	s := startServer(t, Config{TLSCert: &cert, Username: "u", Password: "p"})
	servers := s.ICEServers()
	var urls []string
	for _, is := range servers {
		urls = append(urls, is.URLs...)
	}
	want := []string{
		"stun:" + s.UDPAddr(),
		"turn:" + s.UDPAddr() + "?transport=udp",
		"turn:" + s.TCPAddr() + "?transport=tcp",
		"turns:" + s.TLSAddr() + "?transport=tcp",
	}
	if strings.Join(urls, " ") != strings.Join(want, " ") {
		t.Errorf("urls = %v, want %v", urls, want)
	}
	for _, u := range urls {
		if _, err := stun.ParseURI(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if servers[1].Username != "u" || servers[1].Credential != "p" {
		t.Errorf("turn credentials = %q/%v", servers[1].Username, servers[1].Credential)
	}
	plain := startServer(t, Config{})
	if plain.TLSAddr() != "" || len(plain.ICEServers()[1].URLs) != 2 {
		t.Errorf("server without certificate offers TLS: %v", plain.ICEServers())
	}
	if plain.Username() == "" || plain.Password() == "" {
		t.Error("random credentials are empty")
	}
}

// binding sends n STUN binding requests one at a time and counts answers.
func binding(t *testing.T, addr string, n int) (answered int) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1500)
	for range n {
		req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
		if _, err := c.Write(req.Raw); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Millisecond))
		k, err := c.Read(buf)
		if err != nil {
			continue
		}
		var res stun.Message
		res.Raw = buf[:k]
		if res.Decode() == nil && res.TransactionID == req.TransactionID {
			answered++
		}
	}
	return answered
}

func TestSTUNLoss(t *testing.T) {
	s := startServer(t, Config{})
	if got := binding(t, s.UDPAddr(), 20); got != 20 {
		t.Fatalf("clean: %d of 20 answered", got)
	}
	s.SetImpairment(1, 0)
	if got := binding(t, s.UDPAddr(), 5); got != 0 {
		t.Fatalf("loss 1: %d of 5 answered", got)
	}
	s.SetImpairment(0.3, 0)
	// Request and response are each dropped with p=0.3: 49% answered.
	got := binding(t, s.UDPAddr(), 200)
	if got < 70 || got > 130 {
		t.Fatalf("loss 0.3: %d of 200 answered, want about 98", got)
	}
}

// relayPair allocates over UDP and returns the relayed conn and a peer
// socket that the allocation may talk to.
func relayPair(t *testing.T, s *Server) (relay net.PacketConn, far net.PacketConn) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: s.UDPAddr(), Conn: conn, Username: s.Username(), Password: s.Password(),
		LoggerFactory: peer.Logs(quietLogger()),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	if err := client.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err = client.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relay.Close() })
	far, err = net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = far.Close() })
	return relay, far
}

func TestRelayDelayAndLoss(t *testing.T) {
	s := startServer(t, Config{})
	relay, far := relayPair(t, s)
	buf := make([]byte, 1500)
	roundTrip := func() (time.Duration, bool) {
		start := time.Now()
		if _, err := relay.WriteTo([]byte("ping"), far.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		_ = far.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
		_, from, err := far.ReadFrom(buf)
		if err != nil {
			return 0, false
		}
		if _, err := far.WriteTo([]byte("pong"), from); err != nil {
			t.Fatal(err)
		}
		_ = relay.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
		if _, _, err := relay.ReadFrom(buf); err != nil {
			return 0, false
		}
		return time.Since(start), true
	}
	// The first send also creates the permission.
	if _, ok := roundTrip(); !ok {
		t.Fatal("no round trip through the relay")
	}
	clean, ok := roundTrip()
	if !ok {
		t.Fatal("no second round trip")
	}
	s.SetImpairment(0, 40*time.Millisecond)
	delayed, ok := roundTrip()
	if !ok {
		t.Fatal("no round trip with delay")
	}
	if added := delayed - clean; added < 70*time.Millisecond || added > 500*time.Millisecond {
		t.Errorf("delay 40ms each way added %v to the round trip, want about 80ms", added)
	}
	s.SetImpairment(1, 0)
	if _, ok := roundTrip(); ok {
		t.Error("round trip succeeded with loss 1")
	}
}

func TestCloseIdempotent(t *testing.T) {
	s, err := Start(context.Background(), Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	relay, _ := relayPair(t, s)
	_ = relay
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close = %v, want ErrClosed", err)
	}
}

func TestStartErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Start(ctx, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled start = %v", err)
	}
	if _, err := Start(context.Background(), Config{Host: "not-an-ip"}); err == nil {
		t.Error("start with a host name succeeded")
	}
}

func FuzzReadFrame(f *testing.F) {
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	f.Add(req.Raw)
	f.Add([]byte{0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0})
	f.Add([]byte{0xff, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		key := turn.GenerateAuthKey("u", "r", "p")
		a := &authChecker{realm: "r", keyFor: func(u string) ([]byte, bool) { return key, u == "u" }}
		_ = a.reject(b)
		_ = impairable(b)
		frame, n, err := readFrame(bufio.NewReader(bytes.NewReader(b)))
		if err == nil && (n > len(frame) || len(frame) > len(b) || !bytes.Equal(frame, b[:len(frame)])) {
			t.Fatalf("frame %x (stun length %d) is not a prefix of %x", frame, n, b)
		}
	})
}
