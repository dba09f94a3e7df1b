package peer

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// While nobody sees a picture (the window minimised: SetIdle), what is
// left is the network: a few thousand packets a second from sixteen
// cameras, each waking the program on its own, and with it the Go
// runtime's monitor thread and its scheduler. The peers' UDP sockets are
// then read in batches instead: every idleBatch, all at the same moment,
// each socket is read until it has nothing more, so the program wakes
// about 1/idleBatch times a second for all its packets. Packets wait at
// most idleBatch in the socket, which holds far more than that (the
// pictures nobody sees; recordings and event clips lose nothing). When
// the program is no longer idle, reads wait for each packet again.

// idleBatch is how long packets gather in a socket while the program is
// idle.
const idleBatch = 20 * time.Millisecond

// idleState is the process's idle flag and the channel closed when it
// changes.
var idleState struct {
	on      atomic.Bool
	mu      sync.Mutex
	changed chan struct{}
}

// SetIdle tells every peer's sockets that nobody sees the pictures (on)
// or that someone does again (off): see idleBatch.
func SetIdle(on bool) {
	idleState.mu.Lock()
	defer idleState.mu.Unlock()
	if idleState.on.Load() == on {
		return
	}
	idleState.on.Store(on)
	if idleState.changed != nil {
		close(idleState.changed)
		idleState.changed = nil
	}
}

// Idle reports whether the sockets are read in batches (SetIdle).
func Idle() bool { return idleState.on.Load() }

// idleChanged returns a channel closed when SetIdle next changes the flag.
func idleChanged() <-chan struct{} {
	idleState.mu.Lock()
	defer idleState.mu.Unlock()
	if idleState.changed == nil {
		idleState.changed = make(chan struct{})
	}
	return idleState.changed
}

// batchNet is the system's network with UDP sockets that read in batches
// while the program is idle.
type batchNet struct {
	transport.Net
}

func newBatchNet() (*batchNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &batchNet{Net: n}, nil
}

// ListenUDP listens as the system does; a socket of the system's own
// for media (not mDNS's multicast, which x/net reads through the
// *net.UDPConn itself) is read in batches while idle.
func (n *batchNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	u, ok := c.(*net.UDPConn)
	if !ok || laddr != nil && laddr.IP.IsMulticast() {
		return c, nil
	}
	return &batchConn{UDPConn: u, closed: make(chan struct{})}, nil
}

// batchConn is a UDP socket that, while the program is idle, waits for the
// next batch instead of for the next packet. It offers pion/ice's
// allocation-free reads and writes (ice.AddrPortReaderWriter), as the
// socket it wraps does.
type batchConn struct {
	*net.UDPConn
	closed    chan struct{}
	closeOnce sync.Once
	// draining: a batch is being read; a deadline error then means the
	// socket had nothing more. deadline: this conn set a read deadline,
	// to clear once reads wait for each packet again.
	draining, deadline bool
	mu                 sync.Mutex // reads: pion/ice reads a socket from one goroutine
}

// Close closes the socket and ends a wait for the next batch.
func (c *batchConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.UDPConn.Close()
}

// ReadFromAddrPort reads the next packet: at once when there is one or the
// program is not idle, else at the next batch.
func (c *batchConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if !Idle() {
			c.draining = false
			if c.deadline {
				c.deadline = false
				if err := c.UDPConn.SetReadDeadline(time.Time{}); err != nil {
					return 0, netip.AddrPort{}, err
				}
			}
			return c.UDPConn.ReadFromUDPAddrPort(b)
		}
		if !c.draining {
			if !c.waitBatch() {
				return 0, netip.AddrPort{}, net.ErrClosed
			}
			if !Idle() {
				continue
			}
			// Read what gathered: the deadline ends the batch once the
			// socket has had nothing for a moment.
			c.draining, c.deadline = true, true
			if err := c.UDPConn.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
				return 0, netip.AddrPort{}, err
			}
		}
		n, from, err := c.UDPConn.ReadFromUDPAddrPort(b)
		if err == nil {
			return n, from, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, from, err
		}
		select {
		case <-c.closed:
			return 0, netip.AddrPort{}, net.ErrClosed
		default:
		}
		c.draining = false // the batch is read; wait for the next
	}
}

// ReadFrom is ReadFromAddrPort for readers that want a net.Addr.
func (c *batchConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// WriteToAddrPort writes as the socket does.
func (c *batchConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.UDPConn.WriteToUDPAddrPort(b, addr)
}

// waitBatch waits for the next batch, the end of idleness or Close; false
// after Close.
func (c *batchConn) waitBatch() bool {
	changed := idleChanged()
	if !Idle() {
		return true
	}
	now := time.Now()
	t := time.NewTimer(idleBatch - time.Duration(now.UnixNano()%int64(idleBatch)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-changed:
	case <-c.closed:
		return false
	}
	return true
}
