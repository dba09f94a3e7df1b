package demo

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// faults are the switches a test (or `lookout demo`) uses to make a camera
// misbehave the way real ones do. The zero value is a healthy camera.
type faults struct {
	// hung: the camera stops sending video, its connection stays up.
	hung atomic.Bool
	// noKey: the camera never sends a keyframe, only the pictures between.
	noKey atomic.Bool
	// downUntil: a rebooting camera stays off its broker until then (unix ns).
	downUntil atomic.Int64
	// kick drops the camera's MQTT connection at once.
	kick chan struct{}
	// path cuts the camera's ICE/UDP path (blackhole.go).
	path pathCut
}

// Hang makes the camera stop (on) or resume (off) sending video while its
// connections stay up, as a camera whose encoder froze does.
func (c *CameraSim) Hang(on bool) { c.fault.hung.Store(on) }

// WithholdKeyframes makes the camera send only the pictures between
// keyframes (on), whatever keyframe requests it gets, so no viewer can start
// decoding; off restores keyframes.
func (c *CameraSim) WithholdKeyframes(on bool) { c.fault.noKey.Store(on) }

// Reboot hangs up every viewer and takes the camera off its broker for down,
// as a power cycle does; then it reconnects and answers offers again.
func (c *CameraSim) Reboot(down time.Duration) {
	if !c.online {
		return
	}
	c.fault.downUntil.Store(time.Now().Add(down).UnixNano())
	select {
	case c.fault.kick <- struct{}{}:
	default:
	}
	c.mu.Lock()
	vs := make([]*viewer, 0, len(c.viewers))
	for _, v := range c.viewers {
		vs = append(vs, v)
	}
	c.mu.Unlock()
	for _, v := range vs {
		v.close()
	}
}

// rebooting returns how long the camera still stays off its broker.
func (c *CameraSim) rebooting() time.Duration {
	return time.Until(time.Unix(0, c.fault.downUntil.Load()))
}

// sendable filters the feed's access units through the fault switches: it
// reports whether au goes out, and whether it starts waiting viewers (a
// keyframe normally; any picture while keyframes are withheld, so viewers
// get pictures they cannot decode and ask for keyframes, as with a real
// camera that lost its keyframe).
func (c *CameraSim) sendable(key bool) (send, start bool) {
	switch {
	case c.fault.hung.Load():
		return false, false
	case c.fault.noKey.Load():
		return !key, !key
	}
	return true, key
}

// RebootAll reboots every camera of the site at once; each stays off its
// broker for down.
func (s *Site) RebootAll(down time.Duration) {
	for _, c := range s.cams {
		c.Reboot(down)
	}
}

// ForgetViewers makes the cloud forget every MQTT client it handed
// credentials to, as after a restart of Tuya's side: connected viewers stay
// connected, but what they publish goes nowhere until they fetch new
// credentials (access/config) and reconnect with them.
func (s *Site) ForgetViewers() { s.api.creds.forgetViewers() }

// RestartBroker stops the embedded MQTT broker, keeps it down for down and
// starts it again on the same address; every client must reconnect.
func (s *Site) RestartBroker(down time.Duration) error {
	s.brokerMu.Lock()
	defer s.brokerMu.Unlock()
	if s.broker == nil {
		return errors.New("demo: no embedded broker to restart")
	}
	addr := s.broker.addr
	if err := s.broker.close(); err != nil {
		return err
	}
	time.Sleep(down)
	var err error
	for range 50 { // the old listener's port may take a moment to free
		var b *broker
		if b, err = startBroker(addr, s.auth.serverTLS(), s.creds, s.log); err == nil {
			s.broker = b
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// ExpireCredentials makes every access token, refresh token and viewer MQTT
// credential the site handed out invalid at once, as after a machine slept
// past their lifetimes: the OpenAPI then answers "token invalid" (1010)
// and the broker drops what the old MQTT clients publish (ForgetViewers).
func (s *Site) ExpireCredentials() {
	s.api.mu.Lock()
	clear(s.api.tokens)
	clear(s.api.refresh)
	s.api.mu.Unlock()
	s.ForgetViewers()
}

// HandOutPlainBroker makes access/config hand out a broker URL that is not
// TLS, scheme://HOST:PORT ("tcp", "mqtt" or "ws"), as a misconfigured or
// downgraded cloud might; "" hands out the TLS broker again. The URL leads
// to a plain-TCP listener of the embedded broker that accepts the same
// credentials, so a client that follows it would send them in clear and
// work; PlainBrokerConnections counts who did. It returns the URL.
func (s *Site) HandOutPlainBroker(scheme string) (string, error) {
	if scheme == "" {
		s.api.plainURL.Store(nil)
		return s.brokerURL, nil
	}
	s.brokerMu.Lock()
	defer s.brokerMu.Unlock()
	if s.broker == nil {
		return "", errors.New("demo: no embedded broker to open a plain listener on")
	}
	if s.broker.plain == nil {
		host, _, err := net.SplitHostPort(s.broker.addr)
		if err != nil {
			return "", fmt.Errorf("demo: plain mqtt listener: %w", err)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", fmt.Errorf("demo: plain mqtt listener: %w", err)
		}
		cl := &countingListener{Listener: ln}
		srv := s.broker.srv
		if err := srv.AddListener(&closingListener{Listener: listeners.NewNet("plain", cl), srv: srv}); err != nil {
			_ = ln.Close()
			return "", fmt.Errorf("demo: plain mqtt listener: %w", err)
		}
		srv.Listeners.Serve("plain", srv.EstablishConnection)
		s.broker.plain = cl
	}
	u := scheme + "://" + advertise(s.broker.plain.Addr().String())
	s.api.plainURL.Store(&u)
	return u, nil
}

// PlainBrokerConnections is how many TCP connections the plain listener of
// HandOutPlainBroker accepted.
func (s *Site) PlainBrokerConnections() int {
	s.brokerMu.Lock()
	defer s.brokerMu.Unlock()
	if s.broker == nil || s.broker.plain == nil {
		return 0
	}
	return int(s.broker.plain.accepted.Load())
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

// Accept implements net.Listener.
func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}
