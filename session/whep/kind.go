package whep

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// Kind is the account of any WHEP/WHIP server: its config keys
// (INTERFACE.md, kind = "whep", one [[account.stream]] per source), how to
// check them, its client and its pre-check target.
var Kind = session.Kind{
	Config: config.Kind{
		Name:  "whep",
		Title: "any WHEP/WHIP server (MediaMTX, go2rtc, Cloudflare, TRTC ...)",
		Fields: []config.Field{{
			Key: "stream", Label: "Streams", Help: "One per line: NAME WHEP-URL [WHIP-URL for talk, or -] [WHEP-URL of a smaller stream for the grid]",
			Type: config.TypeTables, Multiline: true,
			Sub: []config.Field{
				{Key: "name", Label: "Name", Required: true},
				{Key: "url", Label: "WHEP URL", Required: true},
				{Key: "publish_url", Label: "WHIP URL"},
				{Key: "sub_url", Label: "Grid WHEP URL", Help: "Optional: a smaller stream of the same camera, played on the grid"},
				{Key: "token", Label: "Bearer token", Help: "Optional, for every stream", Secret: true},
			},
			Example: []map[string]string{{"name": "x", "url": "https://example.com"}},
			Rows:    rows,
			SetRows: setRows,
		}},
		Validate: validate,
	},
	Build: build,
}

// rows returns a's streams as the field's tables.
func rows(a config.Account) []map[string]string {
	var out []map[string]string
	for _, s := range a.WHEPStreams {
		out = append(out, map[string]string{"name": s.Name, "url": s.URL, "publish_url": s.PublishURL, "sub_url": s.SubURL, "token": s.Token})
	}
	return out
}

// setRows sets a's streams from the field's tables.
func setRows(a *config.Account, rows []map[string]string) {
	a.WHEPStreams = nil
	for _, r := range rows {
		a.WHEPStreams = append(a.WHEPStreams, config.WHEPStream{Name: r["name"], URL: r["url"], PublishURL: r["publish_url"], SubURL: r["sub_url"], Token: r["token"]})
	}
}

// validate checks the [[account.stream]] tables of a whep account.
func validate(c *config.Check, a *config.Account) error {
	tables := c.Tables("stream")
	if len(tables) == 0 {
		return config.Missing("stream", "a [[account.stream]] with name and url")
	}
	var errs []error
	seen := map[string]bool{}
	for j, t := range tables {
		idx := strconv.Itoa(j)
		str := func(k string) string { s, _ := t[k].(string); return s }
		s := config.WHEPStream{Name: str("name"), URL: str("url"), PublishURL: str("publish_url"), SubURL: str("sub_url"), Token: str("token")}
		var missing []string
		for _, k := range []string{"name", "url"} {
			if !c.Has("stream", idx, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, config.Problem([]string{"stream", idx}, "stream of %s is missing %s", c.Label, strings.Join(missing, ", ")))
		}
		if c.Has("stream", idx, "name") {
			at := []string{"stream", idx, "name"}
			switch {
			case !config.ValidID(s.Name):
				errs = append(errs, config.Problem(at, "stream %q is invalid; ids cannot be blank or contain '/'", s.Name))
			case seen[s.Name]:
				errs = append(errs, config.Problem(at, "stream %q is listed twice in %s", s.Name, c.Label))
			default:
				seen[s.Name] = true
			}
		}
		if c.Has("stream", idx, "url") {
			errs = append(errs, c.URL(s.URL, "https", "http", "stream", idx, "url"))
		}
		if s.PublishURL != "" {
			errs = append(errs, c.URL(s.PublishURL, "https", "http", "stream", idx, "publish_url"))
		}
		if s.SubURL != "" {
			errs = append(errs, c.URL(s.SubURL, "https", "http", "stream", idx, "sub_url"))
		}
		errs = append(errs, c.Secret(s.Token, "stream", idx, "token"))
		a.WHEPStreams = append(a.WHEPStreams, s)
	}
	return errors.Join(errs...)
}

// build makes the client of a whep account.
func build(a config.Account, env session.Env) (*session.Client, error) {
	streams := make([]Stream, 0, len(a.WHEPStreams))
	ids := make([]string, 0, len(a.WHEPStreams))
	for _, s := range a.WHEPStreams {
		tok, err := config.Resolve(s.Token, env.Keyring)
		if err != nil {
			return nil, err
		}
		streams = append(streams, Stream{Name: s.Name, URL: s.URL, PublishURL: s.PublishURL, SubURL: s.SubURL, Token: tok})
		ids = append(ids, s.Name)
	}
	c, err := New(Config{Streams: streams, HTTPClient: env.HTTPClient, Logger: env.Logger})
	if err != nil {
		return nil, err
	}
	return &session.Client{Directory: c, Opener: c, Close: c.Close,
		Target: func(ctx context.Context) (session.ProbeTarget, error) {
			t, err := Target(ctx, a.Name, a.Kind, ids, c.Endpoints, env)
			if len(ids) > 0 {
				t.Media, t.MediaName = session.FirstMedia(c, ids[0]), "stream "+ids[0]
			}
			return t, err
		}}, nil
}

// Target is the pre-check of a WHEP or TRTC account: each endpoint answers
// OPTIONS (its own refusal, such as a bad token or UserSig, fails the
// step), and the ICE servers its Link headers hand out are probed.
func Target(ctx context.Context, name, kind string, ids []string,
	endpoints func(id string) (*Endpoint, *Endpoint, error), env session.Env) (session.ProbeTarget, error) {
	t := session.ProbeTarget{Account: name, Kind: kind, TLSConfig: env.TLSConfig}
	seen := map[string]bool{}
	for _, id := range ids {
		play, pub, err := endpoints(id)
		if err != nil {
			return t, err
		}
		for _, ep := range []*Endpoint{play, pub} {
			if ep == nil {
				continue
			}
			caps, err := ep.Options(ctx)
			if err != nil {
				return t, fmt.Errorf("%s: %w", id, err)
			}
			t.HTTPS = append(t.HTTPS, ep.URL)
			for _, s := range caps.ICEServers {
				if key := fmt.Sprint(s.URLs); !seen[key] {
					seen[key] = true
					t.ICEServers = append(t.ICEServers, s)
				}
			}
		}
	}
	if len(t.ICEServers) == 0 {
		// No Link headers: the probe still runs over host candidates.
		t.ICEServers = []webrtc.ICEServer{}
	}
	return t, nil
}
