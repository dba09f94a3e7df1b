package wcs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/lookout-app/lookout/session"
)

// mediaSession is what a played and a published stream share: one
// mediaSessionId on the account's WebSocket, the SDP answer the server
// sends for it, and its end.
type mediaSession struct {
	l    *link
	id   string // mediaSessionId
	name string // the stream's name

	answers chan string
	sent    atomic.Bool
	closed  atomic.Bool

	endOnce sync.Once
	done    chan struct{}
	errMu   sync.Mutex
	err     error
}

func newMediaSession(l *link, name string) *mediaSession {
	return &mediaSession{l: l, id: newID(), name: name, answers: make(chan string, 1), done: make(chan struct{})}
}

// exchange sends msg (playStream or publishStream, carrying the offer)
// and returns the SDP of the server's setRemoteSDP.
func (m *mediaSession) exchange(ctx context.Context, msgName string, msg streamMsg) (string, error) {
	m.sent.Store(true)
	if err := m.l.send(msgName, msg); err != nil {
		return "", err
	}
	select {
	case sdp := <-m.answers:
		return sdp, nil
	case <-m.done:
		// An answer that came before the end is still the answer; the
		// session then learns of the end through Done.
		select {
		case sdp := <-m.answers:
			return sdp, nil
		default:
		}
		return "", m.Err()
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// answer hands the SDP of setRemoteSDP to exchange; it reports false for a
// second answer, which is dropped.
func (m *mediaSession) answer(sdp string) bool {
	select {
	case m.answers <- sdp:
		return true
	default:
		return false
	}
}

// linkDown implements handler.
func (m *mediaSession) linkDown(err error) { m.end(err) }

func (m *mediaSession) end(err error) {
	m.endOnce.Do(func() {
		m.errMu.Lock()
		m.err = err
		m.errMu.Unlock()
		close(m.done)
	})
}

// Done is the call's Plan.Hangup: closed when the server ends the stream
// (STOPPED, UNPUBLISHED, FAILED) or the connection drops.
func (m *mediaSession) Done() <-chan struct{} { return m.done }

// Err says why Done was closed.
func (m *mediaSession) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

// close sends msg (stopStream or unPublishStream) when the stream was
// asked for and is still running, and forgets the stream. Later calls
// return session.ErrClosed.
func (m *mediaSession) close(msgName string, msg streamMsg) error {
	if !m.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	m.l.unregister(m.id)
	var err error
	select {
	case <-m.done:
	default:
		if m.sent.Load() {
			err = m.l.send(msgName, msg)
		}
	}
	m.end(fmt.Errorf("wcs: %w", session.ErrClosed))
	if errors.Is(err, ErrConnectionLost) {
		err = nil // nothing left to stop
	}
	return err
}
