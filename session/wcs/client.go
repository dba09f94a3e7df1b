// Package wcs is Lookout's client of Flashphoner Web Call Server's raw
// WebSocket API (spec 004): one WebSocket per account, shared by the
// account's tiles, plays streams over WebRTC (playStream), publishes an
// audio-only stream while the user talks (publishStream), and asks which
// streams are live (availableStream).
package wcs

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// Defaults of Config.
const (
	DefaultAppKey     = "defaultApp"
	DefaultTalkStream = "{stream}-talk"
	DefaultClientVer  = "lookout-1"
	defaultMinBackoff = 250 * time.Millisecond
	defaultMaxBackoff = 2 * time.Second
	defaultReconnWait = 10 * time.Second
	defaultAvailEvery = 30 * time.Second
	// defaultSubWidth and defaultSubHeight are the size a wall tile asks
	// for: a 2x2 wall on a 1280x720 screen.
	defaultSubWidth, defaultSubHeight = 640, 360
	defaultAvailWait                  = 5 * time.Second
	establishTimeout                  = 10 * time.Second
	writeTimeout                      = 5 * time.Second
	handshakeTimeout                  = 10 * time.Second
	streamPlaceholder                 = "{stream}"
)

// Room is a named group of streams shown together.
type Room struct {
	Name    string
	Streams []string
}

// Config configures a Client. Zero values get defaults in New.
type Config struct {
	// URL is the WebSocket API, wss://host:8443 (ws:// on loopback).
	URL string
	// AppKey names the server application; default "defaultApp".
	AppKey string
	// Streams are the stream names shown as tiles.
	Streams []string
	// Rooms are named groups of streams.
	Rooms []Room
	// TalkStream names the audio-only stream published while talking on
	// a tile; "{stream}" is replaced by the tile's stream (or room) name.
	// Default "{stream}-talk".
	TalkStream string
	// ICEServers are offered to every peer connection; WCS hands out none.
	ICEServers []webrtc.ICEServer
	// TLSConfig verifies the server; nil uses the system roots.
	TLSConfig *tls.Config
	// Dialer dials the WebSocket; nil uses a gorilla dialer with
	// TLSConfig. Its TLSClientConfig, when nil, is set to TLSConfig.
	Dialer *websocket.Dialer
	// MinBackoff and MaxBackoff bound the wait between reconnections;
	// defaults 250 ms and 2 s.
	MinBackoff, MaxBackoff time.Duration
	// ReconnectWait is how long Open and Devices wait for a dropped
	// connection to come back before they give up with the last error;
	// default 10 s. Before the first connection, a failed dial fails them
	// at once.
	ReconnectWait time.Duration
	// AvailabilityEvery is how often availableStream is asked again while
	// connected; default 30 s. It is also asked on every (re)connection.
	AvailabilityEvery time.Duration
	// SubWidth and SubHeight are the picture size playStream asks the
	// server for at session.QualitySub (a tile of the wall); default
	// 640x360. At QualityMain it asks for 0x0: the stream as published
	// (spec: playStream's width and height, "0: play as published").
	SubWidth, SubHeight int
	// ClientVersion is sent in connection's clientVersion.
	ClientVersion string
	Logger        *slog.Logger
}

