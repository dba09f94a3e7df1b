package een

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
)

// conn is one client's socket and the state of its conversation.
type conn struct {
	srv  *Server
	ws   *websocket.Conn
	wmu  sync.Mutex
	once sync.Once
	done chan struct{}

	// Owned by run's goroutine, read by others under mu.
	mu         sync.Mutex
	authorized bool
	deviceID   string // from getIceServers' routeHint
	session    *talkSession
}

// message is the envelope of every message, both ways.
type message struct {
	Source      *address        `json:"source,omitempty"`
	Destination *address        `json:"destination,omitempty"`
	Payload     json.RawMessage `json:"payload"`
}

type address struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	RouteHint string `json:"routeHint,omitempty"`
}

type payload struct {
	EventName string          `json:"eventName"`
	EventData json.RawMessage `json:"eventData,omitempty"`
}

// protocolError is an error event to send before closing the socket.
type protocolError struct {
	status, context, message, reason string
}

func invalid(ctx, format string, args ...any) *protocolError {
	return &protocolError{status: "badRequest", context: ctx, message: fmt.Sprintf(format, args...), reason: "invalidRequest"}
}

// run authorizes the socket within AuthTimeout, then serves its messages
// until it closes.
func (c *conn) run() {
	defer c.close()
	timer := time.AfterFunc(c.srv.cfg.AuthTimeout, func() {
		c.mu.Lock()
		ok := c.authorized
		c.mu.Unlock()
		if !ok {
			c.fail(&protocolError{status: "unauthorized", context: "authorization", message: "Token not valid", reason: "tokenIsNotValid"})
		}
	})
	defer timer.Stop()
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if typ != websocket.TextMessage {
			c.fail(invalid("message", "binary messages are not accepted"))
			return
		}
		if perr := c.handle(b); perr != nil {
			c.fail(perr)
			return
		}
	}
}

