package wcs_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
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

// scriptedPlay runs a server that answers one playStream with script
// (messages with MSID standing for the call's mediaSessionId) and reports
// every message the client sends after it on got.
func scriptedPlay(t *testing.T, script []string, got chan<- string) string {
	t.Helper()
	return scripted(t, "playStream", script, got)
}

// scripted runs a server that answers each message named on with script
// (MSID standing for the message's mediaSessionId) and reports every other
// message the client sends, but availableStream, on got.
func scripted(t *testing.T, on string, script []string, got chan<- string) string {
	t.Helper()
	up := websocket.Upgrader{}
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
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			s := string(b)
			if strings.Contains(s, `"availableStream"`) {
				continue
			}
			if strings.Contains(s, `"message":"`+on+`"`) {
				i := strings.Index(s, `"mediaSessionId":"`) + len(`"mediaSessionId":"`)
				id := s[i : i+strings.Index(s[i:], `"`)]
				for _, m := range script {
					_ = c.WriteMessage(websocket.TextMessage, []byte(strings.ReplaceAll(m, "MSID", id)))
				}
				continue
			}
			select {
			case got <- s:
			default:
			}
		}
	}))
	t.Cleanup(func() {
		srv.Close()
		conns.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// TestStreamStatuses plays against scripted servers: every status of the
// spec reaches the call's report with its info; the terminal ones end the
// call with the server's words and the matching sentinel, and a call the
// server did not end sends stopStream when closed.
func TestStreamStatuses(t *testing.T) {
	status := func(st, info string) string {
		return `{"message":"notifyStreamStatusEvent","data":[{"mediaSessionId":"MSID","name":"cam1","status":"` + st + `","info":"` + info + `"}]}`
	}
	const answer = `{"message":"setRemoteSDP","data":["MSID","v=0\r\nanswer\r\n",true]}`
	for _, tc := range []struct {
		name   string
		script []string
		ended  error  // nil: still playing
		reason string // of the end
		report session.ServerReport
	}{
		{"playing", []string{`{"message":"notifyAudioCodec","data":["MSID",{"name":"opus"}]}`, answer, status("PLAYING", ""),
			`{"message":"notifyVideoFormat","data":[{"streamerVideoWidth":320,"streamerVideoHeight":240,"mediaSessionId":"MSID","status":"RESIZE"}]}`,
			`{"message":"outboundVideoRate","data":[{"mediaSessionId":"MSID","videoRate":685256,"fps":30,"nack":1,"pli":13,"lostPackets":2,"width":640,"height":360}]}`},
			nil, "", session.ServerReport{Status: "PLAYING", AudioCodec: "opus", Width: 640, Height: 360, VideoKbps: 685.256, FPS: 30, NACK: 1, PLI: 13, Lost: 2}},
		{"pending", []string{answer, status("PENDING", "")}, nil, "", session.ServerReport{Status: "PENDING"}},
		{"playback problem", []string{answer, status("PLAYBACK_PROBLEM", "Packets lost")}, nil, "", session.ServerReport{Status: "PLAYBACK_PROBLEM", Info: "Packets lost"}},
		{"stopped", []string{answer, status("STOPPED", "Stopped by user")}, session.ErrHangup, "Stopped by user (STOPPED)", session.ServerReport{Status: "STOPPED", Info: "Stopped by user"}},
		{"unpublished", []string{answer, status("UNPUBLISHED", "Stopped by publisher stop")}, session.ErrHangup, "Stopped by publisher stop (UNPUBLISHED)", session.ServerReport{Status: "UNPUBLISHED", Info: "Stopped by publisher stop"}},
		{"failed", []string{answer, status("FAILED", "Restricted access")}, wcs.ErrPlayFailed, "Restricted access (FAILED)", session.ServerReport{Status: "FAILED", Info: "Restricted access"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 16)
			c, err := wcs.New(wcs.Config{URL: scriptedPlay(t, tc.script, got), Streams: []string{"cam1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			call, err := c.Open(ctx, "cam1", session.QualityMain)
			if err != nil {
				t.Fatal(err)
			}
			sdp, err := call.Exchange(ctx, "v=0\r\noffer\r\n")
			if err != nil || sdp != "v=0\r\nanswer\r\n" {
				t.Fatalf("Exchange = %q, %v", sdp, err)
			}
			h, report := call.Plan().Hangup, call.Plan().Report
			// The script's last message has arrived once the report shows it.
			for report() != tc.report && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			if r := report(); r != tc.report {
				t.Fatalf("report %+v, want %+v", r, tc.report)
			}
			if tc.ended == nil {
				select {
				case <-h.Done():
					t.Fatalf("ended: %v", h.Err())
				default:
				}
				if err := call.Close(); err != nil {
					t.Fatal(err)
				}
				select {
				case m := <-got:
					if !strings.HasPrefix(m, `{"message":"stopStream","data":[{"mediaSessionId":"`) || !strings.Contains(m, `"name":"cam1"`) {
						t.Fatalf("sent %s on close, want stopStream", m)
					}
				case <-ctx.Done():
					t.Fatal("no stopStream on close")
				}
				return
			}
			select {
			case <-h.Done():
			case <-ctx.Done():
				t.Fatal("the call did not end")
			}
			if err := h.Err(); !errors.Is(err, tc.ended) || session.Reason(err) != tc.reason {
				t.Fatalf("ended with %v (reason %q), want %v and %q", err, session.Reason(err), tc.ended, tc.reason)
			}
			_ = call.Close()
			select {
			case m := <-got:
				t.Fatalf("sent %s after the server ended the stream", m)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

// TestPublishCall publishes a talk stream against scripted servers: the
// call plans one send-only audio section (Opus, then G.711), sends
// publishStream with the offer under the talk stream's name and returns
// the server's answer; a stream the server keeps publishing is
// unpublished on close, one the server ends ends the call with the
// server's words and the matching sentinel.
func TestPublishCall(t *testing.T) {
	status := func(st, info string) string {
		return `{"message":"notifyStreamStatusEvent","data":[{"mediaSessionId":"MSID","name":"cam1-talk","published":true,"status":"` + st + `","info":"` + info + `"}]}`
	}
	const answer = `{"message":"setRemoteSDP","data":["MSID","v=0\r\nanswer\r\n",true]}`
	for _, tc := range []struct {
		name   string
		script []string
		ended  error  // nil: still publishing
		reason string // of the end
	}{
		{"publishing", []string{answer, status("PUBLISHING", "")}, nil, ""},
		{"unpublished", []string{answer, status("PUBLISHING", ""), status("UNPUBLISHED", "Stopped by server")}, session.ErrHangup, "Stopped by server (UNPUBLISHED)"},
		{"stopped", []string{answer, status("PUBLISHING", ""), status("STOPPED", "Stopped by user")}, session.ErrHangup, "Stopped by user (STOPPED)"},
		{"name taken", []string{answer, status("FAILED", "Stream with this name is already published")}, wcs.ErrPublishFailed, "Stream with this name is already published (FAILED)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 16)
			c, err := wcs.New(wcs.Config{URL: scripted(t, "publishStream", tc.script, got), Streams: []string{"cam1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			play, err := c.Open(ctx, "cam1", session.QualityMain)
			if err != nil {
				t.Fatal(err)
			}
			defer play.Close()
			call, err := play.Plan().Publish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			plan := call.Plan()
			if plan.Audio != webrtc.RTPTransceiverDirectionSendonly || plan.Video != webrtc.RTPTransceiverDirectionUnknown ||
				!slices.Equal(plan.AudioCodecs, []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMU, webrtc.MimeTypePCMA}) {
				t.Fatalf("publish plan %+v, want send-only audio, Opus then PCMU and PCMA, no video", plan)
			}
			sdp, err := call.Exchange(ctx, "v=0\r\noffer\r\n")
			if err != nil || sdp != "v=0\r\nanswer\r\n" {
				t.Fatalf("Exchange = %q, %v", sdp, err)
			}
			h := call.Plan().Hangup
			if tc.ended == nil {
				// PUBLISHING is the script's last message; a status
				// after it would have ended the call by now.
				select {
				case <-h.Done():
					t.Fatalf("ended: %v", h.Err())
				case <-time.After(200 * time.Millisecond):
				}
				if err := call.Close(); err != nil {
					t.Fatal(err)
				}
				select {
				case m := <-got:
					if !strings.HasPrefix(m, `{"message":"unPublishStream","data":[{"mediaSessionId":"`) || !strings.Contains(m, `"name":"cam1-talk","published":true`) {
						t.Fatalf("sent %s on close, want unPublishStream of cam1-talk", m)
					}
				case <-ctx.Done():
					t.Fatal("no unPublishStream on close")
				}
				return
			}
			select {
			case <-h.Done():
			case <-ctx.Done():
				t.Fatal("the publish call did not end")
			}
			if err := h.Err(); !errors.Is(err, tc.ended) || session.Reason(err) != tc.reason {
				t.Fatalf("ended with %v (reason %q), want %v and %q", err, session.Reason(err), tc.ended, tc.reason)
			}
			_ = call.Close()
			select {
			case m := <-got:
				t.Fatalf("sent %s after the server ended the stream", m)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}
