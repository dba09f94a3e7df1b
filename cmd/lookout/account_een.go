package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/een"
)

// buildEEN makes the client of an Eagle Eye Networks account: its talkdown
// feeds are speakers, talked to over the 2-Way Audio Signaling Service.
func buildEEN(a config.Account, tlsCfg *tls.Config, httpClient *http.Client, log *slog.Logger) (*account, error) {
	token, err := config.Resolve(a.Token, config.SystemKeyring())
	if err != nil {
		return nil, err
	}
	c, err := een.New(een.Config{
		Endpoint: a.Endpoint, Token: token, HTTPClient: httpClient, TLSConfig: tlsCfg,
		Logger: log.With("account", a.Name),
	})
	if err != nil {
		return nil, err
	}
	return &account{name: a.Name, kind: a.Kind, dir: c, opener: c, close: c.Close,
		target: func(ctx context.Context) (check.Target, error) {
			return eenTarget(ctx, c, a.Name, tlsCfg)
		}}, nil
}

// eenTarget runs an EEN account's own check steps (the REST directory and
// the WebSocket authorize) and returns the endpoints and the ICE servers
// getIceServers handed out, for the STUN and TURN steps.
func eenTarget(ctx context.Context, c *een.Client, name string, tlsCfg *tls.Config) (check.Target, error) {
	nc, err := c.CheckNetwork(ctx)
	t := check.Target{Account: name, Kind: "een", HTTPS: []string{nc.Endpoint}, ICEServers: nc.ICEServers, TLSConfig: tlsCfg}
	dir := check.Step{Name: "een-directory", OK: nc.DirectoryErr == nil, Ms: ms(nc.DirectoryTime),
		Detail: fmt.Sprintf("%d talkdown feeds (speakers)", nc.Speakers)}
	if nc.DirectoryErr != nil {
		dir.Detail = reasonOf(nc.DirectoryErr)
	}
	t.Steps = append(t.Steps, dir)
	if nc.SignalingURL != "" {
		t.WSS = []string{nc.SignalingURL}
		auth := check.Step{Name: "een-authorize", OK: nc.AuthorizeErr == nil, Ms: ms(nc.AuthorizeTime),
			Detail: fmt.Sprintf("authorized; getIceServers gave %d ICE servers", len(nc.ICEServers))}
		if nc.AuthorizeErr != nil {
			auth.Detail = reasonOf(nc.AuthorizeErr)
		}
		t.Steps = append(t.Steps, auth)
	}
	return t, err
}

// ms is d in milliseconds, as the check report has them.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pictureSource refuses a source with no picture: an EEN account's sources
// are talkdown speakers.
func pictureSource(acc *account, source string) error {
	if acc.kind == "een" {
		return usagef("%s is a speaker (Eagle Eye 2-Way Audio) with no picture; use lookout talk %s --in FILE.wav", source, source)
	}
	return nil
}
