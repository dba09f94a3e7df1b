package stunturn

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/stun/v4"
)

// impairment is the loss and delay shared by every wrapped socket of one
// server. The random source has a fixed seed so that a run with the same
// traffic drops the same packets.
type impairment struct {
	mu    sync.Mutex
	loss  float64
	delay time.Duration
	rng   *rand.Rand
}

func newImpairment(loss float64, delay time.Duration) *impairment {
	im := &impairment{rng: rand.New(rand.NewPCG(0x10c0, 0x7a11))}
	im.set(loss, delay)
	return im
}

func (im *impairment) set(loss float64, delay time.Duration) {
	loss = min(max(loss, 0), 1)
	delay = max(delay, 0)
	im.mu.Lock()
	im.loss, im.delay = loss, delay
	im.mu.Unlock()
}

// drop draws whether one packet is lost.
func (im *impairment) drop() bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.loss > 0 && im.rng.Float64() < im.loss
}

func (im *impairment) currentDelay() time.Duration {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.delay
}

// packet is one datagram waiting in a delay line.
type packet struct {
	data []byte
	addr net.Addr
	due  time.Time
}

// delayLine hands packets to deliver, in order, no earlier than their due
// time. One goroutine (run) owns delivery.
type delayLine struct {
	mu      sync.Mutex
	q       []packet
	wake    chan struct{}
	closed  chan struct{}
	deliver func(packet)
}

func newDelayLine(closed chan struct{}, deliver func(packet)) *delayLine {
	return &delayLine{wake: make(chan struct{}, 1), closed: closed, deliver: deliver}
}

func (d *delayLine) push(p packet) {
	d.mu.Lock()
	d.q = append(d.q, p)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *delayLine) empty() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.q) == 0
}

func (d *delayLine) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		if len(d.q) == 0 {
			d.mu.Unlock()
			select {
			case <-d.wake:
				continue
			case <-d.closed:
				return
			}
		}
		p := d.q[0]
		wait := time.Until(p.due)
		if wait <= 0 {
			d.q[0] = packet{}
			d.q = d.q[1:]
			d.mu.Unlock()
			d.deliver(p)
			continue
		}
		d.mu.Unlock()
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-d.wake:
		case <-d.closed:
			return
		}
	}
}

// relayConn wraps the socket of one allocation's relayed transport address:
// every datagram to or from a peer may be dropped and is delayed by the
// server's current delay, in each direction.
type relayConn struct {
	net.PacketConn
	im *impairment

	out *delayLine
	in  chan packet

	closeOnce sync.Once
	closed    chan struct{}
	readErr   chan struct{}
	err       error // set before readErr is closed
	wg        sync.WaitGroup
	onClose   func()

	mu       sync.Mutex
	deadline time.Time
}

func newRelayConn(inner net.PacketConn, im *impairment, onClose func()) *relayConn {
	c := &relayConn{
		PacketConn: inner,
		im:         im,
		in:         make(chan packet, 1024),
		closed:     make(chan struct{}),
		readErr:    make(chan struct{}),
		onClose:    onClose,
	}
	c.out = newDelayLine(c.closed, func(p packet) {
		_, _ = c.PacketConn.WriteTo(p.data, p.addr)
	})
	inLine := newDelayLine(c.closed, func(p packet) {
		select {
		case c.in <- p:
		case <-c.closed:
		}
	})
	c.wg.Add(3)
	go func() { defer c.wg.Done(); c.out.run() }()
	go func() { defer c.wg.Done(); inLine.run() }()
	go func() { defer c.wg.Done(); c.readLoop(inLine) }()
	return c
}

func (c *relayConn) readLoop(line *delayLine) {
	buf := make([]byte, 65536)
	for {
		n, addr, err := c.PacketConn.ReadFrom(buf)
		if err != nil {
			c.err = err
			close(c.readErr)
			return
		}
		if c.im.drop() {
			continue
		}
		line.push(packet{data: append([]byte(nil), buf[:n]...), addr: addr, due: time.Now().Add(c.im.currentDelay())})
	}
}

// ReadFrom returns the next datagram from a peer once its delay has passed.
func (c *relayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.mu.Lock()
	deadline := c.deadline
	c.mu.Unlock()
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case p := <-c.in:
		return copy(b, p.data), p.addr, nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	case <-c.readErr:
		return 0, nil, c.err
	case <-expired:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends a datagram to a peer after the current delay, unless it is
// dropped.
func (c *relayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	if c.im.drop() {
		return len(b), nil
	}
	delay := c.im.currentDelay()
	if delay == 0 && c.out.empty() {
		return c.PacketConn.WriteTo(b, addr)
	}
	c.out.push(packet{data: append([]byte(nil), b...), addr: addr, due: time.Now().Add(delay)})
	return len(b), nil
}

// SetDeadline sets the read and write deadlines.
func (c *relayConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.PacketConn.SetWriteDeadline(t)
}

// SetReadDeadline bounds the next ReadFrom calls.
func (c *relayConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

// Close closes the socket and waits for the wrapper's goroutines.
func (c *relayConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.PacketConn.Close()
		c.wg.Wait()
		if c.onClose != nil {
			c.onClose()
		}
	})
	return err
}

// listenerConn wraps the server's UDP socket: STUN requests and responses
// that do not carry relayed data may be dropped (relayed data is impaired
// once, on the relay side), and requests with wrong long-term credentials
// are answered with 401.
type listenerConn struct {
	net.PacketConn
	im   *impairment
	auth *authChecker
}

// ReadFrom returns the next datagram for the TURN server.
func (c *listenerConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		if impairable(b[:n]) && c.im.drop() {
			continue
		}
		if resp := c.auth.reject(b[:n]); resp != nil {
			_, _ = c.WriteTo(resp, addr)
			continue
		}
		return n, addr, nil
	}
}

// WriteTo sends a datagram to a client unless it is a STUN message that the
// impairment drops.
func (c *listenerConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if impairable(b) && c.im.drop() {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

// impairable reports whether b is a STUN message other than a Send or Data
// indication: ChannelData and those indications carry relayed traffic.
func impairable(b []byte) bool {
	if !stun.IsMessage(b) {
		return false
	}
	var t stun.MessageType
	t.ReadValue(binary.BigEndian.Uint16(b[0:2]))
	return !(t.Class == stun.ClassIndication && (t.Method == stun.MethodSend || t.Method == stun.MethodData))
}
