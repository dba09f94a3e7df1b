package tuya

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/lookout-app/lookout/session"
)

// MQTT timings.
const (
	connectTimeout = 10 * time.Second // TCP+TLS+CONNACK, and SUBACK
	quiesce        = 250              // ms a Disconnect may take
	renewFraction  = 0.8              // renew credentials at 80% of expire_time
	maxRenewDelay  = time.Minute      // retry cap after failed renewals
)

// mqttLink is one connection to Tuya's broker with the credentials it was
// opened with.
type mqttLink struct {
	client  paho.Client
	cfg     *MQTTConfig
	from    string    // the header's "from": the source topic after "/av/u/"
	renewAt time.Time // zero: the credentials do not expire
	dialed  time.Time // when the credentials were fetched
}

// ensureLink returns the shared MQTT connection, opening it on first use.
func (c *Client) ensureLink(ctx context.Context) (*mqttLink, error) {
	if l := c.link.Load(); l != nil {
		return l, nil
	}
	c.mqMu.Lock()
	defer c.mqMu.Unlock()
	if c.closed.Load() {
		return nil, fmt.Errorf("tuya: mqtt: %w", session.ErrClosed)
	}
	if l := c.link.Load(); l != nil {
		return l, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	unwatch := c.cancelOnStop(cancel)
	defer unwatch()
	l, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.link.Store(l)
	c.wg.Add(1)
	go c.renewLoop()
	return l, nil
}

// dial fetches MQTT credentials, connects and subscribes to the source topic.
func (c *Client) dial(ctx context.Context) (*mqttLink, error) {
	cfg, err := c.MQTTConfig(ctx)
	if err != nil {
		return nil, err
	}
	obtained := c.now()
	u, err := parseBrokerURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	// The spec's sample gives "/av/u/<id>"; the header's "from" is <id>
	// (spec 4.1).
	from, ok := strings.CutPrefix(cfg.SourceTopic.IPC, "/av/u/")
	if !ok {
		from = cfg.SourceTopic.IPC[strings.LastIndex(cfg.SourceTopic.IPC, "/")+1:]
	}
	if from == "" {
		return nil, fmt.Errorf("tuya: mqtt: %w: source topic %q has no id", ErrBadResponse, cfg.SourceTopic.IPC)
	}
	l := &mqttLink{cfg: cfg, from: from, dialed: obtained}
	if cfg.ExpireTime > 0 {
		life := time.Duration(float64(time.Duration(cfg.ExpireTime)*time.Second) * renewFraction)
		l.renewAt = obtained.Add(life)
	}

	opts := paho.NewClientOptions().
		AddBroker(cfg.URL).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(true).
		SetConnectTimeout(connectTimeout).
		SetWriteTimeout(connectTimeout).
		SetKeepAlive(60 * time.Second).
		SetPingTimeout(10 * time.Second).
		SetConnectRetry(false).
		// MQTT 3.1.1 only: paho's fallback to 3.1 after a failed attempt
		// doubles the wait on a broker that does not answer.
		SetProtocolVersion(4).
		// paho's own reconnect sleeps where Disconnect cannot wake it, and
		// would reuse credentials that may have expired: renewLoop redials
		// with fresh ones instead.
		SetAutoReconnect(false)
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.cfg.TLSConfig != nil {
		tc = c.cfg.TLSConfig.Clone()
	}
	tc.InsecureSkipVerify = false // verification is always on
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	opts.SetTLSConfig(tc)
	// paho cannot abort a connect in progress: the socket is ours, and is
	// closed if ctx ends before the link is up.
	var detachMu sync.Mutex
	var detach []func() bool
	opts.SetCustomOpenConnectionFn(func(bu *url.URL, o paho.ClientOptions) (net.Conn, error) {
		nc, err := (&net.Dialer{Timeout: connectTimeout}).DialContext(ctx, "tcp", bu.Host)
		if err != nil {
			return nil, err
		}
		detachMu.Lock()
		detach = append(detach, context.AfterFunc(ctx, func() { nc.Close() }))
		detachMu.Unlock()
		tc := tls.Client(nc, o.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return tc, nil
	})
	connected := func() bool {
		detachMu.Lock()
		defer detachMu.Unlock()
		ok := true
		for _, d := range detach {
			ok = d() && ok
		}
		return ok
	}
	topic := cfg.SourceTopic.IPC
	handler := func(_ paho.Client, m paho.Message) { c.route(m.Payload()) }
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		if c.link.Load() != l {
			return // an old link, already replaced
		}
		c.log.Warn("tuya: mqtt: connection lost; reconnecting", "err", err)
		select {
		case c.lost <- struct{}{}:
		default:
		}
	})
	cl := paho.NewClient(opts)
	l.client = cl

	where := u.Scheme + "://" + u.Host
	if err := waitToken(ctx, cl.Connect()); err != nil {
		c.discard(cl)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, packets.ErrorRefusedNotAuthorised) || errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) {
			return nil, fmt.Errorf("tuya: mqtt: broker %s refused the credentials: %w: %w", where, session.ErrUnauthorized, err)
		}
		return nil, fmt.Errorf("tuya: mqtt: cannot connect to broker %s: %w", where, err)
	}
	if err := waitToken(ctx, cl.Subscribe(topic, 1, handler)); err != nil {
		c.discard(cl)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("tuya: mqtt: subscribe on %s: %w", where, err)
	}
	if !connected() { // ctx ended: the socket is being closed
		c.discard(cl)
		return nil, ctx.Err()
	}
	c.log.Debug("tuya: mqtt: connected", "broker", where)
	return l, nil
}

