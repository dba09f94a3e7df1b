package tuya

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"go.uber.org/goleak"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// serveBroker starts a TLS mochi broker (tc) with the fake cameras on addr
// ("127.0.0.1:0" for any port). stop shuts it down and may be called more
// than once; the test's cleanup calls it too.
func serveBroker(t *testing.T, addr string, tc *tls.Config) (b *broker, stop func(), err error) {
	t.Helper()
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Logger: discard})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, nil, err
	}
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	ln := tls.NewListener(tcp, tc)
	l := listeners.NewNet("t", ln)
	if err := srv.AddListener(l); err != nil {
		ln.Close()
		return nil, nil, err
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			// mochi drops its clients before it closes the listener: a
			// client quick to redial would get in between. Close the
			// listener first.
			ln.Close()
			srv.Close()
		})
	}
	t.Cleanup(stop)
	if err := srv.Serve(); err != nil {
		stop()
		return nil, nil, err
	}
	b = &broker{srv: srv, addr: l.Address(), got: make(chan *Message, 64)}
	for i, id := range []string{camAnswer, camHangup, camSilent} {
		id := id
		err := srv.Subscribe("/av/moto/moto_test/u/"+id, i+1, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
			b.camera(id, pk.Payload)
		})
		if err != nil {
			stop()
			return nil, nil, err
		}
	}
	return b, stop, nil
}

// setURL points the fake's next MQTT configs at url.
func (f *fakeTuya) setURL(url string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mqttURL = url
}

// waitUntil polls cond every 5 ms until it holds or d passes, and returns
// when it first saw it hold.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Now()
}

// linkID returns the MQTT client id of c's current connection, "" if none.
// The broker sees a client before the Client has subscribed and switched
// to it.
func linkID(c *Client) string {
	if l := c.link.Load(); l != nil {
		return l.cfg.ClientID
	}
	return ""
}

// waitConfigs waits for the fake to have issued n MQTT configs, and returns
// when it saw the n-th.
func waitConfigs(t *testing.T, f *fakeTuya, n int32, d time.Duration) time.Time {
	t.Helper()
	return waitUntil(t, d, "fewer MQTT configs than wanted", func() bool { return f.mqttConfigs.Load() >= n })
}

// exchangeOK opens a call to camAnswer and exchanges an offer for the
// camera's answer; the call is returned open.
func exchangeOK(t *testing.T, c *Client, b *broker) *Call {
	t.Helper()
	ctx := testCtx(t)
	sc, err := c.Open(ctx, camAnswer, session.QualityMain)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { sc.Close() })
	answer, err := sc.Exchange(ctx, "v=0\r\n")
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if answer != cannedSDP {
		t.Fatalf("answer %q", answer)
	}
	call := sc.(*Call)
	if m := nextGot(t, b, TypeOffer); m.Data.Header.SessionID != call.hdr.SessionID {
		t.Fatalf("the camera got the offer of session %s, want %s", m.Data.Header.SessionID, call.hdr.SessionID)
	}
	return call
}

// drain empties the camera's inbox.
func drain(b *broker) {
	for {
		select {
		case <-b.got:
		default:
			return
		}
	}
}

