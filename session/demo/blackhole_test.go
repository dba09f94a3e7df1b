package demo

import (
	"bytes"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestPathCutDropsBothWays: a socket of a camera's network passes packets
// both ways while its path is open and drops them both ways while it is
// cut, for the sockets of host candidates (ListenUDP) and of relayed ones
// (ListenPacket).
func TestPathCutDropsBothWays(t *testing.T) {
	cut := &pathCut{}
	nw, err := cut.net()
	if err != nil {
		t.Fatal(err)
	}
	host, err := nw.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	relay, err := nw.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	far, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()

	for _, sock := range []struct {
		name string
		conn net.PacketConn
	}{
		{"host socket", host},
		{"relay socket", relay},
	} {
		for _, tc := range []struct {
			name    string
			cut     bool
			arrives bool
		}{
			{"open", false, true},
			{"cut", true, false},
			{"open again", false, true},
		} {
			t.Run(sock.name+"/"+tc.name, func(t *testing.T) {
				cut.on.Store(tc.cut)
				before := cut.dropped.Load()
				msg := []byte("ping " + sock.name + " " + tc.name)
				if _, err := sock.conn.WriteTo(msg, far.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				if got := arrived(t, far, msg); got != tc.arrives {
					t.Errorf("camera to viewer: arrived %v, want %v", got, tc.arrives)
				}
				if _, err := far.WriteTo(msg, sock.conn.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				if got := arrived(t, sock.conn, msg); got != tc.arrives {
					t.Errorf("viewer to camera: arrived %v, want %v", got, tc.arrives)
				}
				want := int64(0)
				if tc.cut {
					want = 2
				}
				if got := cut.dropped.Load() - before; got != want {
					t.Errorf("dropped %d packets, want %d", got, want)
				}
			})
		}
	}
}

// arrived reports whether c reads msg within a short wait.
func arrived(t *testing.T, c net.PacketConn, msg []byte) bool {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, _, err := c.ReadFrom(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:n], msg) {
		t.Fatalf("read %q, want %q", buf[:n], msg)
	}
	return true
}