// parseBrokerURL parses the broker URL access/config handed out. Only TLS
// schemes are accepted: Tuya's brokers are TLS (ssl://m1.tuyaus.com:8883),
// and a plain URL (tcp://, mqtt://, ws://) is a misconfigured or downgraded
// answer whose CONNECT would carry the password in clear, so it is refused
// with ErrInsecureBroker before any dial.
func parseBrokerURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tuya: mqtt: %w: broker url %q", ErrBadResponse, raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "ssl", "tls", "mqtts", "tcps":
		return u, nil
	case "tcp", "mqtt", "ws", "http":
		return nil, fmt.Errorf("tuya: mqtt: %w: the OpenAPI handed out %s://%s; refusing to send the MQTT credentials in clear: "+
			"check the account's endpoint (data center) and any proxy in between", ErrInsecureBroker, u.Scheme, u.Host)
	}
	return nil, fmt.Errorf("tuya: mqtt: %w: unsupported broker scheme %q", ErrBadResponse, u.Scheme)
}

// waitToken waits for t, for ctx, or for a little longer than paho's own
// connect timeout, whichever is first.
func waitToken(ctx context.Context, t paho.Token) error {
	timer := time.NewTimer(connectTimeout + 5*time.Second)
	defer timer.Stop()
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errors.New("timed out")
	}
}

// discard disconnects cl in the background (a Disconnect waits for a
// connect in progress); Close waits for it.
func (c *Client) discard(cl paho.Client) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		cl.Disconnect(quiesce)
	}()
}

// renewLoop replaces the connection with fresh credentials before they
// expire, and redials at once (then with backoff) when the broker drops it.
// It reads the injected clock every renewPoll, so a test can move time
// forward.
func (c *Client) renewLoop() {
	defer c.wg.Done()
	backoff := time.Second
	redial := false
	for {
		l := c.link.Load()
		if l == nil {
			return
		}
		// A drop between connecting and the link being stored found no
		// link to signal: notice it here.
		if !l.client.IsConnectionOpen() {
			redial = true
		}
		wait := time.Duration(-1) // none: sleep until stopped or lost
		due := !l.renewAt.IsZero() && !l.renewAt.After(c.now())
		if due || redial {
			if err := c.renew(context.Background(), false); err != nil {
				if errors.Is(err, session.ErrClosed) {
					return
				}
				c.log.Warn("tuya: mqtt: reconnecting failed; will retry", "err", err, "in", backoff)
				wait = backoff
				backoff = min(2*backoff, maxRenewDelay)
			} else {
				redial, backoff = false, time.Second
				continue
			}
		} else if !l.renewAt.IsZero() {
			wait = min(c.renewPoll, l.renewAt.Sub(c.now()))
		}
		var wake <-chan time.Time
		var t *time.Timer
		if wait >= 0 {
			t = time.NewTimer(wait)
			wake = t.C
		}
		select {
		case <-c.stop:
		case <-c.lost:
			redial = true
		case <-wake:
		}
		if t != nil {
			t.Stop()
		}
		select {
		case <-c.stop:
			return
		default:
		}
	}
}

