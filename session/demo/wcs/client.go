package wcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// maxMessage bounds one client message (an offer is a few kilobytes).
const maxMessage = 128 << 10

// connectTimeout bounds the wait for a client's first message.
const connectTimeout = 10 * time.Second

// envelope is every message, both ways: {"message": NAME, "data": [...]}.
type envelope struct {
	Message string            `json:"message"`
	Data    []json.RawMessage `json:"data"`
}

// client is one WebSocket connection.
type client struct {
	s      *Server
	conn   *websocket.Conn
	remote string
	wmu    sync.Mutex

	heard     atomic.Int64 // unix nanoseconds of the last message
	connected bool         // "connection" was received; reader goroutine only
	stop      chan struct{}
	stopOnce  sync.Once

	mu       sync.Mutex
	sessions map[string]closer // mediaSessionId -> player or publisher
	wg       sync.WaitGroup
}

// closer is a player or publisher: end stops it and waits for it.
type closer interface{ end() }

func newClient(s *Server, conn *websocket.Conn, remote string) *client {
	c := &client{s: s, conn: conn, remote: remote, stop: make(chan struct{}), sessions: map[string]closer{}}
	c.heard.Store(time.Now().UnixNano())
	conn.SetReadLimit(maxMessage)
	return c
}

// run reads messages until the connection ends, then stops every stream
// of the client.
func (c *client) run() {
	c.wg.Add(1)
	go c.keepAlive()
	defer func() {
		c.kill()
		c.wg.Wait()
		c.mu.Lock()
		ss := make([]closer, 0, len(c.sessions))
		for _, x := range c.sessions {
			ss = append(ss, x)
		}
		c.sessions = map[string]closer{}
		c.mu.Unlock()
		for _, x := range ss {
			x.end()
		}
	}()
	_ = c.conn.SetReadDeadline(time.Now().Add(connectTimeout))
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			c.s.log.Debug("demo wcs: client gone", "remote", c.remote, "err", err)
			return
		}
		c.heard.Store(time.Now().UnixNano())
		if reason := c.handle(b); reason != "" {
			c.s.violation(reason)
			c.closeWith(websocket.ClosePolicyViolation, reason)
			return
		}
	}
}

// keepAlive pings a silent client and drops it once it has been silent
// for SilenceTimeout (spec 004: the server pings when the client sends
// nothing else, and the client must answer pong).
func (c *client) keepAlive() {
	defer c.wg.Done()
	step := c.s.cfg.PingInterval / 4
	t := time.NewTicker(step)
	defer t.Stop()
	var lastPing time.Time
	for {
		select {
		case <-c.stop:
			return
		case <-c.s.closing:
			c.kill()
			return
		case now := <-t.C:
			silent := now.Sub(time.Unix(0, c.heard.Load()))
			switch {
			case silent >= c.s.cfg.SilenceTimeout:
				c.s.dropped.Add(1)
				c.s.log.Info("demo wcs: dropping a silent client", "remote", c.remote, "silent", silent)
				c.closeWith(websocket.ClosePolicyViolation, "no pong")
				return
			case silent >= c.s.cfg.PingInterval && now.Sub(lastPing) >= c.s.cfg.PingInterval:
				lastPing = now
				c.send("ping")
			}
		}
	}
}

// kill closes the connection at once.
func (c *client) kill() {
	c.stopOnce.Do(func() { close(c.stop) })
	_ = c.conn.Close()
}

// closeWith sends a close frame with the reason and closes.
func (c *client) closeWith(code int, reason string) {
	c.wmu.Lock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason))
	c.wmu.Unlock()
	c.kill()
}

// send writes one message; data items are marshalled in order.
func (c *client) send(name string, data ...any) {
	raw := make([]json.RawMessage, 0, len(data))
	for _, d := range data {
		b, err := json.Marshal(d)
		if err != nil {
			c.s.log.Error("demo wcs: marshal", "message", name, "err", err)
			return
		}
		raw = append(raw, b)
	}
	b, err := json.Marshal(envelope{Message: name, Data: raw})
	if err != nil {
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		c.s.log.Debug("demo wcs: write", "message", name, "err", err)
	}
}

