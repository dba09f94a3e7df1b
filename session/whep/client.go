// Package whep is Lookout's client for WHEP (play, the WebRTC-HTTP Egress
// Protocol draft) and WHIP (publish, RFC 9725) servers: MediaMTX, go2rtc,
// Cloudflare, Janus, TRTC and the like. One offer is POSTed as
// application/sdp; the 201 brings the answer, the resource's Location and
// ICE servers in Link headers; candidates trickle by PATCH where the server
// takes them; DELETE hangs up. A stream's talk is a second, send-only
// connection to its WHIP endpoint, opened while Talk is held.
package whep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// Stream is one configured WHEP stream.
type Stream struct {
	Name       string // the source id
	URL        string // WHEP endpoint (play)
	PublishURL string // optional WHIP endpoint (talk)
	// SubURL is an optional WHEP endpoint of a smaller stream of the same
	// source, played for session.QualitySub (URL then plays for Main).
	SubURL string
	Token  string // optional bearer token for all of them
}

// Config configures a Client.
type Config struct {
	Streams    []Stream
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Client is a whep account: a list of streams. It implements
// session.Opener and session.Directory.
type Client struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg.
func New(cfg Config) (*Client, error) {
	if len(cfg.Streams) == 0 {
		return nil, errors.New("whep: no streams")
	}
	for _, s := range cfg.Streams {
		for i, raw := range []string{s.URL, s.PublishURL, s.SubURL} {
			if i > 0 && raw == "" {
				continue
			}
			if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("whep: stream %q: %q is not an http(s) URL", s.Name, raw)
			}
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, log: log}, nil
}

func (c *Client) stream(id string) (Stream, error) {
	for _, s := range c.cfg.Streams {
		if s.Name == id {
			return s, nil
		}
	}
	return Stream{}, &session.RemoteError{Op: "whep", Reason: fmt.Sprintf("no stream %q in this account", id), Err: session.ErrNotFound}
}

// Endpoints returns the WHEP endpoint of a stream and its WHIP endpoint
// (nil without publish_url).
func (c *Client) Endpoints(id string) (*Endpoint, *Endpoint, error) {
	s, err := c.stream(id)
	if err != nil {
		return nil, nil, err
	}
	token := func() (string, error) { return s.Token, nil }
	log := c.log.With("stream", s.Name)
	play := &Endpoint{URL: s.URL, Token: token, HTTP: c.cfg.HTTPClient, Logger: log}
	var pub *Endpoint
	if s.PublishURL != "" {
		pub = &Endpoint{URL: s.PublishURL, Token: token, HTTP: c.cfg.HTTPClient, Logger: log}
	}
	return play, pub, nil
}

// Open implements session.Opener. A stream with a sub_url plays it for
// session.QualitySub and its url for Main, and its plan says so
// (Plan.Qualities); a stream without one serves the same stream whatever
// the quality, and a larger tile only scales its picture.
func (c *Client) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	play, pub, err := c.Endpoints(id)
	if err != nil {
		return nil, err
	}
	s, _ := c.stream(id)
	if s.SubURL != "" && q == session.QualitySub {
		play.URL = s.SubURL
	}
	return Open(ctx, play, func(ice []webrtc.ICEServer) session.Plan {
		p := PlayPlan(ice, pub != nil)
		p.Qualities = s.SubURL != ""
		return p
	}, pub)
}

// Devices implements session.Directory: the configured streams. WHEP has
// no way to ask whether a stream is live short of playing it, so every
// stream is listed online.
func (c *Client) Devices(context.Context) ([]session.Device, error) {
	out := make([]session.Device, 0, len(c.cfg.Streams))
	for _, s := range c.cfg.Streams {
		talk := session.TalkNone
		if s.PublishURL != "" {
			talk = session.TalkFull
		}
		out = append(out, session.Device{ID: s.Name, Name: s.Name, Type: session.TypeStream, Online: true, Talk: talk})
	}
	return out, nil
}

// Close implements the account's close; the client holds no connection.
func (c *Client) Close() error { return nil }