// cancelOnStop calls cancel when the Client is closed, until unwatch.
func (c *Client) cancelOnStop(cancel context.CancelFunc) (unwatch func()) {
	done := make(chan struct{})
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		select {
		case <-c.stop:
			cancel()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// refreshGap is the least age of a link that Refresh replaces: tiles whose
// offers went unanswered together renew the shared link once.
const refreshGap = 2 * time.Second

// Refresh is the account's session.Client.Refresh. After an offer got no answer, the
// cloud may have forgotten what Lookout holds (as after a restart of its
// side: the MQTT client id and credentials, the token): the token is
// dropped and the MQTT link is redialled with fresh credentials from
// access/config, unless it was dialled within refreshGap. webrtc-configs
// (ICE servers) is fetched anew for every call anyway.
func (c *Client) Refresh(ctx context.Context) error {
	c.tokMu.Lock()
	c.tok = token{}
	c.tokMu.Unlock()
	l := c.link.Load()
	if l == nil || c.now().Sub(l.dialed) < refreshGap {
		return nil
	}
	return c.renew(ctx, true)
}

// renew opens a connection with fresh credentials, then drops the old one.
// Calls keep their routes; they publish on whatever link is current. With
// refresh, a link dialled within refreshGap is kept.
func (c *Client) renew(parent context.Context, refresh bool) error {
	c.mqMu.Lock()
	defer c.mqMu.Unlock()
	if c.closed.Load() {
		return session.ErrClosed
	}
	if l := c.link.Load(); refresh && l != nil && c.now().Sub(l.dialed) < refreshGap {
		return nil // refreshed by another tile while this one waited
	}
	ctx, cancel := context.WithTimeout(parent, 2*connectTimeout)
	defer cancel()
	unwatch := c.cancelOnStop(cancel)
	defer unwatch()
	nl, err := c.dial(ctx)
	if err != nil {
		return err
	}
	old := c.link.Swap(nl)
	if old != nil {
		if old.from != nl.from {
			c.log.Warn("tuya: mqtt: source topic changed on renewal; calls in progress may lose messages")
		}
		old.client.Disconnect(quiesce)
	}
	c.log.Debug("tuya: mqtt: credentials renewed")
	return nil
}

// route hands an incoming message to the call with its session ID.
func (c *Client) route(payload []byte) {
	m, err := Decode(payload)
	if err != nil {
		c.log.Debug("tuya: mqtt: dropping message", "err", err)
		return
	}
	c.routesMu.Lock()
	defer c.routesMu.Unlock()
	call := c.routes[m.Data.Header.SessionID]
	if call == nil {
		c.log.Debug("tuya: mqtt: dropping message for an unknown session", "type", m.Data.Header.Type)
		return
	}
	call.deliver(m)
}

// register routes messages with the call's session ID to it.
func (c *Client) register(call *Call) error {
	c.routesMu.Lock()
	defer c.routesMu.Unlock()
	if c.closed.Load() {
		return fmt.Errorf("tuya: open: %w", session.ErrClosed)
	}
	c.routes[call.hdr.SessionID] = call
	return nil
}

// unregister stops routing to call and closes its candidate channel.
func (c *Client) unregister(call *Call) {
	c.routesMu.Lock()
	defer c.routesMu.Unlock()
	if c.routes[call.hdr.SessionID] == call {
		delete(c.routes, call.hdr.SessionID)
	}
	call.closeCandidates()
}

// publish sends payload to topic on the current connection.
func (c *Client) publish(ctx context.Context, topic string, payload []byte) error {
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes, the camera takes at most %d", ErrOfferTooLarge, len(payload), MaxPayload)
	}
	l := c.link.Load()
	if l == nil {
		return session.ErrClosed
	}
	return waitToken(ctx, l.client.Publish(topic, 1, false, payload))
}

// Close hangs up every call, disconnects from the broker and waits for
// the goroutines of the Client. Later calls return session.ErrClosed.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return ErrClosed
	}
	close(c.stop)
	c.mqMu.Lock()
	l := c.link.Swap(nil)
	c.mqMu.Unlock()
	c.routesMu.Lock()
	calls := make([]*Call, 0, len(c.routes))
	for id, call := range c.routes {
		calls = append(calls, call)
		delete(c.routes, id)
		call.closeCandidates()
	}
	c.routesMu.Unlock()
	for _, call := range calls {
		call.hangup(fmt.Errorf("tuya: client closed: %w", session.ErrClosed))
	}
	if l != nil {
		l.client.Disconnect(quiesce)
	}
	c.wg.Wait()
	return nil
}
