package een

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// writeTimeout bounds one WebSocket write.
const writeTimeout = 5 * time.Second

// Call is one 2-Way Audio session with one speaker over the Signaling
// Service's WebSocket. It implements session.Call; its plan trickles and
// tells of the service hanging up.
type Call struct {
	c    *Client
	feed Feed
	conn *websocket.Conn
	plan session.Plan

	wmu sync.Mutex // serializes writes

	stage      atomic.Value // string: the request waiting for a reply
	authorized chan struct{}
	servers    chan []webrtc.ICEServer
	answers    chan string
	cands      chan webrtc.ICECandidateInit // closed when the reader ends

	closed   atomic.Bool
	hangOnce sync.Once
	done     chan struct{}
	errMu    sync.Mutex
	err      error
	readDone chan struct{}

	authorizeTime time.Duration // from sending authorize to authorized
}

var _ session.Call = (*Call)(nil)

// Open finds the device's talkdown feed, opens the Signaling Service's
// WebSocket, authorizes at once (the service closes sockets that do not
// within 5 s), and asks for ICE servers. The call is then ready for
// Exchange. Only session.QualityMain and Sub exist for cameras; q is
// ignored.
func (c *Client) Open(ctx context.Context, deviceID string, _ session.Quality) (session.Call, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("een: open: %w", session.ErrClosed)
	}
	feeds, err := c.Feeds(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	if len(feeds) == 0 {
		return nil, fmt.Errorf("een: open %s: %w", deviceID, ErrNoTalkdown)
	}
	return c.dial(ctx, feeds[0])
}

// dial opens the feed's Signaling Service socket, authorizes and fetches
// the ICE servers.
func (c *Client) dial(ctx context.Context, f Feed) (*Call, error) {
	if err := checkSignalingURL(f.WebRTCURL); err != nil {
		return nil, err
	}
	d := websocket.Dialer{
		TLSClientConfig:  c.cfg.TLSConfig,
		HandshakeTimeout: c.cfg.ReplyTimeout,
		Proxy:            http.ProxyFromEnvironment,
	}
	conn, resp, err := d.DialContext(ctx, f.WebRTCURL, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if resp != nil {
			return nil, fmt.Errorf("een: signaling %s: HTTP %d: %w", f.WebRTCURL, resp.StatusCode, err)
		}
		return nil, fmt.Errorf("een: signaling %s: %w", f.WebRTCURL, err)
	}
	conn.SetReadLimit(maxFrame)
	call := &Call{
		c: c, feed: f, conn: conn,
		authorized: make(chan struct{}, 1),
		servers:    make(chan []webrtc.ICEServer, 1),
		answers:    make(chan string, 1),
		cands:      make(chan webrtc.ICECandidateInit, 64),
		done:       make(chan struct{}),
		readDone:   make(chan struct{}),
	}
	call.stage.Store(EventAuthorize)
	start := time.Now()
	go call.read()
	ok := false
	defer func() {
		if !ok {
			_ = call.Close()
		}
	}()
	// Authorize the moment the socket is open (spec section 2).
	if err := call.send(ctx, newMessage(serviceEdge, "", EventAuthorize, map[string]string{"token": c.cfg.Token})); err != nil {
		return nil, err
	}
	if err := call.wait(ctx, call.authorized); err != nil {
		return nil, err
	}
	call.authorizeTime = time.Since(start)
	call.stage.Store(EventGetICEServers)
	if err := call.send(ctx, newMessage(serviceTalkdown, f.DeviceID, EventGetICEServers, nil)); err != nil {
		return nil, err
	}
	var servers []webrtc.ICEServer
	t := time.NewTimer(c.cfg.ReplyTimeout)
	defer t.Stop()
	select {
	case servers = <-call.servers:
	case <-call.done:
		return nil, call.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("een: getIceServers: %w: no iceServers within %s", session.ErrTimeout, c.cfg.ReplyTimeout)
	}
	call.stage.Store(EventCreateSession)
	call.plan = makePlan(f, servers, c.cfg.SessionCap)
	ok = true
	return call, nil
}

// checkSignalingURL accepts wss:// URLs, and ws:// only on loopback.
func checkSignalingURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("een: feed webRtcUrl %q: %w: not a WebSocket URL", raw, session.ErrProtocol)
	}
	switch u.Scheme {
	case "wss":
		return nil
	case "ws":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("een: feed webRtcUrl %q: %w: want wss://", raw, session.ErrProtocol)
}

// makePlan is the peer connection of a talkdown feed: audio only, sending
// (and receiving too unless the feed is send-only), Opus, PCMU, PCMA in
// that order of preference.
func makePlan(f Feed, servers []webrtc.ICEServer, capDur time.Duration) session.Plan {
	p := session.Plan{
		ICEServers:  servers,
		Audio:       webrtc.RTPTransceiverDirectionSendrecv,
		AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMU, webrtc.MimeTypePCMA},
		Talk:        f.Talk(),
		MaxDuration: capDur,
		// A talkdown speaker takes one caller: a second session is
		// answered "busy" while it is in use (spec section 7, "Busy
		// State"), so a long talk ends a session before opening the next.
		Overlap: false,
	}
	if f.MediaType == MediaAudio {
		p.Audio = webrtc.RTPTransceiverDirectionSendonly
	}
	return p
}

// Plan implements session.Call: the call trickles and tells of the
// service hanging up.
func (call *Call) Plan() session.Plan {
	p := call.plan
	p.Trickle = &session.Trickle{Send: call.SendCandidate, Remote: call.RemoteCandidates}
	p.Hangup = &session.Hangup{Done: call.Done, Err: call.Err}
	return p
}

