package peer

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
	"github.com/pion/webrtc/v4"
)

// lossyNet is the system's network with a switch that drops every UDP
// packet both ways, as when the far end drops off the network.
type lossyNet struct {
	transport.Net
	cut *atomic.Bool
}

func (n *lossyNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &lossyConn{UDPConn: c, cut: n.cut}, nil
}

type lossyConn struct {
	transport.UDPConn
	cut *atomic.Bool
}

func (c *lossyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.cut.Load() {
			return n, addr, err
		}
	}
}

func (c *lossyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.cut.Load() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, addr)
}

// TestChecksOutlastALostPath: the far end's path is cut before ICE starts
// and returns a few seconds later, long after pion would have given up on
// every candidate pair (7 checks, about 1.4 s) but within the peer's
// checking window (3 x DisconnectedTimeout): the peer's checks must still
// be going, and ICE must connect instead of waiting out the window and
// failing.
func TestChecksOutlastALostPath(t *testing.T) {
	const disconnected = 2 * time.Second
	p, offer := gatheredOffer(t, Config{Video: webrtc.RTPTransceiverDirectionRecvonly, DisconnectedTimeout: disconnected})

	sys, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	var cut atomic.Bool
	cut.Store(true)
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNet(&lossyNet{Net: sys, cut: &cut})
	dev, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	answerOffer(t, p, dev, offer)

	back := time.After(3 * time.Second)
	deadline := time.After(3*disconnected + 2*time.Second)
	start := time.Now()
	for {
		select {
		case <-back:
			cut.Store(false)
			start = time.Now()
		case st := <-p.ICEStates():
			switch st {
			case webrtc.ICEConnectionStateConnected:
				if cut.Load() {
					t.Fatal("connected while the path was cut")
				}
				t.Logf("connected %s after the path returned", time.Since(start).Round(time.Millisecond))
				return
			case webrtc.ICEConnectionStateFailed:
				t.Fatalf("ICE failed %s after the path returned: the checks had stopped", time.Since(start).Round(time.Millisecond))
			}
		case <-deadline:
			t.Fatal("ICE neither connected nor failed")
		}
	}
}