// handle checks one message's shape and place in the conversation.
func (c *conn) handle(b []byte) *protocolError {
	var m message
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return invalid("message", "not a message: %v", err)
	}
	var p payload
	pd := json.NewDecoder(bytes.NewReader(m.Payload))
	pd.DisallowUnknownFields()
	if len(m.Payload) == 0 || pd.Decode(&p) != nil || p.EventName == "" {
		return invalid("message", "payload.eventName is missing")
	}
	if m.Destination == nil || m.Destination.Type != "service" {
		return invalid(p.EventName, "destination.type must be \"service\"")
	}
	c.mu.Lock()
	authorized, device, sess := c.authorized, c.deviceID, c.session
	c.mu.Unlock()
	if !authorized {
		if p.EventName != "authorize" || m.Destination.ID != "edge" {
			return &protocolError{status: "unauthorized", context: "authorization", message: "Token not valid", reason: "tokenIsNotValid"}
		}
		var d struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(p.EventData, &d) != nil || d.Token != c.srv.cfg.Token {
			return &protocolError{status: "unauthorized", context: "authorization", message: "Token not valid", reason: "tokenIsNotValid"}
		}
		c.mu.Lock()
		c.authorized = true
		c.mu.Unlock()
		c.sendEvent("edge", "authorized", nil)
		return nil
	}
	if p.EventName == "authorize" {
		return invalid("authorization", "already authorized")
	}
	if m.Destination.ID != "talkdown" || m.Destination.RouteHint == "" {
		return invalid(p.EventName, "destination must be the talkdown service with routeHint = deviceId")
	}
	sp := c.srv.Speaker(m.Destination.RouteHint)
	if sp == nil {
		return &protocolError{status: "notFound", context: p.EventName, message: "Device not found", reason: "resourceNotFound"}
	}
	if device != "" && device != sp.id {
		return invalid(p.EventName, "routeHint %q differs from this socket's device %q", sp.id, device)
	}
	switch p.EventName {
	case "getIceServers":
		if device != "" {
			return invalid(p.EventName, "ICE servers were already sent")
		}
		if len(bytes.TrimSpace(p.EventData)) > 0 && !bytes.Equal(bytes.TrimSpace(p.EventData), []byte("null")) {
			return invalid(p.EventName, "getIceServers takes no eventData")
		}
		c.mu.Lock()
		c.deviceID = sp.id
		c.mu.Unlock()
		c.sendEvent("talkdown", "iceServers", map[string]any{"iceServers": c.srv.cfg.ICEServers(sp.id), "ttl": 0})
		return nil
	case "createSession":
		if device == "" {
			return invalid(p.EventName, "getIceServers must come first")
		}
		if sess != nil {
			return invalid(p.EventName, "this socket already has a session")
		}
		var d struct {
			DeviceID           string `json:"deviceId"`
			SessionDescription *struct {
				Type string `json:"type"`
				SDP  string `json:"sdp"`
			} `json:"sessionDescription"`
			MediaType string `json:"mediaType"`
		}
		dd := json.NewDecoder(bytes.NewReader(p.EventData))
		dd.DisallowUnknownFields()
		if err := dd.Decode(&d); err != nil {
			return invalid(p.EventName, "eventData: %v", err)
		}
		if d.DeviceID != sp.id {
			return invalid(p.EventName, "deviceId %q differs from routeHint %q", d.DeviceID, sp.id)
		}
		if d.SessionDescription == nil || d.SessionDescription.Type != "offer" || !strings.HasPrefix(d.SessionDescription.SDP, "v=0") {
			return invalid(p.EventName, "sessionDescription must be an SDP offer")
		}
		if d.MediaType != sp.mediaType {
			return invalid(p.EventName, "mediaType %q does not match the feed's %q", d.MediaType, sp.mediaType)
		}
		if !sp.claim() {
			return &protocolError{status: "conflict", context: p.EventName, message: "Speaker is busy", reason: "busy"}
		}
		ts, perr := sp.answer(c, d.SessionDescription.SDP)
		if perr != nil {
			sp.release()
			return perr
		}
		c.mu.Lock()
		c.session = ts
		c.mu.Unlock()
		return nil
	case "iceCandidates":
		if sess == nil {
			return invalid(p.EventName, "iceCandidates before createSession")
		}
		var d struct {
			ICECandidates []webrtc.ICECandidateInit `json:"iceCandidates"`
		}
		if err := json.Unmarshal(p.EventData, &d); err != nil || len(d.ICECandidates) == 0 {
			return invalid(p.EventName, "eventData.iceCandidates must be a list of candidates")
		}
		for _, ic := range d.ICECandidates {
			if err := sess.pc.AddICECandidate(ic); err != nil {
				return invalid(p.EventName, "candidate: %v", err)
			}
		}
		return nil
	}
	return invalid(p.EventName, "unknown event %q", p.EventName)
}

// endSession records why the socket's session ends, if it has one.
func (c *conn) endSession(why string) {
	c.mu.Lock()
	ts := c.session
	c.mu.Unlock()
	if ts != nil {
		ts.setEnd(why)
	}
}

// drop closes the socket's connection with no message and no close frame,
// as a network failure does; the reader then ends the session.
func (c *conn) drop() {
	_ = c.ws.NetConn().Close()
}

// inSessionWith reports whether the socket has a session with deviceID.
func (c *conn) inSessionWith(deviceID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session != nil && c.deviceID == deviceID
}

// sendEvent writes one message from service id.
func (c *conn) sendEvent(id, event string, data any) {
	p := map[string]any{"eventName": event}
	if data != nil {
		p["eventData"] = data
	}
	b, err := json.Marshal(map[string]any{"source": address{Type: "service", ID: id}, "payload": p})
	if err != nil {
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		c.srv.log.Debug("demo een: write", "event", event, "err", err)
	}
}

// fail sends the error event of spec section 7 and closes the socket.
func (c *conn) fail(e *protocolError) {
	c.srv.log.Debug("demo een: refusing", "reason", e.reason, "message", e.message)
	c.sendEvent(c.errorSource(e), "error", map[string]any{
		"status": e.status, "context": e.context, "message": e.message,
		"detail": map[string]string{"reason": e.reason},
	})
	c.close()
}

func (c *conn) errorSource(e *protocolError) string {
	if e.context == "authorization" {
		return "edge"
	}
	return "talkdown"
}

// close ends the session and the socket, once.
func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		c.mu.Lock()
		ts := c.session
		c.mu.Unlock()
		if ts != nil {
			ts.close()
		}
		c.wmu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		_ = c.ws.Close()
	})
}
