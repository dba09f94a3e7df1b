package peer

import (
	"net"
	"net/netip"
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
// pictures nobody sees; recordings and event clips lose nothing).
//
// While pictures are shown (SetShown), the sockets are read in batches
// too, every shownBatch: the packets of sixteen cameras then wake the
// program a few hundred times a second instead of a few thousand, and a
// packet waits at most shownBatch (2 ms on average) more before it is
// read, small next to the paint tick's 38 ms. Otherwise (SetShown(false),
// a program without a window) reads wait for each packet.

const (
	// idleBatch is how long packets gather in a socket while the program
	// is idle.
	idleBatch = 20 * time.Millisecond
	// shownBatch is how long they gather while pictures are shown.
	shownBatch = 4 * time.Millisecond
)

// idleState is the process's idle and shown flags and the channel closed
// when either changes.
var idleState struct {
	on      atomic.Bool
	shown   atomic.Bool
	mu      sync.Mutex
	changed chan struct{}
}

// SetIdle tells every peer's sockets that nobody sees the pictures (on)
// or that someone does again (off): see idleBatch.
func SetIdle(on bool) { setFlag(&idleState.on, on) }

// SetShown tells every peer's sockets that a window shows their pictures
// (on): while the program is not idle they are read every shownBatch
// instead of for each packet. Off: each packet as it arrives.
func SetShown(on bool) { setFlag(&idleState.shown, on) }

func setFlag(f *atomic.Bool, on bool) {
	idleState.mu.Lock()
	defer idleState.mu.Unlock()
	if f.Load() == on {
		return
	}
	f.Store(on)
	if idleState.changed != nil {
		close(idleState.changed)
		idleState.changed = nil
	}
}

// Idle reports whether the sockets are read in batches for an idle
// program (SetIdle).
func Idle() bool { return idleState.on.Load() }

// Shown reports whether a window said it shows pictures (SetShown).
func Shown() bool { return idleState.shown.Load() }

// batchInterval is how long packets gather in the sockets now; 0 when
// each is read as it arrives.
func batchInterval() time.Duration {
	switch {
	case idleState.on.Load():
		return idleBatch
	case idleState.shown.Load():
		return shownBatch
	}
	return 0
}

// idleChanged returns a channel closed when SetIdle or SetShown next
// changes a flag.
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

// batchConn is a UDP socket that, while packets are read in batches
// (batchInterval), waits for the next batch instead of for the next
// packet. It offers pion/ice's allocation-free reads and writes
// (ice.AddrPortReaderWriter), as the socket it wraps does.
type batchConn struct {
	*net.UDPConn
	closed    chan struct{}
	closeOnce sync.Once
	// The fields below belong to the reader (mu): pion/ice reads a socket
	// from one goroutine.
	mu sync.Mutex
	// draining: a batch is being read.
	draining bool
	// deadline: this conn set a read deadline (batch_other.go), to clear
	// once reads wait for each packet again.
	deadline bool
	// timer waits for the next batch; made at the first.
	timer *time.Timer
	// peeker asks the socket whether a packet waits (batch_linux.go).
	peeker
	// empty counts the batches in a row that found the socket empty;
	// past dormantAfter the socket waits for its next packet instead.
	empty int
	// batches counts the batches waited for (for tests).
	batches atomic.Int64
}

// dormantAfter is how many empty batches in a row make a socket wait for
// its next packet instead of the next batch: a peer gathers a socket on
// every interface, and only the one its media flows through gets packets
// more often than now and then (a connectivity check). Waking every
// socket at every batch cost more than batching saved.
const dormantAfter = 64

// Close closes the socket and ends a wait for the next batch.
func (c *batchConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.UDPConn.Close()
}

// ReadFromAddrPort reads the next packet: at once when packets are not
// read in batches, else the next one of this batch or of the next.
func (c *batchConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		d := batchInterval()
		if d == 0 || c.empty >= dormantAfter {
			c.draining = false
			if c.deadline {
				c.deadline = false
				if err := c.UDPConn.SetReadDeadline(time.Time{}); err != nil {
					return 0, netip.AddrPort{}, err
				}
			}
			n, from, err := c.UDPConn.ReadFromUDPAddrPort(b)
			c.empty = 0 // a dormant socket is read in batches again
			return n, from, err
		}
		first := false
		if !c.draining {
			if !c.waitBatch(d) {
				return 0, netip.AddrPort{}, net.ErrClosed
			}
			if batchInterval() == 0 {
				continue
			}
			c.draining, first = true, true
		}
		n, from, more, err := c.readBatch(b, first)
		if err != nil || more {
			if more {
				c.empty = 0
			}
			return n, from, err
		}
		if first {
			c.empty++
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

// waitBatch waits for the next batch of interval d (every socket's at the
// same moment), a change of SetIdle or SetShown, or Close; false after
// Close.
func (c *batchConn) waitBatch(d time.Duration) bool {
	changed := idleChanged()
	if batchInterval() != d {
		return true
	}
	wait := d - time.Duration(time.Now().UnixNano()%int64(d))
	if c.timer == nil {
		c.timer = time.NewTimer(wait)
	} else {
		c.timer.Reset(wait)
	}
	c.batches.Add(1)
	select {
	case <-c.timer.C:
	case <-changed:
		c.timer.Stop()
	case <-c.closed:
		c.timer.Stop()
		return false
	}
	return true
}