// TestReconnectAfterKick: when the broker drops the client, it fetches a
// new MQTT config (fresh credentials, a new client id), connects with it,
// and calls old and new work over the new connection.
func TestReconnectAfterKick(t *testing.T) {
	tests := []struct {
		name string
		kick func(b *broker, cl *mqtt.Client)
	}{
		{"connection closed", func(_ *broker, cl *mqtt.Client) { cl.Stop(errors.New("kicked by test")) }},
		{"server disconnect", func(b *broker, cl *mqtt.Client) { _ = b.srv.DisconnectClient(cl, packets.ErrAdministrativeAction) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, b := setup(t, true)
			c := newTestClient(t, f, nil)
			ctx := testCtx(t)
			old := exchangeOK(t, c, b)
			if n := f.mqttConfigs.Load(); n != 1 {
				t.Fatalf("%d MQTT configs before the kick, want 1", n)
			}
			cl, ok := b.srv.Clients.Get("cloud_1")
			if !ok || cl.Closed() {
				t.Fatal("cloud_1 is not connected")
			}
			tc.kick(b, cl)
			waitUntil(t, 5*time.Second, "not reconnected as cloud_2", func() bool {
				return linkID(c) == "cloud_2" && b.connected("cloud_2") && !b.connected("cloud_1")
			})
			if n := f.mqttConfigs.Load(); n != 2 {
				t.Fatalf("%d MQTT configs after one kick, want 2", n)
			}
			select {
			case <-old.Done():
				t.Fatalf("the open call was hung up by the reconnection: %v", old.Err())
			default:
			}

			// The call opened before the kick publishes on the new link.
			drain(b)
			if err := old.SendCandidate(ctx, webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 5 127.0.0.1 9 typ host"}); err != nil {
				t.Fatalf("SendCandidate on the old call: %v", err)
			}
			if m := nextGot(t, b, TypeCandidate); m.Data.Header.SessionID != old.hdr.SessionID {
				t.Fatalf("candidate of session %s", m.Data.Header.SessionID)
			}

			// A new call works end to end (answer routed back over the new
			// subscription) and needs no other config.
			nc := exchangeOK(t, c, b)
			if nc.hdr.From != "msid1" {
				t.Fatalf("new call from %q", nc.hdr.From)
			}
			if n := f.mqttConfigs.Load(); n != 2 {
				t.Fatalf("%d MQTT configs after the new call, want 2", n)
			}
		})
	}
}

// TestReconnectBrokerDown: while the broker is down the client retries, each
// time with a fresh config, waiting 1 s then 2 s; once the broker is back
// it reconnects and calls work again.
func TestReconnectBrokerDown(t *testing.T) {
	f := newFakeTuya(t)
	f.configs[camAnswer] = webrtcConfig(camAnswer, true)
	b, stop, err := serveBroker(t, "127.0.0.1:0", f.brokerTLS())
	if err != nil {
		t.Fatal(err)
	}
	f.setURL("ssl://" + b.addr)
	c := newTestClient(t, f, nil)
	failed := &countingHandler{msg: "tuya: mqtt: reconnecting failed; will retry"}
	c.log = slog.New(failed)
	exchangeOK(t, c, b)

	stop()
	a1 := waitConfigs(t, f, 2, 5*time.Second) // at once
	a2 := waitConfigs(t, f, 3, 5*time.Second) // after 1 s
	if d := a2.Sub(a1); d < 900*time.Millisecond {
		t.Fatalf("second retry %s after the first, want about 1 s", d)
	}
	// Restart only once the second retry has failed, or it could connect.
	waitUntil(t, 5*time.Second, "the second retry did not fail", func() bool { return failed.n.Load() >= 2 })
	if b.connected("cloud_2") || b.connected("cloud_3") {
		t.Fatal("connected to a stopped broker")
	}

	// Back up on the same address if it is still free, else elsewhere: the
	// next config carries the URL either way.
	nb, _, err := serveBroker(t, b.addr, f.brokerTLS())
	if err != nil {
		t.Logf("cannot listen on %s again (%v); using a new port", b.addr, err)
		if nb, _, err = serveBroker(t, "127.0.0.1:0", f.brokerTLS()); err != nil {
			t.Fatal(err)
		}
		f.setURL("ssl://" + nb.addr)
	}
	a3 := waitConfigs(t, f, 4, 10*time.Second) // after 2 s more
	if d := a3.Sub(a2); d < 1900*time.Millisecond {
		t.Fatalf("third retry %s after the second, want about 2 s", d)
	}
	waitUntil(t, 5*time.Second, "not reconnected as cloud_4", func() bool {
		return linkID(c) == "cloud_4" && nb.connected("cloud_4")
	})
	exchangeOK(t, c, nb)
	if n := f.mqttConfigs.Load(); n != 4 {
		t.Fatalf("%d MQTT configs, want 4", n)
	}
}

// countingHandler is a slog.Handler that counts the records with one
// message.
type countingHandler struct {
	msg string
	n   atomic.Int32
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return nil
}