// Client is one account on one WCS server. It implements session.Opener
// and session.Directory, and lists the members of its rooms (Members,
// the account's session.Client.Members).
type Client struct {
	cfg    Config
	log    *slog.Logger
	closed atomic.Bool

	mu       sync.Mutex
	started  bool
	link     *link         // the connection while it is up
	changed  chan struct{} // closed and replaced when link or lastErr change
	everUp   bool
	lastErr  error
	failures int // failed connection attempts
	avail    map[string]Availability
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

var (
	_ session.Opener    = (*Client)(nil)
	_ session.Directory = (*Client)(nil)
)

// New checks cfg and fills in defaults. It does not connect: the first
// Open or Devices does, and the client then stays connected until Close.
func New(cfg Config) (*Client, error) {
	if !strings.HasPrefix(cfg.URL, "wss://") && !strings.HasPrefix(cfg.URL, "ws://") {
		return nil, fmt.Errorf("wcs: url %q is not a ws:// or wss:// URL", cfg.URL)
	}
	if len(cfg.Streams) == 0 && len(cfg.Rooms) == 0 {
		return nil, errors.New("wcs: no streams or rooms")
	}
	if cfg.AppKey == "" {
		cfg.AppKey = DefaultAppKey
	}
	if cfg.TalkStream == "" {
		cfg.TalkStream = DefaultTalkStream
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = defaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(defaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.ReconnectWait <= 0 {
		cfg.ReconnectWait = defaultReconnWait
	}
	if cfg.AvailabilityEvery <= 0 {
		cfg.AvailabilityEvery = defaultAvailEvery
	}
	if cfg.SubWidth <= 0 || cfg.SubHeight <= 0 {
		cfg.SubWidth, cfg.SubHeight = defaultSubWidth, defaultSubHeight
	}
	if cfg.ClientVersion == "" {
		cfg.ClientVersion = DefaultClientVer
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, log: log, changed: make(chan struct{}), avail: map[string]Availability{}}, nil
}

// TalkStreamName returns the stream a tile of stream (or room) name
// publishes while talking.
func (c *Client) TalkStreamName(name string) string {
	return strings.ReplaceAll(c.cfg.TalkStream, streamPlaceholder, name)
}

// URL returns the server's WebSocket URL.
func (c *Client) URL() string { return c.cfg.URL }

// ICEServers returns the ICE servers offered to peer connections.
func (c *Client) ICEServers() []webrtc.ICEServer { return c.cfg.ICEServers }

// start runs the connection supervisor once, unless the client is
// closed; c.mu is held (Close reads c.cancel under it).
func (c *Client) start() {
	if c.started || c.closed.Load() {
		return
	}
	c.started = true
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wg.Add(1)
	go c.supervise(ctx)
}

// setState records the link (nil when down) and wakes the waiters.
func (c *Client) setState(l *link, err error, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.link = l
	if l != nil {
		c.everUp = true
		c.lastErr = nil
	} else {
		for k := range c.avail {
			delete(c.avail, k)
		}
		if err != nil {
			c.lastErr = err
		}
	}
	if failed {
		c.failures++
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// ensure returns the connection, waiting for it to come up: until the
// first dial fails before the client was ever connected, or ReconnectWait
// after that.
func (c *Client) ensure(ctx context.Context) (*link, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("wcs: %w", session.ErrClosed)
	}
	c.mu.Lock()
	c.start()
	startFailures := c.failures
	c.mu.Unlock()
	wait := time.NewTimer(c.cfg.ReconnectWait)
	defer wait.Stop()
	for {
		c.mu.Lock()
		l, ch, ever, lastErr, fails := c.link, c.changed, c.everUp, c.lastErr, c.failures
		c.mu.Unlock()
		if l != nil {
			return l, nil
		}
		if c.closed.Load() {
			return nil, fmt.Errorf("wcs: %w", session.ErrClosed)
		}
		if !ever && fails > startFailures && lastErr != nil {
			return nil, lastErr
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if lastErr != nil {
				return nil, fmt.Errorf("%w (%w)", ctx.Err(), lastErr)
			}
			return nil, ctx.Err()
		case <-wait.C:
			if lastErr == nil {
				lastErr = fmt.Errorf("wcs: %s: %w", c.cfg.URL, session.ErrTimeout)
			}
			return nil, lastErr
		}
	}
}

// supervise keeps one connection up until ctx ends, reconnecting with
// backoff.
func (c *Client) supervise(ctx context.Context) {
	defer c.wg.Done()
	backoff := c.cfg.MinBackoff
	for {
		started := time.Now()
		l, err := c.connect(ctx)
		if err == nil {
			c.log.Info("wcs: connected", "url", c.cfg.URL)
			c.setState(l, nil, false)
			c.wg.Add(1)
			go c.pollAvailability(ctx, l)
			err = l.read(ctx)
			l.shut(err)
			c.setState(nil, err, false)
			if ctx.Err() == nil {
				c.log.Info("wcs: connection lost, reconnecting", "url", c.cfg.URL, "err", err)
			}
			if time.Since(started) > 2*c.cfg.MaxBackoff {
				backoff = c.cfg.MinBackoff
			}
		} else {
			if ctx.Err() != nil {
				c.setState(nil, nil, true)
				return
			}
			c.log.Debug("wcs: connect failed", "url", c.cfg.URL, "err", err)
			c.setState(nil, err, true)
		}
		if ctx.Err() != nil {
			return
		}
		// Up to a tenth of jitter keeps many clients from redialing a
		// restarted server in step.
		d := backoff + time.Duration(mrand.Int64N(int64(backoff/10)+1))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// connect dials the server and runs the connection handshake: connection,
// then getUserData (ESTABLISHED) and getVersion from the server.
func (c *Client) connect(ctx context.Context) (*link, error) {
	d := websocket.Dialer{HandshakeTimeout: handshakeTimeout, TLSClientConfig: c.cfg.TLSConfig, Proxy: http.ProxyFromEnvironment}
	if c.cfg.Dialer != nil {
		d = *c.cfg.Dialer
		if d.TLSClientConfig == nil {
			d.TLSClientConfig = c.cfg.TLSConfig
		}
	}
	conn, resp, err := d.DialContext(ctx, c.cfg.URL, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return nil, &session.RemoteError{Op: "wcs: connect " + c.cfg.URL, Code: fmt.Sprint(resp.StatusCode), Reason: "the server refused the WebSocket: " + resp.Status}
		}
		return nil, fmt.Errorf("wcs: connect %s: %w", c.cfg.URL, err)
	}
	conn.SetReadLimit(MaxFrame)
	l := &link{c: c, conn: conn, handlers: map[string]handler{}, down: make(chan struct{})}
	err = l.send(MsgConnection, connectionMsg{
		AppKey:               c.cfg.AppKey,
		MediaProviders:       []string{"WebRTC"},
		ClientVersion:        c.cfg.ClientVersion,
		ClientOSVersion:      runtime.GOOS + "/" + runtime.GOARCH,
		ClientBrowserVersion: "Lookout",
	})
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	if err := l.establish(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return l, nil
}

// pollAvailability asks availableStream for every stream now and every
// AvailabilityEvery while l is up.
func (c *Client) pollAvailability(ctx context.Context, l *link) {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.AvailabilityEvery)
	defer t.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, defaultAvailWait)
		if _, err := c.ask(actx, l, c.allStreams()); err != nil {
			c.log.Debug("wcs: availableStream", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-l.down:
			return
		case <-t.C:
		}
	}
}

// allStreams is every stream name of the account, rooms' included, once.
func (c *Client) allStreams() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range c.cfg.Streams {
		add(s)
	}
	for _, r := range c.cfg.Rooms {
		for _, s := range r.Streams {
			add(s)
		}
	}
	return out
}

// ask sends availableStream for each name and waits for every answer (or
// ctx); the answers also update the client's cache.
func (c *Client) ask(ctx context.Context, l *link, names []string) (map[string]Availability, error) {
	type answer struct {
		name string
		a    Availability
	}
	answers := make(chan answer, len(names))
	ids := make([]string, 0, len(names))
	defer func() {
		for _, id := range ids {
			l.unregister(id)
		}
	}()
	for _, name := range names {
		id := newID()
		ids = append(ids, id)
		l.register(id, handlerFunc{
			onMsg: func(in Inbound) {
				if in.Available == nil {
					return
				}
				select {
				case answers <- answer{name, *in.Available}:
				default: // a second answer to one question
				}
			},
		})
		if err := l.send(MsgAvailableStream, availableMsg{MediaSessionID: id, Name: name}); err != nil {
			return nil, err
		}
	}
	out := make(map[string]Availability, len(names))
	for len(out) < len(names) {
		select {
		case a := <-answers:
			out[a.name] = a.a
			c.mu.Lock()
			if c.link == l {
				c.avail[a.name] = a.a
			}
			c.mu.Unlock()
		case <-l.down:
			return out, l.err()
		case <-ctx.Done():
			return out, fmt.Errorf("wcs: availableStream: no answer for %d of %d streams: %w", len(names)-len(out), len(names), ctx.Err())
		}
	}
	return out, nil
}

// availability returns what the server said of each name, asking it for
// the ones not known on the current connection.
func (c *Client) availability(ctx context.Context, names []string) (map[string]Availability, error) {
	l, err := c.ensure(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Availability{}
	var missing []string
	c.mu.Lock()
	for _, n := range names {
		if a, ok := c.avail[n]; ok && c.link == l {
			out[n] = a
		} else {
			missing = append(missing, n)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	actx, cancel := context.WithTimeout(ctx, defaultAvailWait)
	defer cancel()
	got, err := c.ask(actx, l, missing)
	for n, a := range got {
		out[n] = a
	}
	if len(got) < len(missing) {
		return nil, err
	}
	return out, nil
}

// Devices lists the account's streams (online when the server says they
// can be played) and rooms (online when one of their streams is).
func (c *Client) Devices(ctx context.Context) ([]session.Device, error) {
	av, err := c.availability(ctx, c.allStreams())
	if err != nil {
		return nil, err
	}
	var out []session.Device
	for _, s := range c.cfg.Streams {
		out = append(out, session.Device{ID: s, Name: s, Type: session.TypeStream, Online: av[s].Available, Talk: session.TalkFull})
	}
	for _, r := range c.cfg.Rooms {
		online := false
		for _, s := range r.Streams {
			online = online || av[s].Available
		}
		out = append(out, session.Device{ID: r.Name, Name: r.Name, Type: session.TypeRoom, Online: online, Talk: session.TalkFull})
	}
	return out, nil
}

// Members lists a room's streams as "ROOM/STREAM" sources.
func (c *Client) Members(ctx context.Context, room string) ([]session.Device, error) {
	r, ok := c.room(room)
	if !ok {
		return nil, &session.RemoteError{Op: "wcs: room", Reason: fmt.Sprintf("no room %q in this account", room), Err: session.ErrNotFound}
	}
	av, err := c.availability(ctx, r.Streams)
	if err != nil {
		return nil, err
	}
	out := make([]session.Device, 0, len(r.Streams))
	for _, s := range r.Streams {
		out = append(out, session.Device{ID: r.Name + "/" + s, Name: s, Type: session.TypeStream, Online: av[s].Available, Talk: session.TalkFull})
	}
	return out, nil
}

func (c *Client) room(name string) (Room, bool) {
	for _, r := range c.cfg.Rooms {
		if r.Name == name {
			return r, true
		}
	}
	return Room{}, false
}

// Close drops the connection and stops reconnecting. Calls still open end
// with ErrConnectionLost. Later calls return session.ErrClosed.
func (c *Client) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	c.mu.Lock()
	cancel, l := c.cancel, c.link
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if l != nil {
		l.close()
	}
	c.wg.Wait()
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// newID returns a fresh mediaSessionId in the UUID shape WCS uses.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
