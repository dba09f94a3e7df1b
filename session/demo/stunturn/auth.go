package stunturn

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/pion/stun/v4"
)

// authChecker answers requests that carry wrong long-term credentials with
// 401 Unauthorized. RFC 8489 section 9.2.4 requires 401 when the username is
// unknown or MESSAGE-INTEGRITY does not match; pion/turn v5.1.0 answers 400
// Bad Request instead, which clients cannot tell from a malformed request.
type authChecker struct {
	realm  string
	keyFor func(username string) ([]byte, bool)
}

// reject returns the raw 401 response for p, or nil when p is not an
// authenticated request or its credentials are right.
func (a *authChecker) reject(p []byte) []byte {
	if !stun.IsMessage(p) {
		return nil
	}
	m := &stun.Message{Raw: append([]byte(nil), p...)}
	if err := m.Decode(); err != nil {
		return nil
	}
	if m.Type.Class != stun.ClassRequest || !m.Contains(stun.AttrMessageIntegrity) {
		return nil
	}
	var (
		user  stun.Username
		realm stun.Realm
		nonce stun.Nonce
	)
	if user.GetFrom(m) != nil || realm.GetFrom(m) != nil || nonce.GetFrom(m) != nil {
		return nil // malformed: pion answers 400 itself
	}
	if key, ok := a.keyFor(user.String()); ok && realm.String() == a.realm && stun.MessageIntegrity(key).Check(m) == nil {
		return nil
	}
	resp, err := stun.Build(
		stun.NewTransactionIDSetter(m.TransactionID),
		stun.NewType(m.Type.Method, stun.ClassErrorResponse),
		stun.CodeUnauthorized,
		stun.NewRealm(a.realm),
		nonce,
		stun.Fingerprint,
	)
	if err != nil {
		return nil
	}
	return resp.Raw
}

// authListener wraps a TCP or TLS listener so that every accepted stream is
// read frame by frame and wrong credentials get a 401 (see authChecker). It
// also keeps the accepted streams so that Close can end them.
type authListener struct {
	net.Listener
	auth *authChecker

	mu     sync.Mutex
	conns  map[*frameConn]struct{}
	closed bool
}

// Accept waits for the next stream.
func (l *authListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &frameConn{Conn: c, r: bufio.NewReader(c), auth: l.auth, owner: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	if l.conns == nil {
		l.conns = make(map[*frameConn]struct{})
	}
	l.conns[fc] = struct{}{}
	return fc, nil
}

// Close stops accepting and closes the accepted streams.
func (l *authListener) Close() error {
	l.mu.Lock()
	l.closed = true
	conns := make([]*frameConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	err := l.Listener.Close()
	for _, c := range conns {
		_ = c.Conn.Close()
	}
	return err
}

func (l *authListener) forget(c *frameConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// frameConn reads whole STUN or ChannelData frames (RFC 8656 section 12.5:
// ChannelData over TCP is padded to 4 bytes) and hands each to the TURN
// server unless the auth checker answers it.
type frameConn struct {
	net.Conn
	r       *bufio.Reader
	auth    *authChecker
	owner   *authListener
	wmu     sync.Mutex
	pending []byte
	once    sync.Once
}

// Read returns bytes of the next accepted frame.
func (c *frameConn) Read(b []byte) (int, error) {
	for len(c.pending) == 0 {
		frame, stunLen, err := readFrame(c.r)
		if err != nil {
			return 0, err
		}
		if resp := c.auth.reject(frame[:stunLen]); resp != nil {
			if _, err := c.Write(resp); err != nil {
				return 0, err
			}
			continue
		}
		c.pending = frame
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Write serializes the server's writes with the checker's answers.
func (c *frameConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.Conn.Write(b)
}

// Close closes the stream once.
func (c *frameConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		err = c.Conn.Close()
		c.owner.forget(c)
	})
	return err
}

// readFrame reads one frame; stunLen is the length without ChannelData
// padding.
func readFrame(r *bufio.Reader) (frame []byte, stunLen int, err error) {
	hdr, err := r.Peek(4)
	if err != nil {
		return nil, 0, err
	}
	length := int(binary.BigEndian.Uint16(hdr[2:4]))
	var total int
	switch {
	case hdr[0]>>6 == 0: // STUN
		total = 20 + length
		stunLen = total
	case hdr[0] >= 0x40 && hdr[0] <= 0x7f: // ChannelData
		stunLen = 4 + length
		total = (stunLen + 3) &^ 3
	default:
		return nil, 0, fmt.Errorf("%w: first byte %#x", errBadFrame, hdr[0])
	}
	frame = make([]byte, total)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, 0, err
	}
	return frame, stunLen, nil
}
