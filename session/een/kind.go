package een

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// Kind is the Eagle Eye Networks 2-Way Audio account: its config keys
// (INTERFACE.md, kind = "een"), how to check them, its client and its
// pre-check target. Its sources are talkdown speakers, with no picture.
var Kind = session.Kind{
	Config: config.Kind{
		Name:  "een",
		Title: "Eagle Eye Networks 2-Way Audio",
		Fields: []config.Field{
			{Key: "endpoint", Label: "Endpoint", Help: "REST base, e.g. https://api.c000.eagleeyenetworks.com",
				Required: true, Example: "https://example.com", Ref: func(a *config.Account) any { return &a.Endpoint }},
			{Key: "token", Label: "Access token", Help: "OAuth access token (JWT)", Secret: true,
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.Token }},
		},
		Validate: func(c *config.Check, a *config.Account) error {
			a.Endpoint, a.Token = c.String("endpoint"), c.String("token")
			return errors.Join(c.URL(a.Endpoint, "https", "http", "endpoint"), c.Secret(a.Token, "token"))
		},
	},
	Pictureless: true,
	Build:       build,
}

// build makes the client of an EEN account: its talkdown feeds are
// speakers, talked to over the 2-Way Audio Signaling Service.
func build(a config.Account, env session.Env) (*session.Client, error) {
	token, err := config.Resolve(a.Token, env.Keyring)
	if err != nil {
		return nil, err
	}
	c, err := New(Config{Endpoint: a.Endpoint, Token: token, HTTPClient: env.HTTPClient, TLSConfig: env.TLSConfig, Logger: env.Logger})
	if err != nil {
		return nil, err
	}
	return &session.Client{Directory: c, Opener: c, Close: c.Close,
		Target: func(ctx context.Context) (session.ProbeTarget, error) { return target(ctx, c, a, env) }}, nil
}

// target runs an EEN account's own check steps (the REST directory and the
// WebSocket authorize) and returns the endpoints and the ICE servers
// getIceServers handed out, for the STUN and TURN steps.
func target(ctx context.Context, c *Client, a config.Account, env session.Env) (session.ProbeTarget, error) {
	nc, err := c.CheckNetwork(ctx)
	t := session.ProbeTarget{Account: a.Name, Kind: a.Kind, HTTPS: []string{nc.Endpoint}, ICEServers: nc.ICEServers, TLSConfig: env.TLSConfig}
	dir := session.ProbeStep{Name: "een-directory", OK: nc.DirectoryErr == nil, Ms: ms(nc.DirectoryTime),
		Detail: fmt.Sprintf("%d talkdown feeds (speakers)", nc.Speakers)}
	if nc.DirectoryErr != nil {
		dir.Detail = reason(nc.DirectoryErr)
	}
	t.Steps = append(t.Steps, dir)
	if nc.SignalingURL != "" {
		t.WSS = []string{nc.SignalingURL}
		auth := session.ProbeStep{Name: "een-authorize", OK: nc.AuthorizeErr == nil, Ms: ms(nc.AuthorizeTime),
			Detail: fmt.Sprintf("authorized; getIceServers gave %d ICE servers", len(nc.ICEServers))}
		if nc.AuthorizeErr != nil {
			auth.Detail = reason(nc.AuthorizeErr)
		}
		t.Steps = append(t.Steps, auth)
	}
	return t, err
}

// ms is d in milliseconds, as the check report has them.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reason words a failed step: the service's own reason when it gave one.
func reason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return session.Reason(err)
}
