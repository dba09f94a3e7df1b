package wcs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lookout-app/lookout/session"
)

// handler receives the messages of one mediaSessionId. deliver runs on
// the reader goroutine and must not block; linkDown is called once when
// the connection ends.
type handler interface {
	deliver(Inbound)
	linkDown(error)
}

// handlerFunc adapts two functions to handler.
type handlerFunc struct {
	onMsg  func(Inbound)
	onDown func(error)
}

func (h handlerFunc) deliver(in Inbound) { h.onMsg(in) }

func (h handlerFunc) linkDown(err error) {
	if h.onDown != nil {
		h.onDown(err)
	}
}

// link is one WebSocket connection to the server: one reader goroutine
// (the client's supervisor), writes serialized by wmu.
type link struct {
	c       *Client
	conn    *websocket.Conn
	version string

	wmu sync.Mutex

	mu       sync.Mutex
	handlers map[string]handler
	downErr  error
	down     chan struct{}
	downOnce sync.Once
}

// register routes the messages of mediaSessionId id to h. On a link that
// is already down, h.linkDown is called at once.
func (l *link) register(id string, h handler) {
	l.mu.Lock()
	if l.handlers == nil {
		err := l.downErr
		l.mu.Unlock()
		h.linkDown(err)
		return
	}
	l.handlers[id] = h
	l.mu.Unlock()
}

func (l *link) unregister(id string) {
	l.mu.Lock()
	delete(l.handlers, id)
	l.mu.Unlock()
}

// err returns why the link went down, or nil while it is up.
func (l *link) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.downErr
}

// send writes one message; writes are serialized and bounded.
func (l *link) send(name string, data ...any) error {
	b, err := encode(name, data...)
	if err != nil {
		return err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	select {
	case <-l.down:
		return l.err()
	default:
	}
	_ = l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := l.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("%w: send %s: %w", ErrConnectionLost, name, err)
	}
	return nil
}

// establish reads the server's greeting until getUserData confirms the
// session, answering pings meanwhile.
func (l *link) establish(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = l.conn.Close() })
	defer stop()
	_ = l.conn.SetReadDeadline(time.Now().Add(establishTimeout))
	defer func() { _ = l.conn.SetReadDeadline(time.Time{}) }()
	for {
		_, b, err := l.conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("wcs: %s: %w", l.c.cfg.URL, ErrNotEstablished)
			}
			return l.closeError("wcs: connect "+l.c.cfg.URL, err)
		}
		in, err := Decode(b)
		if err != nil {
			return fmt.Errorf("wcs: connect %s: %w", l.c.cfg.URL, err)
		}
		switch in.Name {
		case MsgPing:
			if err := l.send(MsgPong, nil); err != nil {
				return err
			}
		case MsgGetVersion:
			l.version = in.Version
		case MsgGetUserData:
			if s := in.UserData.Status; s != "" && s != "ESTABLISHED" {
				return &session.RemoteError{Op: "wcs: connect", Reason: "the server did not establish the session: " + s, Err: session.ErrUnauthorized}
			}
			return nil
		default:
			l.c.log.Debug("wcs: message before the session was established, ignored", "message", in.Name)
		}
	}
}

// closeError words a read error: the server's close reason when it sent one.
func (l *link) closeError(op string, err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Text != "" {
		return &session.RemoteError{Op: op, Code: fmt.Sprint(ce.Code), Reason: ce.Text, Err: session.ErrHangup}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// read is the reader loop: it routes every message until the connection
// ends or ctx is cancelled, and returns why it ended.
func (l *link) read(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = l.conn.Close() })
	defer stop()
	for {
		_, b, err := l.conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("wcs: %w", session.ErrClosed)
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Text != "" {
				return fmt.Errorf("%w: %s", ErrConnectionLost, ce.Text)
			}
			return fmt.Errorf("%w: %w", ErrConnectionLost, err)
		}
		in, err := Decode(b)
		if err != nil {
			l.c.log.Warn("wcs: malformed message ignored", "err", err)
			continue
		}
		switch in.Name {
		case MsgPing:
			if err := l.send(MsgPong, nil); err != nil {
				return err
			}
			continue
		case MsgGetVersion:
			l.version = in.Version
			l.c.log.Debug("wcs: server version", "version", in.Version)
			continue
		case MsgGetUserData:
			continue
		}
		if !in.Known {
			l.c.log.Debug("wcs: unknown message ignored", "message", in.Name)
			continue
		}
		l.mu.Lock()
		h := l.handlers[in.Session]
		l.mu.Unlock()
		if h == nil {
			l.c.log.Debug("wcs: message for no stream of ours", "message", in.Name, "mediaSessionId", in.Session)
			continue
		}
		h.deliver(in)
	}
}

// shut marks the link down with err and tells every handler.
func (l *link) shut(err error) {
	l.downOnce.Do(func() {
		if err == nil {
			err = ErrConnectionLost
		}
		l.mu.Lock()
		l.downErr = err
		hs := l.handlers
		l.handlers = nil
		l.mu.Unlock()
		close(l.down)
		_ = l.conn.Close()
		for _, h := range hs {
			h.linkDown(err)
		}
	})
}

// close closes the WebSocket; the reader then shuts the link.
func (l *link) close() {
	l.wmu.Lock()
	_ = l.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_ = l.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	l.wmu.Unlock()
	_ = l.conn.Close()
}
