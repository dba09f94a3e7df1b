// Package een is Lookout's client for Eagle Eye Networks 2-Way Audio
// (spec 003): the talkdown feeds of the REST API v3 as a directory of
// speakers, and the WebSocket Signaling Service that sets up a WebRTC
// audio call to one of them.
package een

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/session"
)

// DefaultSessionCap is the longest audio session the service allows (spec
// section 6, "Note": after 10 minutes the session is disconnected).
const DefaultSessionCap = 10 * time.Minute

// maxBody bounds a REST response body.
const maxBody = 4 << 20

// maxPages bounds how many pages of feeds one listing follows.
const maxPages = 100

// Media types of a talkdown feed (feed.mediaType).
const (
	MediaHalfDuplex = "halfDuplex"
	MediaFullDuplex = "fullDuplex"
	MediaAudio      = "audio" // send-only
)

// feedTalkdown is the feed type of 2-Way Audio.
const feedTalkdown = "talkdown"

// Config configures a Client. Zero values get defaults in New.
type Config struct {
	// Endpoint is the REST base URL, e.g. https://api.c000.eagleeyenetworks.com.
	Endpoint string
	// Token is the OAuth access token (JWT) sent as a bearer token and in
	// the WebSocket authorize message.
	Token string
	// HTTPClient makes the REST requests; one with a 15 s timeout when nil.
	HTTPClient *http.Client
	// TLSConfig verifies the Signaling Service's certificate; nil uses the
	// system roots. Certificates are always verified.
	TLSConfig *tls.Config
	// SessionCap is the service's limit on one audio session;
	// DefaultSessionCap when zero.
	SessionCap time.Duration
	// ReplyTimeout bounds the wait for each reply of the service
	// (authorized, iceServers); 10 s when zero.
	ReplyTimeout time.Duration
	// Logger receives debug logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Client is one EEN account. It implements session.Directory and
// session.Opener; it is safe for concurrent use.
type Client struct {
	cfg    Config
	base   *url.URL
	http   *http.Client
	log    *slog.Logger
	closed atomic.Bool
}

var (
	_ session.Directory = (*Client)(nil)
	_ session.Opener    = (*Client)(nil)
)

// New checks cfg and returns a Client; it makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("een: token is required (an OAuth access token)")
	}
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("een: endpoint %q is not an absolute https:// URL", cfg.Endpoint)
	}
	if cfg.SessionCap <= 0 {
		cfg.SessionCap = DefaultSessionCap
	}
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = 10 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg.TLSConfig, Proxy: http.ProxyFromEnvironment}}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{cfg: cfg, base: u, http: hc, log: log}, nil
}

// Close marks the client closed and drops its idle HTTP connections;
// calls already open end on their own Close. Later Opens fail with
// session.ErrClosed.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.http.CloseIdleConnections()
	return nil
}

// Feed is one talkdown feed (spec section 1).
type Feed struct {
	ID        string `json:"id"`
	DeviceID  string `json:"deviceId"`
	Type      string `json:"type"`
	MediaType string `json:"mediaType"`
	WebRTCURL string `json:"webRtcUrl"`
}

// Talk is what a feed's mediaType allows.
func (f Feed) Talk() session.Talk {
	if f.MediaType == MediaFullDuplex {
		return session.TalkFull
	}
	return session.TalkHalf
}

// feedPage is one page of GET /api/v3.0/feeds.
type feedPage struct {
	NextPageToken string `json:"nextPageToken"`
	Results       []Feed `json:"results"`
}

// Feeds lists the account's talkdown feeds, following every page; with a
// deviceID only that device's. Feeds of every other type are skipped.
func (c *Client) Feeds(ctx context.Context, deviceID string) ([]Feed, error) {
	var out []Feed
	token := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("een: feeds: %w: more than %d pages", session.ErrProtocol, maxPages)
		}
		q := url.Values{"include": {"webRtcUrl"}}
		if deviceID != "" {
			q.Set("deviceId", deviceID)
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		var p feedPage
		if err := c.get(ctx, "/api/v3.0/feeds", q, &p); err != nil {
			return nil, err
		}
		for _, f := range p.Results {
			if f.Type != feedTalkdown || f.DeviceID == "" {
				continue
			}
			if deviceID != "" && f.DeviceID != deviceID {
				continue
			}
			out = append(out, f)
		}
		if p.NextPageToken == "" || p.NextPageToken == token {
			return out, nil
		}
		token = p.NextPageToken
	}
}

// Devices implements session.Directory: one speaker per talkdown feed.
func (c *Client) Devices(ctx context.Context) ([]session.Device, error) {
	feeds, err := c.Feeds(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]session.Device, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, session.Device{
			ID: f.DeviceID, Name: f.DeviceID, Type: session.TypeSpeaker, Online: true,
			Talk: f.Talk(), SendOnly: f.MediaType == MediaAudio,
		})
	}
	return out, nil
}

// apiError is the body of a REST error (EEN API v3: code, status, message).
type apiError struct {
	Code    int    `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// get GETs path with query q into out; HTTP errors become RemoteErrors
// carrying the service's message.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("een: %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("een: %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("een: %s: %w", path, err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("een: %s: %w: the response exceeds %d bytes", path, session.ErrProtocol, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		return httpError(path, resp.StatusCode, body)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("een: %s: %w: content type %q, not JSON", path, session.ErrProtocol, mt)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("een: %s: %w: %v", path, session.ErrProtocol, err)
	}
	return nil
}

// httpError makes a RemoteError of a non-200 answer.
func httpError(path string, code int, body []byte) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	msg := strings.TrimSpace(ae.Message)
	if msg == "" {
		msg = http.StatusText(code)
	}
	re := &session.RemoteError{Op: "een: " + strings.TrimPrefix(path, "/api/v3.0/"), Code: fmt.Sprint(code), Reason: msg}
	switch code {
	case http.StatusUnauthorized:
		re.Err = session.ErrUnauthorized
		re.Reason = "the access token was refused: get a new token and update the config (" + msg + ")"
	case http.StatusForbidden:
		re.Err = session.ErrUnauthorized
		re.Reason = "this account may not list feeds (" + msg + ")"
	case http.StatusNotFound:
		re.Err = session.ErrNotFound
	case http.StatusTooManyRequests:
		re.Err = session.ErrBusy
	}
	return re
}
