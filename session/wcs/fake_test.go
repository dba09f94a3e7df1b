package wcs_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lookout-app/lookout/session/wcs"
)

// logBuffer is a slog handler keeping records for the test.
type logBuffer struct {
	mu   sync.Mutex
	recs []string
}

func (b *logBuffer) Enabled(context.Context, slog.Level) bool { return true }
func (b *logBuffer) Handle(_ context.Context, r slog.Record) error {
	var sb strings.Builder
	sb.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		sb.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	b.mu.Lock()
	b.recs = append(b.recs, sb.String())
	b.mu.Unlock()
	return nil
}
func (b *logBuffer) WithAttrs([]slog.Attr) slog.Handler { return b }
func (b *logBuffer) WithGroup(string) slog.Handler      { return b }

func (b *logBuffer) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.recs...)
}

func (b *logBuffer) has(prefix, contains string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.recs {
		if strings.HasPrefix(r, prefix) && strings.Contains(r, contains) {
			return true
		}
	}
	return false
}

// TestUnknownAndMalformedMessagesIgnored runs a scripted server that greets
// the client, then sends a message the client does not know, a malformed
// one and a ping before it answers availableStream: the client logs the
// first at debug, the second as a warning, answers the ping and lists the
// stream.
func TestUnknownAndMalformedMessagesIgnored(t *testing.T) {
	up := websocket.Upgrader{}
	pong := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		if _, _, err := c.ReadMessage(); err != nil { // connection
			return
		}
		for _, m := range []string{
			`{"message":"getUserData","data":[{"status":"ESTABLISHED"}]}`,
			`{"message":"getVersion","data":["5.2.1"]}`,
			`{"message":"notifySomethingNew","data":[{"x":1}]}`,
			`{"message":"setRemoteSDP","data":[42]}`,
			`{"message":"ping","data":[]}`,
		} {
			if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
				return
			}
		}
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			s := string(b)
			switch {
			case strings.Contains(s, `"pong"`):
				select {
				case pong <- s:
				default:
				}
			case strings.Contains(s, `"availableStream"`):
				i := strings.Index(s, `"mediaSessionId":"`) + len(`"mediaSessionId":"`)
				id := s[i : i+strings.Index(s[i:], `"`)]
				_ = c.WriteMessage(websocket.TextMessage, []byte(`{"message":"availableStream","data":[{"status":true,"id":"`+id+`"}]}`))
			}
		}
	}))
	defer srv.Close()
	logs := &logBuffer{}
	c, err := wcs.New(wcs.Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Streams: []string{"cam1"}, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	devs, err := c.Devices(ctx)
	if err != nil || len(devs) != 1 || !devs[0].Online {
		t.Fatalf("Devices = %+v, %v; want cam1 online", devs, err)
	}
	select {
	case p := <-pong:
		if p != `{"message":"pong","data":[null]}` {
			t.Fatalf("pong = %s", p)
		}
	case <-ctx.Done():
		t.Fatal("no pong")
	}
	if !logs.has("DEBUG wcs: unknown message ignored", "notifySomethingNew") {
		t.Errorf("the unknown message was not logged at debug: %q", logs.all())
	}
	if !logs.has("WARN wcs: malformed message ignored", "setRemoteSDP") {
		t.Errorf("the malformed message was not logged: %q", logs.all())
	}
}

// TestAvailabilityAskedAgain counts the availableStream questions of a
// client asking every 100 ms: rounds keep coming, and after the server
// drops the connection the new one starts with a round of its own.
func TestAvailabilityAskedAgain(t *testing.T) {
	up := websocket.Upgrader{}
	type question struct{ conn, name string }
	questions := make(chan question, 256)
	var conns sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conns.Add(1)
		defer conns.Done()
		defer c.Close()
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"message":"getUserData","data":[{"status":"ESTABLISHED"}]}`))
		asked := 0
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			s := string(b)
			if !strings.Contains(s, `"availableStream"`) {
				continue
			}
			i := strings.Index(s, `"mediaSessionId":"`) + len(`"mediaSessionId":"`)
			id := s[i : i+strings.Index(s[i:], `"`)]
			j := strings.Index(s, `"name":"`) + len(`"name":"`)
			select {
			case questions <- question{r.RemoteAddr, s[j : j+strings.Index(s[j:], `"`)]}:
			default:
			}
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"message":"availableStream","data":[{"status":"true","id":"`+id+`"}]}`))
			if asked++; asked == 6 && strings.HasSuffix(r.URL.Path, "/") {
				return // the first connection is dropped after three rounds
			}
		}
	}))
	defer func() {
		srv.Close()
		conns.Wait()
	}()
	c, err := wcs.New(wcs.Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/", Streams: []string{"a", "b"}, AvailabilityEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Devices(ctx); err != nil {
		t.Fatal(err)
	}
	perConn := map[string]int{}
	var order []string
	for len(order) < 2 || perConn[order[1]] < 2 {
		select {
		case q := <-questions:
			if perConn[q.conn] == 0 {
				order = append(order, q.conn)
			}
			perConn[q.conn]++
		case <-ctx.Done():
			t.Fatalf("questions per connection %v: want 6 on the first (3 rounds of 2 streams) and a round on the second", perConn)
		}
	}
	if perConn[order[0]] != 6 {
		t.Fatalf("first connection got %d questions, want 6", perConn[order[0]])
	}
}