// status sends notifyStreamStatusEvent for a stream.
func (c *client) status(id, name string, published bool, status, info string, w, h int) {
	ev := map[string]any{
		"mediaSessionId": id, "name": name, "published": published,
		"hasVideo": !published, "hasAudio": true, "status": status,
		"audioCodec": "opus", "videoCodec": "H264", "record": false,
		"width": w, "height": h, "bitrate": 0, "minBitrate": 0, "maxBitrate": 0, "quality": 0,
		"createDate": time.Now().UnixMilli(),
		"streamInfo": map[string]any{
			"nodeId": nil, "appKey": nil, "sessionId": nil, "mediaSessionId": id, "name": name,
			"samplingTime": nil, "recordTimestamp": nil, "recordStarted": false,
		},
		"mediaProvider": "WebRTC",
	}
	if info != "" {
		ev["info"] = info
	}
	c.send("notifyStreamStatusEvent", ev)
}

// handle processes one message; a non-empty result is a protocol
// violation that ends the connection.
func (c *client) handle(b []byte) string {
	var m envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil || dec.More() {
		return "not a JSON message"
	}
	if m.Message == "" {
		return "message without a name"
	}
	if m.Data == nil {
		return m.Message + ": no data array"
	}
	if !c.connected {
		if m.Message != "connection" {
			return m.Message + " before connection"
		}
		return c.onConnection(m)
	}
	switch m.Message {
	case "connection":
		return "connection sent twice"
	case "pong":
		if len(m.Data) > 1 || (len(m.Data) == 1 && string(m.Data[0]) != "null") {
			return "pong: data must be [null]"
		}
		return ""
	case "playStream", "publishStream":
		var st streamReq
		if reason := one(m, &st); reason != "" {
			return reason
		}
		if reason := st.check(m.Message); reason != "" {
			return reason
		}
		c.mu.Lock()
		_, dup := c.sessions[st.MediaSessionID]
		c.mu.Unlock()
		if dup {
			return m.Message + ": mediaSessionId " + st.MediaSessionID + " already in use"
		}
		if m.Message == "playStream" {
			c.play(st)
		} else {
			c.publish(st)
		}
		return ""
	case "stopStream", "unPublishStream":
		var st streamReq
		if reason := one(m, &st); reason != "" {
			return reason
		}
		if st.MediaSessionID == "" || st.Name == "" {
			return m.Message + ": mediaSessionId and name are required"
		}
		c.mu.Lock()
		x := c.sessions[st.MediaSessionID]
		delete(c.sessions, st.MediaSessionID)
		c.mu.Unlock()
		switch x := x.(type) {
		case *player:
			if m.Message != "stopStream" {
				return "unPublishStream of a played stream"
			}
			x.end()
			c.status(st.MediaSessionID, x.name, false, "STOPPED", "Stopped by user", c.s.cfg.Width, c.s.cfg.Height)
		case *publisher:
			if m.Message != "unPublishStream" {
				return "stopStream of a published stream"
			}
			x.end()
			c.status(st.MediaSessionID, x.name, true, "UNPUBLISHED", "Stopped by publisher stop", 0, 0)
		default:
			// The stream already ended on our side: nothing to stop.
		}
		return ""
	case "availableStream":
		var q struct {
			MediaSessionID string `json:"mediaSessionId"`
			Name           string `json:"name"`
		}
		if reason := one(m, &q); reason != "" {
			return reason
		}
		if q.MediaSessionID == "" || q.Name == "" {
			return "availableStream: mediaSessionId and name are required"
		}
		ans := map[string]any{"status": "true", "id": q.MediaSessionID}
		if !c.s.available(q.Name) {
			ans["status"], ans["info"] = "false", "Stream not found"
		}
		c.send("availableStream", ans)
		return ""
	}
	return "unknown message " + fmt.Sprintf("%.40q", m.Message)
}