func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// silentBroker accepts TLS connections and never answers, so a CONNECT to
// it hangs until paho's connect timeout.
type silentBroker struct {
	l        net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted chan struct{}
	done     chan struct{}
}

func newSilentBroker(t *testing.T, tc *tls.Config) *silentBroker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentBroker{l: l, accepted: make(chan struct{}, 16), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			// The handshake completes; then nothing more is said.
			tconn := tls.Server(conn, tc)
			_ = tconn.SetDeadline(time.Now().Add(5 * time.Second))
			hsErr := tconn.Handshake()
			_ = tconn.SetDeadline(time.Time{})
			if hsErr != nil {
				conn.Close()
				continue
			}
			s.mu.Lock()
			s.conns = append(s.conns, conn)
			s.mu.Unlock()
			select {
			case s.accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, conn := range s.conns {
			conn.Close()
		}
	})
	return s
}

// TestReconnectCloseDuringRetry: Close while the client is redialing returns
// promptly and leaves no goroutine of the client or of paho behind.
func TestReconnectCloseDuringRetry(t *testing.T) {
	tests := []struct {
		name string
		// down takes the broker away and returns once the client is
		// retrying.
		down func(t *testing.T, f *fakeTuya, stop func(), silent *silentBroker)
	}{
		{"waiting out the backoff", func(t *testing.T, f *fakeTuya, stop func(), _ *silentBroker) {
			stop()
			waitConfigs(t, f, 3, 5*time.Second) // two failures: now in a 2 s wait
			time.Sleep(100 * time.Millisecond)
		}},
		{"connecting to a silent broker", func(t *testing.T, f *fakeTuya, stop func(), silent *silentBroker) {
			f.setURL("ssl://" + silent.l.Addr().String())
			stop()
			select {
			case <-silent.accepted: // CONNECT sent, no CONNACK coming
			case <-time.After(5 * time.Second):
				t.Fatal("the client did not redial")
			}
			time.Sleep(100 * time.Millisecond)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeTuya(t)
			f.configs[camAnswer] = webrtcConfig(camAnswer, true)
			b, stop, err := serveBroker(t, "127.0.0.1:0", f.brokerTLS())
			if err != nil {
				t.Fatal(err)
			}
			f.setURL("ssl://" + b.addr)
			silent := newSilentBroker(t, f.brokerTLS())
			before := goleak.IgnoreCurrent()

			c := newTestClient(t, f, nil)
			call := exchangeOK(t, c, b)
			tc.down(t, f, stop, silent)

			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- c.Close() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Close: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not return within 5 s")
			}
			// A stuck connect would hold Close for its 10 s timeout.
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Close took %s during a retry", d)
			}
			select {
			case <-call.Done():
			default:
				t.Fatal("Close did not hang up the call")
			}
			n := f.mqttConfigs.Load()
			f.srv.Client().CloseIdleConnections()
			goleak.VerifyNone(t, before)
			time.Sleep(1200 * time.Millisecond) // longer than the first backoff
			if m := f.mqttConfigs.Load(); m != n {
				t.Fatalf("%d more MQTT configs fetched after Close", m-n)
			}
		})
	}
}

// TestReconnectCloseDuringFirstDial: Close while Open is connecting to a
// broker that never answers returns promptly, fails the Open, and leaves
// no goroutine behind.
func TestReconnectCloseDuringFirstDial(t *testing.T) {
	f := newFakeTuya(t)
	f.configs[camAnswer] = webrtcConfig(camAnswer, true)
	silent := newSilentBroker(t, f.brokerTLS())
	f.setURL("ssl://" + silent.l.Addr().String())
	before := goleak.IgnoreCurrent()

	c := newTestClient(t, f, nil)
	opened := make(chan error, 1)
	go func() {
		_, err := c.Open(testCtx(t), camAnswer, session.QualityMain)
		opened <- err
	}()
	select {
	case <-silent.accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("Open did not dial the broker")
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %s while Open was connecting", d)
	}
	select {
	case err := <-opened:
		if err == nil {
			t.Fatal("Open succeeded against a silent broker")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open did not return after Close")
	}
	f.srv.Client().CloseIdleConnections()
	goleak.VerifyNone(t, before)
}
