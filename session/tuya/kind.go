package tuya

import (
	"context"
	"errors"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// Kind is the Tuya IoT cloud account: its config keys (INTERFACE.md,
// kind = "tuya"), how to check them, its client and its pre-check target.
var Kind = session.Kind{
	Config: config.Kind{
		Name:  "tuya",
		Title: "Tuya IoT cloud",
		Fields: []config.Field{
			{Key: "endpoint", Label: "Endpoint", Help: "OpenAPI base URL of your project's data center, e.g. https://openapi.tuyaus.com",
				Required: true, Example: "https://example.com", Ref: func(a *config.Account) any { return &a.Endpoint }},
			{Key: "client_id", Label: "Access ID", Help: "Cloud project → Overview → Access ID",
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.ClientID }},
			{Key: "secret", Label: "Access Secret", Help: "Kept in the OS keyring", Secret: true,
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.Secret }},
			{Key: "uid", Label: "User ID", Help: "UID of the app account linked to the project",
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.UID }},
			{Key: "sign_method", Label: "Sign method", Help: "hmac (default) or md5 for legacy projects",
				Example: string(SignHMAC), Ref: func(a *config.Account) any { return &a.SignMethod }},
			{Key: "devices", Label: "Devices", Help: "Optional device ids, comma separated; empty lists all",
				Type: config.TypeStrings, Ref: func(a *config.Account) any { return &a.Devices }},
		},
		Validate: validate,
	},
	Build: build,
}

// validate checks a tuya account's keys and copies them into a.
func validate(c *config.Check, a *config.Account) error {
	a.Endpoint, a.ClientID, a.Secret, a.UID = c.String("endpoint"), c.String("client_id"), c.String("secret"), c.String("uid")
	errs := []error{
		c.URL(a.Endpoint, "https", "http", "endpoint"),
		c.NonEmpty("client_id"),
		c.Secret(a.Secret, "secret"),
		c.NonEmpty("uid"),
	}
	a.SignMethod = c.String("sign_method")
	switch SignMethod(a.SignMethod) {
	case "":
		a.SignMethod = string(SignHMAC)
	case SignHMAC, SignMD5:
	default:
		errs = append(errs, config.Problem([]string{"sign_method"}, "sign_method must be %q or %q, not %q", SignHMAC, SignMD5, a.SignMethod))
	}
	a.Devices = c.Strings("devices")
	errs = append(errs, c.IDs("device id", a.Devices, map[string]bool{}, "devices"))
	return errors.Join(errs...)
}

// build makes the client of a tuya account.
func build(a config.Account, env session.Env) (*session.Client, error) {
	secret, err := config.Resolve(a.Secret, env.Keyring)
	if err != nil {
		return nil, err
	}
	c, err := New(Config{
		Endpoint: a.Endpoint, ClientID: a.ClientID, Secret: secret, UID: a.UID,
		SignMethod: SignMethod(a.SignMethod), Devices: a.Devices,
		HTTPClient: env.HTTPClient, TLSConfig: env.TLSConfig, Logger: env.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &session.Client{Directory: c, Opener: c, Close: c.Close, Refresh: c.Refresh,
		Target: func(ctx context.Context) (session.ProbeTarget, error) {
			e, err := c.NetworkEndpoints(ctx)
			t := session.ProbeTarget{Account: a.Name, Kind: a.Kind, HTTPS: []string{e.API}, ICEServers: e.ICEServers, TLSConfig: env.TLSConfig}
			if e.MQTT != "" {
				t.MQTT = []string{e.MQTT}
			}
			return t, err
		}}, nil
}
