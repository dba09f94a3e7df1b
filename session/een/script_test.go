package een_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session/een"
)

// lockedBuffer is a log destination safe for the reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestScriptedEdge runs the client against a scripted Signaling Service
// that answers authorize with an unknown event and a malformed message
// before "authorized": both are logged at debug and ignored, and the
// client authorizes the moment the socket opens.
func TestScriptedEdge(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	type seen struct {
		authDelay time.Duration
		token     string
		order     []string
	}
	got := make(chan seen, 1)
	mux := http.NewServeMux()
	var wsURL string
	mux.HandleFunc("/api/v3.0/feeds", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"results": []map[string]string{
			{"id": "s1-main", "deviceId": "s1", "type": "main"},
			{"id": "s1-talkdown", "deviceId": "s1", "type": "talkdown", "mediaType": "halfDuplex", "webRtcUrl": wsURL},
		}})
	})
	up := websocket.Upgrader{}
	mux.HandleFunc("/edge", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		opened := time.Now()
		var s seen
		read := func() map[string]any {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return nil
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			p, _ := m["payload"].(map[string]any)
			s.order = append(s.order, p["eventName"].(string))
			return p
		}
		p := read()
		s.authDelay = time.Since(opened)
		if d, ok := p["eventData"].(map[string]any); ok {
			s.token, _ = d["token"].(string)
		}
		for _, m := range []string{
			`{"source":{"type":"service","id":"edge"},"payload":{"eventName":"statistics","eventData":{"rtt":3}}}`,
			`{"source":`,
			`{"source":{"type":"service","id":"edge"},"payload":{"eventName":"authorized"}}`,
		} {
			_ = ws.WriteMessage(websocket.TextMessage, []byte(m))
		}
		read()
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"source":{"type":"service","id":"talkdown"},"payload":{"eventName":"iceServers","eventData":{"iceServers":[{"urls":"stun:127.0.0.1:3478"}],"ttl":0}}}`))
		got <- s
		read() // until the client closes
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	wsURL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/edge"

	var logs lockedBuffer
	c, err := een.New(een.Config{Endpoint: srv.URL, Token: "secret-token",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := c.Open(ctx, "s1", "")
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if err := call.Close(); err != nil {
		t.Fatal(err)
	}
	if s.token != "secret-token" || strings.Join(s.order, " ") != "authorize getIceServers" {
		t.Errorf("the edge saw %v with token %q", s.order, s.token)
	}
	if s.authDelay > time.Second {
		t.Errorf("authorize came %s after the socket opened", s.authDelay)
	}
	if p := call.Plan(); len(p.ICEServers) != 1 || p.ICEServers[0].URLs[0] != "stun:127.0.0.1:3478" {
		t.Errorf("ICE servers %+v", p.ICEServers)
	}
	out := logs.String()
	for _, want := range []string{`level=DEBUG msg="een: ignoring unknown event" device=s1 event=statistics`, `level=DEBUG msg="een: ignoring a malformed message"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret-token") {
		t.Error("the token was logged")
	}
}
