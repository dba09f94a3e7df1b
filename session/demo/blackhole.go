package demo

import (
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
	"github.com/pion/webrtc/v4"
)

// pathCut is a camera's switch for its media path: while on, every UDP
// packet its pion stack sends or receives is dropped, STUN connectivity
// checks and consent included, as when the camera drops off the network.
// Signaling (MQTT) does not go through it and stays up.
type pathCut struct {
	on atomic.Bool
	// dropped counts the packets dropped, both ways.
	dropped atomic.Int64
}

// BlockPath cuts (on) or restores (off) the camera's ICE/UDP path: while on,
// every packet of its WebRTC peers is dropped both ways (STUN checks, DTLS,
// RTP, RTCP) so ICE fails as with a camera gone from the network, while its
// MQTT connection stays up and it still answers offers. It takes effect for
// the next packet, on live calls and on new ones.
func (c *CameraSim) BlockPath(on bool) { c.fault.path.on.Store(on) }

// BlockedPackets is how many packets BlockPath has dropped so far.
func (c *CameraSim) BlockedPackets() int64 { return c.fault.path.dropped.Load() }

// BlockPaths cuts (on) or restores (off) the ICE/UDP path of every camera of
// the site at once (BlockPath).
func (s *Site) BlockPaths(on bool) {
	for _, c := range s.cams {
		c.BlockPath(on)
	}
}

// drop reports whether a packet is dropped now, and counts it.
func (p *pathCut) drop() bool {
	if !p.on.Load() {
		return false
	}
	p.dropped.Add(1)
	return true
}

// newCameraAPI builds a camera's pion API (newWebRTCAPI) listening through
// the camera's own network, so that cutting its path leaves the others'.
func newCameraAPI(host string, imp interceptor.Factory, cut *pathCut, log *slog.Logger) (*webrtc.API, error) {
	nw, err := cut.net()
	if err != nil {
		return nil, err
	}
	return newWebRTCAPI(host, imp, nw, log)
}

// net returns the network a camera's pion stack listens through: the
// system's, with every UDP socket filtered by the switch.
func (p *pathCut) net() (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("demo: network: %w", err)
	}
	return &cutNet{Net: n, cut: p}, nil
}

// cutNet hands out UDP sockets that obey a pathCut. pion/ice listens with
// ListenUDP for host candidates and ListenPacket for relayed ones.
type cutNet struct {
	transport.Net
	cut *pathCut
}

// ListenUDP listens as the system does and filters the socket.
func (n *cutNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &cutUDPConn{UDPConn: c, cut: n.cut}, nil
}

// ListenPacket listens as the system does and filters the socket.
func (n *cutNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return &cutPacketConn{PacketConn: c, cut: n.cut}, nil
}

// cutUDPConn drops what it would send and what it reads while the path is
// cut: a write reports success (the packet is lost on the way), a read waits
// for the next packet that passes.
type cutUDPConn struct {
	transport.UDPConn
	cut *pathCut
}

// ReadFrom returns the next packet that passes the cut.
func (c *cutUDPConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.cut.drop() {
			return n, addr, err
		}
	}
}

// ReadFromUDP returns the next packet that passes the cut.
func (c *cutUDPConn) ReadFromUDP(p []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(p)
		if err != nil || !c.cut.drop() {
			return n, addr, err
		}
	}
}

// ReadMsgUDP returns the next packet that passes the cut.
func (c *cutUDPConn) ReadMsgUDP(p, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		n, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(p, oob)
		if err != nil || !c.cut.drop() {
			return n, oobn, flags, addr, err
		}
	}
}

// Read returns the next packet that passes the cut.
func (c *cutUDPConn) Read(p []byte) (int, error) {
	for {
		n, err := c.UDPConn.Read(p)
		if err != nil || !c.cut.drop() {
			return n, err
		}
	}
}

// WriteTo sends the packet unless the path is cut.
func (c *cutUDPConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.cut.drop() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, addr)
}

// WriteToUDP sends the packet unless the path is cut.
func (c *cutUDPConn) WriteToUDP(p []byte, addr *net.UDPAddr) (int, error) {
	if c.cut.drop() {
		return len(p), nil
	}
	return c.UDPConn.WriteToUDP(p, addr)
}

// WriteMsgUDP sends the packet unless the path is cut.
func (c *cutUDPConn) WriteMsgUDP(p, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.cut.drop() {
		return len(p), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(p, oob, addr)
}

// Write sends the packet unless the path is cut.
func (c *cutUDPConn) Write(p []byte) (int, error) {
	if c.cut.drop() {
		return len(p), nil
	}
	return c.UDPConn.Write(p)
}

// cutPacketConn is cutUDPConn for the plain PacketConn of ListenPacket.
type cutPacketConn struct {
	net.PacketConn
	cut *pathCut
}

// ReadFrom returns the next packet that passes the cut.
func (c *cutPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.cut.drop() {
			return n, addr, err
		}
	}
}

// WriteTo sends the packet unless the path is cut.
func (c *cutPacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.cut.drop() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}