// Feed returns the talkdown feed the call was opened on.
func (call *Call) Feed() Feed { return call.feed }

// wait waits for ch, the end of the call, ctx or the reply timeout.
func (call *Call) wait(ctx context.Context, ch <-chan struct{}) error {
	t := time.NewTimer(call.c.cfg.ReplyTimeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-call.done:
		return call.Err()
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("een: %s: %w: no reply within %s", call.stage.Load(), session.ErrTimeout, call.c.cfg.ReplyTimeout)
	}
}

// send writes one message.
func (call *Call) send(ctx context.Context, m outbound) error {
	if call.closed.Load() {
		return fmt.Errorf("een: %s: %w", m.Payload.EventName, session.ErrClosed)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("een: %s: %w", m.Payload.EventName, err)
	}
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	call.wmu.Lock()
	defer call.wmu.Unlock()
	_ = call.conn.SetWriteDeadline(deadline)
	if err := call.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		select {
		case <-call.done:
			return call.Err()
		default:
		}
		return fmt.Errorf("een: %s: %w", m.Payload.EventName, err)
	}
	return nil
}

// Exchange sends createSession with the offer and waits for
// sessionCreated. The listener is in place before the message leaves
// (spec section 5).
func (call *Call) Exchange(ctx context.Context, offer string) (string, error) {
	data := map[string]any{
		"deviceId":           call.feed.DeviceID,
		"sessionDescription": SessionDescription{Type: "offer", SDP: offer},
		"mediaType":          call.feed.MediaType,
	}
	if err := call.send(ctx, newMessage(serviceTalkdown, call.feed.DeviceID, EventCreateSession, data)); err != nil {
		return "", err
	}
	select {
	case sdp := <-call.answers:
		call.stage.Store(stageCall)
		return sdp, nil
	case <-call.done:
		return "", call.Err()
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// SendCandidate sends one local candidate; the end of gathering is not
// sent (spec section 4: a null candidate is skipped).
func (call *Call) SendCandidate(ctx context.Context, c webrtc.ICECandidateInit) error {
	if c.Candidate == "" {
		return nil
	}
	data := map[string]any{"iceCandidates": []webrtc.ICECandidateInit{c}}
	return call.send(ctx, newMessage(serviceTalkdown, call.feed.DeviceID, EventICECandidates, data))
}

// RemoteCandidates delivers the service's candidates; it is closed when
// the call's socket closes.
func (call *Call) RemoteCandidates() <-chan webrtc.ICECandidateInit { return call.cands }

// Done is closed when the service ends the call (error, disconnect or a
// closed socket); Err then says why.
func (call *Call) Done() <-chan struct{} { return call.done }

// Err returns why the call ended, or nil while it has not.
func (call *Call) Err() error {
	call.errMu.Lock()
	defer call.errMu.Unlock()
	return call.err
}

func (call *Call) hangup(err error) {
	call.hangOnce.Do(func() {
		call.errMu.Lock()
		call.err = err
		call.errMu.Unlock()
		close(call.done)
	})
}

// read is the socket's single reader: it routes each message to its
// waiter and ends the call on error, disconnect or a closed socket.
func (call *Call) read() {
	defer close(call.readDone)
	defer close(call.cands)
	log := call.c.log.With("device", call.feed.DeviceID)
	for {
		typ, b, err := call.conn.ReadMessage()
		if err != nil {
			if call.closed.Load() {
				call.hangup(fmt.Errorf("een: %w", session.ErrClosed))
				return
			}
			call.hangup(fmt.Errorf("%w (socket closed: %v)", ErrDisconnected, err))
			return
		}
		if typ != websocket.TextMessage {
			log.Debug("een: ignoring a binary message")
			continue
		}
		f, err := ParseFrame(b)
		if err != nil {
			log.Debug("een: ignoring a malformed message", "err", err)
			continue
		}
		if !call.deliver(f, log) {
			return
		}
	}
}

// deliver routes one frame; false ends the reader.
func (call *Call) deliver(f Frame, log interface {
	Debug(string, ...any)
}) bool {
	switch f.Event {
	case EventAuthorized:
		select {
		case call.authorized <- struct{}{}:
		default:
		}
	case EventICEServers:
		select {
		case call.servers <- f.Servers:
		default:
			log.Debug("een: ignoring repeated iceServers")
		}
	case EventSessionCreated:
		select {
		case call.answers <- f.Answer.SDP:
		default:
			log.Debug("een: ignoring repeated sessionCreated")
		}
	case EventICECandidates:
		for _, c := range f.Cands {
			select {
			case call.cands <- c:
			default:
				log.Debug("een: dropping a remote candidate: nobody reading")
			}
		}
	case EventError:
		stage, _ := call.stage.Load().(string)
		call.hangup(remoteError(stage, f.Error))
		call.closeSocket()
		return false
	case EventDisconnect:
		call.hangup(fmt.Errorf("een: %w", ErrDisconnected))
		call.closeSocket()
		return false
	default:
		log.Debug("een: ignoring unknown event", "event", f.Event)
	}
	return true
}

// closeSocket sends a close frame (best effort) and closes the socket,
// which ends the reader.
func (call *Call) closeSocket() {
	call.wmu.Lock()
	_ = call.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	call.wmu.Unlock()
	_ = call.conn.Close()
}

// Close disconnects from the Signaling Service (spec section 6: the peer
// connection is closed first by the session, then the socket) and waits for
// the reader. It is idempotent.
func (call *Call) Close() error {
	if call.closed.Swap(true) {
		return nil
	}
	call.closeSocket()
	<-call.readDone
	call.hangup(fmt.Errorf("een: %w", session.ErrClosed))
	return nil
}
