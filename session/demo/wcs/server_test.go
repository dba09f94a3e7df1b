package wcs

import (
	"encoding/json"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func start(t *testing.T, ping time.Duration) *Server {
	t.Helper()
	s, err := Start(Config{
		Streams:      []string{"cam1"},
		Draw:         func(*image.YCbCr, string, time.Time, int64) {},
		NewEncoder:   func(int, int, int) (Encoder, error) { return nil, errors.New("no encoder in this test") },
		PingInterval: ping,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func dial(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(s.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// next reads the next message's name and first data item.
func next(t *testing.T, c *websocket.Conn) (string, json.RawMessage, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		return "", nil, err
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("server sent %s: %v", b, err)
	}
	var first json.RawMessage
	if len(e.Data) > 0 {
		first = e.Data[0]
	}
	return e.Message, first, nil
}

const connectMsg = `{"message":"connection","data":[{"appKey":"defaultApp","mediaProviders":["WebRTC"],"clientVersion":"t","clientOSVersion":"t","clientBrowserVersion":"t"}]}`

// handshake connects and reads getUserData and getVersion.
func handshake(t *testing.T, c *websocket.Conn) {
	t.Helper()
	send(t, c, connectMsg)
	for _, want := range []string{"getUserData", "getVersion"} {
		name, data, err := next(t, c)
		if err != nil || name != want {
			t.Fatalf("got %s %s (%v), want %s", name, data, err, want)
		}
		if want == "getUserData" && !strings.Contains(string(data), `"status":"ESTABLISHED"`) {
			t.Fatalf("getUserData %s is not ESTABLISHED", data)
		}
	}
}

const offerNoCandidates = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\n"

func TestViolationsCloseTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name     string
		connect  bool
		msg      string
		violates string
	}{
		{"play before connection", false, `{"message":"playStream","data":[{"mediaSessionId":"a","name":"cam1","status":"PENDING","mediaProvider":"WebRTC","sdp":"v=0"}]}`, "playStream before connection"},
		{"unknown app", false, `{"message":"connection","data":[{"appKey":"otherApp","mediaProviders":["WebRTC"]}]}`, `connection: unknown appKey "otherApp"`},
		{"no WebRTC", false, `{"message":"connection","data":[{"appKey":"defaultApp","mediaProviders":["MSE"]}]}`, "connection: mediaProviders must include WebRTC"},
		{"connection twice", true, connectMsg, "connection sent twice"},
		{"not json", true, `{"message":`, "not a JSON message"},
		{"no data", true, `{"message":"pong"}`, "pong: no data array"},
		{"bad pong", true, `{"message":"pong","data":[1]}`, "pong: data must be [null]"},
		{"offer without candidates", true, `{"message":"playStream","data":[{"mediaSessionId":"a","name":"cam1","status":"PENDING","mediaProvider":"WebRTC","sdp":` + quote(offerNoCandidates) + `}]}`, "playStream: the offer carries no ICE candidates"},
		{"play not pending", true, `{"message":"playStream","data":[{"mediaSessionId":"a","name":"cam1","status":"PLAYING","mediaProvider":"WebRTC","sdp":"v=0"}]}`, `playStream: status must be PENDING, not "PLAYING"`},
		{"publish not published", true, `{"message":"publishStream","data":[{"mediaSessionId":"a","name":"x","status":"PENDING","mediaProvider":"WebRTC","hasAudio":true,"sdp":"v=0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n"}]}`, "publishStream: published must be true"},
		{"available without name", true, `{"message":"availableStream","data":[{"mediaSessionId":"a"}]}`, "availableStream: mediaSessionId and name are required"},
		{"two objects", true, `{"message":"stopStream","data":[{},{}]}`, "stopStream: data must hold one object, not 2 items"},
		{"unknown message", true, `{"message":"hello","data":[]}`, `unknown message "hello"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, time.Minute)
			c := dial(t, s)
			if tc.connect {
				handshake(t, c)
			}
			send(t, c, tc.msg)
			_, _, err := next(t, c)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != tc.violates {
				t.Fatalf("read = %v, want a policy-violation close saying %q", err, tc.violates)
			}
			if v := s.Violations(); len(v) != 1 || v[0] != tc.violates {
				t.Fatalf("Violations = %q", v)
			}
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestAvailabilityAndUnknownStream(t *testing.T) {
	s := start(t, time.Minute)
	c := dial(t, s)
	handshake(t, c)
	for _, tc := range []struct{ name, want string }{
		{"cam1", `{"id":"q-cam1","status":"true"}`},
		{"nope", `{"id":"q-nope","info":"Stream not found","status":"false"}`},
	} {
		send(t, c, `{"message":"availableStream","data":[{"mediaSessionId":"q-`+tc.name+`","name":"`+tc.name+`"}]}`)
		name, data, err := next(t, c)
		if err != nil || name != "availableStream" || string(data) != tc.want {
			t.Fatalf("%s: got %s %s (%v), want availableStream %s", tc.name, name, data, err, tc.want)
		}
	}
	offer := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n"
	send(t, c, `{"message":"playStream","data":[{"mediaSessionId":"p1","name":"nope","status":"PENDING","mediaProvider":"WebRTC","sdp":`+quote(offer)+`}]}`)
	name, data, err := next(t, c)
	if err != nil || name != "notifyStreamStatusEvent" {
		t.Fatalf("got %s %s (%v)", name, data, err)
	}
	var st struct{ MediaSessionID, Status, Info string }
	if err := json.Unmarshal(data, &st); err != nil || st.MediaSessionID != "p1" || st.Status != "FAILED" || st.Info != "Stream not found" {
		t.Fatalf("status %s, want p1 FAILED Stream not found", data)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Fatalf("Violations = %q", v)
	}
}

// TestSilentClientDropped: a client that answers pings stays, one that
// does not is dropped after the silence timeout.
func TestSilentClientDropped(t *testing.T) {
	s := start(t, 100*time.Millisecond)
	silent, polite := dial(t, s), dial(t, s)
	handshake(t, silent)
	handshake(t, polite)
	pings := 0
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		name, _, err := next(t, polite)
		if err != nil {
			t.Fatalf("the client answering pings was dropped: %v", err)
		}
		if name == "ping" {
			pings++
			send(t, polite, `{"message":"pong","data":[null]}`)
		}
	}
	if pings < 3 {
		t.Fatalf("%d pings in 1 s at a 100 ms interval", pings)
	}
	var err error
	for err == nil {
		_, _, err = next(t, silent)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Text != "no pong" {
		t.Fatalf("silent client: %v, want closed with 'no pong'", err)
	}
	for end := time.Now().Add(time.Second); s.Clients() > 1 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if s.Dropped() != 1 || s.Clients() != 1 {
		t.Fatalf("dropped %d, %d clients left; want 1 and 1", s.Dropped(), s.Clients())
	}
}
