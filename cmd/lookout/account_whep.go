package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/whep"
)

// buildWHEP makes the client of a whep account.
func buildWHEP(a config.Account, httpClient *http.Client, tlsCfg *tls.Config, log *slog.Logger) (*account, error) {
	streams := make([]whep.Stream, 0, len(a.WHEPStreams))
	for _, s := range a.WHEPStreams {
		tok, err := config.Resolve(s.Token, config.SystemKeyring())
		if err != nil {
			return nil, err
		}
		streams = append(streams, whep.Stream{Name: s.Name, URL: s.URL, PublishURL: s.PublishURL, SubURL: s.SubURL, Token: tok})
	}
	c, err := whep.New(whep.Config{Streams: streams, HTTPClient: httpClient, Logger: log.With("account", a.Name)})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(streams))
	for _, s := range streams {
		ids = append(ids, s.Name)
	}
	return &account{name: a.Name, kind: a.Kind, dir: c, opener: c, close: c.Close,
		target: func(ctx context.Context) (check.Target, error) {
			return whepTarget(ctx, a.Name, a.Kind, ids, c.Endpoints, tlsCfg)
		}}, nil
}

// whepTarget is the pre-check of a WHEP or TRTC account: each endpoint
// answers OPTIONS (its own refusal, such as a bad token or UserSig, fails
// the step), and the ICE servers its Link headers hand out are probed.
func whepTarget(ctx context.Context, name, kind string, ids []string,
	endpoints func(id string) (*whep.Endpoint, *whep.Endpoint, error), tlsCfg *tls.Config) (check.Target, error) {
	t := check.Target{Account: name, Kind: kind, TLSConfig: tlsCfg}
	seen := map[string]bool{}
	for _, id := range ids {
		play, pub, err := endpoints(id)
		if err != nil {
			return t, err
		}
		for _, ep := range []*whep.Endpoint{play, pub} {
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
