package demo

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// mqttCred is one set of MQTT credentials the site accepts: issued by
// open-hub/access/config for a viewer (camera nil), or a camera's own.
type mqttCred struct {
	username, password, clientID string
	source                       string    // the viewer's source topic (/av/u/<id>)
	expires                      time.Time // zero for cameras
	camera                       *CameraSim
	// forgotten: the cloud lost these credentials (faults.go): the client
	// stays connected but what it publishes is dropped unseen.
	forgotten atomic.Bool
}

// credStore holds the credentials the embedded broker accepts.
type credStore struct {
	mu     sync.Mutex
	byUser map[string]*mqttCred
}

func newCredStore() *credStore {
	return &credStore{byUser: map[string]*mqttCred{}}
}

// add stores c and forgets expired viewer credentials.
func (s *credStore) add(c *mqttCred) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for u, old := range s.byUser {
		if !old.expires.IsZero() && now.After(old.expires) {
			delete(s.byUser, u)
		}
	}
	s.byUser[c.username] = c
}

// forgetViewers forgets the credentials of every viewer (not the cameras').
func (s *credStore) forgetViewers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.byUser {
		if c.camera == nil {
			c.forgotten.Store(true)
		}
	}
}

// lookup returns the unexpired credentials of username, or nil.
func (s *credStore) lookup(username string) *mqttCred {
	s.mu.Lock()
	c := s.byUser[username]
	s.mu.Unlock()
	if c == nil || (!c.expires.IsZero() && time.Now().After(c.expires)) {
		return nil
	}
	return c
}

// authHook is the embedded broker's authentication and ACL: only
// credentials issued by access/config (until they expire) and the cameras'
// own are accepted; a viewer may subscribe only to its source topic and
// publish only to sink topics (/av/moto/<moto_id>/u/<device_id>); a camera
// may subscribe only to its own sink topic and publish only to viewers'
// topics (/av/u/<id>).
type authHook struct {
	mqtt.HookBase
	creds *credStore
	log   *slog.Logger
}

// ID names the hook.
func (h *authHook) ID() string { return "lookout-demo-auth" }

// Provides says the hook authenticates and authorises.
func (h *authHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck || b == mqtt.OnPublish
}

// OnPublish drops, unseen and unacknowledged, what clients with forgotten
// credentials publish.
func (h *authHook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if c := h.creds.lookup(string(cl.Properties.Username)); c != nil && c.forgotten.Load() {
		return pk, packets.ErrRejectPacket
	}
	return pk, nil
}

// OnConnectAuthenticate accepts known, unexpired credentials presented with
// the client id they were issued for.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	c := h.creds.lookup(string(pk.Connect.Username))
	ok := c != nil && !c.forgotten.Load() &&
		subtle.ConstantTimeCompare([]byte(c.password), pk.Connect.Password) == 1 &&
		c.clientID == pk.Connect.ClientIdentifier
	if !ok {
		h.log.Info("demo mqtt: refused connection", "client_id", pk.Connect.ClientIdentifier, "remote", cl.Net.Remote)
	}
	return ok
}

// OnACLCheck enforces the topic rules.
func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	c := h.creds.lookup(string(cl.Properties.Username))
	if c == nil || c.clientID != cl.ID {
		return false
	}
	if c.camera != nil {
		if write {
			return viewerTopic(topic)
		}
		return topic == c.camera.topic
	}
	if write {
		return sinkTopic(topic)
	}
	return topic == c.source
}

// viewerTopic reports whether topic is /av/u/<id>.
func viewerTopic(topic string) bool {
	id, ok := strings.CutPrefix(topic, "/av/u/")
	return ok && id != "" && !strings.ContainsAny(id, "/+#")
}

// sinkTopic reports whether topic is /av/moto/<moto_id>/u/<device_id>.
func sinkTopic(topic string) bool {
	p := strings.Split(topic, "/")
	return len(p) == 6 && p[0] == "" && p[1] == "av" && p[2] == "moto" && p[3] != "" &&
		p[4] == "u" && p[5] != "" && !strings.ContainsAny(topic, "+#")
}

// broker is the embedded mochi-mqtt broker.
type broker struct {
	srv  *mqtt.Server
	addr string
	// plain is the plain-TCP listener of HandOutPlainBroker, or nil.
	plain *countingListener
}

// startBroker starts a TLS MQTT broker on addr (host:0 for a free port).
func startBroker(addr string, tlsConf *tls.Config, creds *credStore, log *slog.Logger) (*broker, error) {
	srv := mqtt.New(&mqtt.Options{Logger: slog.New(demoted{log.Handler()}).With("component", "mqtt")})
	if err := srv.AddHook(&authHook{creds: creds, log: log}, nil); err != nil {
		return nil, fmt.Errorf("demo: mqtt hook: %w", err)
	}
	l := &closingListener{Listener: listeners.NewTCP(listeners.Config{ID: "tls", Address: addr, TLSConfig: tlsConf}), srv: srv}
	if err := srv.AddListener(l); err != nil {
		return nil, fmt.Errorf("demo: mqtt listen: %w", err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("demo: mqtt serve: %w", err)
	}
	return &broker{srv: srv, addr: l.Address()}, nil
}

// closingListener is mochi's TCP listener with another way of closing its
// clients. mochi v2.7.9 closes them through Clients.GetByListener, which
// read-locks the client list twice over (it calls Len inside its own
// RLock): a client connecting at that moment queues a write lock between
// the two, and Server.Close hangs for ever (seen in the window tests, with
// a camera reconnecting while the site closed). This one lists the clients
// under a single read lock.
type closingListener struct {
	listeners.Listener
	srv *mqtt.Server
}

// Close implements listeners.Listener.
func (l *closingListener) Close(listeners.CloseFn) {
	l.Listener.Close(func(id string) {
		for _, cl := range l.srv.Clients.GetAll() {
			if cl.Net.Listener == id && !cl.Closed() {
				_ = l.srv.DisconnectClient(cl, packets.ErrServerShuttingDown)
			}
		}
	})
}

// url returns the broker's address as Tuya hands it out.
func (b *broker) close() error { return b.srv.Close() }

// demoted lowers every record one level (warn to info, info to debug): mochi
// logs each connection a client drops, which on a demo site is routine.
type demoted struct{ h slog.Handler }

func (d demoted) Enabled(ctx context.Context, l slog.Level) bool {
	return d.h.Enabled(ctx, l-4)
}

func (d demoted) Handle(ctx context.Context, r slog.Record) error {
	r.Level -= 4
	return d.h.Handle(ctx, r)
}

func (d demoted) WithAttrs(a []slog.Attr) slog.Handler { return demoted{d.h.WithAttrs(a)} }
func (d demoted) WithGroup(n string) slog.Handler      { return demoted{d.h.WithGroup(n)} }
