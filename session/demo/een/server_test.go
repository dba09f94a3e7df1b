package een

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial opens the edge's socket as a bare client.
func dial(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.SignalingURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// event is what the edge sent: the event name and, for errors, the reason.
type event struct {
	name, reason, message string
}

func next(t *testing.T, ws *websocket.Conn, within time.Duration) (event, bool) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(within))
	_, b, err := ws.ReadMessage()
	if err != nil {
		return event{}, false
	}
	var m struct {
		Source  struct{ Type, ID string }
		Payload struct {
			EventName string
			EventData struct {
				Status, Message string
				Detail          struct{ Reason string }
			}
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("edge sent %q: %v", b, err)
	}
	if m.Source.Type != "service" || m.Source.ID == "" {
		t.Fatalf("edge sent a message without its source: %s", b)
	}
	return event{m.Payload.EventName, m.Payload.EventData.Detail.Reason, m.Payload.EventData.Message}, true
}

func send(t *testing.T, ws *websocket.Conn, raw string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
		t.Fatal(err)
	}
}

const (
	authorizeFmt = `{"destination":{"type":"service","id":"edge"},"payload":{"eventName":"authorize","eventData":{"token":"%s"}}}`
	getICE       = `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"getIceServers"}}`
)

func TestEdgeIsStrict(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := start(t, Config{Token: "good", AuthTimeout: 300 * time.Millisecond})
	defer s.Close()
	auth := strings.Replace(authorizeFmt, "%s", "good", 1)
	for _, tc := range []struct {
		name   string
		sends  []string
		wants  []string // events before the error
		reason string   // "" = no error, the socket stays
	}{
		{"authorize then ice servers", []string{auth, getICE}, []string{"authorized", "iceServers"}, ""},
		{"bad token", []string{strings.Replace(authorizeFmt, "%s", "bad", 1)}, nil, "tokenIsNotValid"},
		{"silent socket", nil, nil, "tokenIsNotValid"},
		{"ice servers before authorize", []string{getICE}, nil, "tokenIsNotValid"},
		{"authorize to the wrong service", []string{`{"destination":{"type":"service","id":"talkdown"},"payload":{"eventName":"authorize","eventData":{"token":"good"}}}`}, nil, "tokenIsNotValid"},
		{"authorize twice", []string{auth, auth}, []string{"authorized"}, "invalidRequest"},
		{"no routeHint", []string{auth, `{"destination":{"type":"service","id":"talkdown"},"payload":{"eventName":"getIceServers"}}`}, []string{"authorized"}, "invalidRequest"},
		{"unknown device", []string{auth, strings.Replace(getICE, "lobby", "attic", 1)}, []string{"authorized"}, "resourceNotFound"},
		{"create before ice servers", []string{auth, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"createSession","eventData":{"deviceId":"lobby","sessionDescription":{"type":"offer","sdp":"v=0"},"mediaType":"halfDuplex"}}}`}, []string{"authorized"}, "invalidRequest"},
		{"candidates before create", []string{auth, getICE, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"iceCandidates","eventData":{"iceCandidates":[{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}]}}}`}, []string{"authorized", "iceServers"}, "invalidRequest"},
		{"wrong media type", []string{auth, getICE, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"createSession","eventData":{"deviceId":"lobby","sessionDescription":{"type":"offer","sdp":"v=0\r\n"},"mediaType":"fullDuplex"}}}`}, []string{"authorized", "iceServers"}, "invalidRequest"},
		{"deviceId differs from routeHint", []string{auth, getICE, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"createSession","eventData":{"deviceId":"gate","sessionDescription":{"type":"offer","sdp":"v=0\r\n"},"mediaType":"halfDuplex"}}}`}, []string{"authorized", "iceServers"}, "invalidRequest"},
		{"an answer for an offer", []string{auth, getICE, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"createSession","eventData":{"deviceId":"lobby","sessionDescription":{"type":"answer","sdp":"v=0\r\n"},"mediaType":"halfDuplex"}}}`}, []string{"authorized", "iceServers"}, "invalidRequest"},
		{"unknown field", []string{auth, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"getIceServers","extra":1}}`}, []string{"authorized"}, "invalidRequest"},
		{"unknown event", []string{auth, `{"destination":{"type":"service","id":"talkdown","routeHint":"lobby"},"payload":{"eventName":"hello"}}`}, []string{"authorized"}, "invalidRequest"},
		{"not json", []string{auth, `hello`}, []string{"authorized"}, "invalidRequest"},
		{"busy speaker", []string{auth, strings.Replace(getICE, "lobby", "dock", 1), `{"destination":{"type":"service","id":"talkdown","routeHint":"dock"},"payload":{"eventName":"createSession","eventData":{"deviceId":"dock","sessionDescription":{"type":"offer","sdp":"v=0\r\n"},"mediaType":"audio"}}}`}, []string{"authorized", "iceServers"}, "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := dial(t, s)
			defer ws.Close()
			for _, m := range tc.sends {
				send(t, ws, m)
			}
			for _, w := range tc.wants {
				if e, ok := next(t, ws, 2*time.Second); !ok || e.name != w {
					t.Fatalf("got %+v, want %s", e, w)
				}
			}
			e, ok := next(t, ws, time.Second)
			if tc.reason == "" {
				if ok {
					t.Fatalf("unexpected %+v", e)
				}
				return
			}
			if !ok || e.name != "error" || e.reason != tc.reason {
				t.Fatalf("got %+v (%v), want error %s", e, ok, tc.reason)
			}
			if _, ok := next(t, ws, time.Second); ok {
				t.Fatal("the socket stayed open after the error")
			}
		})
	}
}

func TestFeeds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := start(t, Config{Token: "good"})
	defer s.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	get := func(query, token string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, s.Endpoint()+"/api/v3.0/feeds"+query, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %s", query, b)
		}
		return resp.StatusCode, m
	}
	for _, tc := range []struct {
		name, query, token string
		code, results      int
		next, url          bool
	}{
		{"no token", "", "", 401, 0, false, false},
		{"wrong token", "", "bad", 401, 0, false, false},
		{"first page", "?include=webRtcUrl", "good", 200, 2, true, true},
		{"without include", "?pageSize=100", "good", 200, 5, false, false},
		{"one device", "?include=webRtcUrl&deviceId=gate", "good", 200, 2, false, true},
		{"bad page size", "?pageSize=0", "good", 400, 0, false, false},
		{"bad page token", "?pageToken=zz", "good", 400, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := get(tc.query, tc.token)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %v", code, tc.code, m)
			}
			if code != 200 {
				if m["message"] == "" {
					t.Error("an error without a message")
				}
				return
			}
			res, _ := m["results"].([]any)
			if len(res) != tc.results || (m["nextPageToken"] != "") != tc.next {
				t.Fatalf("%d results, next %q", len(res), m["nextPageToken"])
			}
			_, hasURL := res[0].(map[string]any)["webRtcUrl"]
			if hasURL != tc.url {
				t.Errorf("webRtcUrl present %v, want %v", hasURL, tc.url)
			}
		})
	}
}