// one decodes the single object of a message's data.
func one(m envelope, v any) string {
	if len(m.Data) != 1 {
		return fmt.Sprintf("%s: data must hold one object, not %d items", m.Message, len(m.Data))
	}
	if err := json.Unmarshal(m.Data[0], v); err != nil {
		return fmt.Sprintf("%s: %v", m.Message, err)
	}
	return ""
}

// onConnection checks the first message and greets the client with
// getUserData and getVersion.
func (c *client) onConnection(m envelope) string {
	var req struct {
		AppKey          string   `json:"appKey"`
		MediaProviders  []string `json:"mediaProviders"`
		ClientVersion   string   `json:"clientVersion"`
		ClientOSVersion string   `json:"clientOSVersion"`
		ClientBrowser   string   `json:"clientBrowserVersion"`
	}
	if reason := one(m, &req); reason != "" {
		return reason
	}
	if req.AppKey != c.s.cfg.AppKey {
		return fmt.Sprintf("connection: unknown appKey %.40q", req.AppKey)
	}
	webrtc := false
	for _, p := range req.MediaProviders {
		webrtc = webrtc || p == "WebRTC"
	}
	if !webrtc {
		return "connection: mediaProviders must include WebRTC"
	}
	c.connected = true
	_ = c.conn.SetReadDeadline(time.Time{})
	c.send("getUserData", map[string]any{
		"useWsTunnel": false, "useWsTunnelPacketization2": false, "useBase64BinaryEncoding": false,
		"mediaProviders": []string{"WebRTC"}, "authToken": "/" + c.remote + "/" + c.s.ln.Addr().String(),
		"status": "ESTABLISHED", "clientVersion": req.ClientVersion, "clientOSVersion": req.ClientOSVersion,
		"clientBrowserVersion": req.ClientBrowser, "forceLogger": false, "keepAlive": false,
	})
	c.send("getVersion", Version)
	return ""
}

// streamReq is the stream object of playStream, stopStream,
// publishStream and unPublishStream.
type streamReq struct {
	MediaSessionID string `json:"mediaSessionId"`
	Name           string `json:"name"`
	Published      bool   `json:"published"`
	HasVideo       bool   `json:"hasVideo"`
	HasAudio       bool   `json:"hasAudio"`
	Status         string `json:"status"`
	Record         bool   `json:"record"`
	MediaProvider  string `json:"mediaProvider"`
	SDP            string `json:"sdp"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	Bitrate        int    `json:"bitrate"`
	MinBitrate     int    `json:"minBitrate"`
	MaxBitrate     int    `json:"maxBitrate"`
	Quality        int    `json:"quality"`
}

// check applies the spec's rules for playStream and publishStream.
func (st *streamReq) check(msg string) string {
	switch {
	case st.MediaSessionID == "" || st.Name == "":
		return msg + ": mediaSessionId and name are required"
	case st.Status != "PENDING":
		return fmt.Sprintf("%s: status must be PENDING, not %.20q", msg, st.Status)
	case st.MediaProvider != "WebRTC":
		return fmt.Sprintf("%s: mediaProvider must be WebRTC, not %.20q", msg, st.MediaProvider)
	case !strings.HasPrefix(st.SDP, "v=0"):
		return msg + ": no SDP offer"
	case !strings.Contains(st.SDP, "a=candidate:"):
		// The server takes no trickled candidates: the offer must carry them.
		return msg + ": the offer carries no ICE candidates"
	case msg == "publishStream" && !st.Published:
		return msg + ": published must be true"
	case msg == "publishStream" && !st.HasAudio && !st.HasVideo:
		return msg + ": nothing to publish"
	}
	return ""
}

// add records a player or publisher under its mediaSessionId.
func (c *client) add(id string, x closer) {
	c.mu.Lock()
	c.sessions[id] = x
	c.mu.Unlock()
}

// forget removes id if it still names x.
func (c *client) forget(id string, x closer) {
	c.mu.Lock()
	if c.sessions[id] == x {
		delete(c.sessions, id)
	}
	c.mu.Unlock()
}
