package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
)

// configError is a bad config file: exit 2.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// account is one configured account with its protocol client.
type account struct {
	name, kind string
	// pictureless names the service of a kind with no video
	// (session.Kind.Pictureless); "" for every other kind.
	pictureless string
	dir         session.Directory
	opener      session.Opener
	// refresh and members are the client's Refresh and Members
	// (session.Client); nil when the kind has none.
	refresh func(ctx context.Context) error
	members func(ctx context.Context, room string) ([]session.Device, error)
	close   func() error
	// target gathers the endpoints and ICE servers the pre-check probes.
	target func(ctx context.Context) (check.Target, error)
}

// workspace is every account of the config, or the demo site's.
type workspace struct {
	accounts []*account
	site     *demo.Site
	path     string
}

// openWorkspace loads the config and builds a client per account. With no
// config, no accounts, or forceDemo it starts the demo site in-process.
func openWorkspace(ctx context.Context, g *globals, forceDemo bool) (*workspace, error) {
	path, err := config.Path(g.configFlag)
	if err != nil {
		return nil, err
	}
	cfg, err := kindList.Config().Load(path)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, &configError{err}
		}
		return nil, &configError{fmt.Errorf("%s: %w", path, err)}
	}
	w := &workspace{path: path}
	if forceDemo || len(cfg.Accounts) == 0 {
		g.log.Info("no accounts configured: starting the demo site", "config", path)
		if err := w.startDemo(ctx, g.log); err != nil {
			return nil, err
		}
		return w, nil
	}
	for _, a := range cfg.Accounts {
		acc, err := buildAccount(a, nil, g.log)
		if err != nil {
			// One account never stops the others: it stays listed as a
			// failed account whose every use reports why.
			g.log.Info("account cannot be used", "account", a.Name, "kind", a.Kind, "err", err)
			acc = failedAccount(a, err)
		}
		w.accounts = append(w.accounts, acc)
	}
	return w, nil
}

func (w *workspace) startDemo(ctx context.Context, log *slog.Logger) error {
	site, err := demo.Start(ctx, demo.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("demo site: %w", err)
	}
	w.site = site
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(site.CAPEM())
	acc, err := buildAccount(config.Account{
		Name: "demo", Kind: "tuya", Endpoint: site.TuyaEndpoint(),
		ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(), SignMethod: "hmac",
	}, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, log)
	if err != nil {
		return errors.Join(err, site.Close())
	}
	w.accounts = append(w.accounts, acc)
	// The site's other accounts are those of the config it hands out.
	cfg, err := kindList.Config().Parse("demo site", []byte(site.ConfigTOML("")))
	if err != nil {
		return errors.Join(err, w.Close())
	}
	for _, a := range cfg.Accounts[1:] {
		acc, err := buildAccount(a, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, log)
		if err != nil {
			return errors.Join(err, w.Close())
		}
		w.accounts = append(w.accounts, acc)
	}
	return nil
}

// buildAccount makes the protocol client of one account with its kind's
// Build; tlsCfg nil means the account's own (system roots plus ca_file).
func buildAccount(a config.Account, tlsCfg *tls.Config, log *slog.Logger) (*account, error) {
	kind, ok := kindList.Lookup(a.Kind)
	if !ok {
		return nil, fmt.Errorf("accounts of kind %q are not supported by this build", a.Kind)
	}
	if tlsCfg == nil {
		var err error
		if tlsCfg, err = a.TLSConfig(); err != nil {
			return nil, err
		}
	}
	httpClient := &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: session.CheckRedirect,
		Transport:     limited(&http.Transport{TLSClientConfig: tlsCfg, TLSHandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}),
	}
	c, err := kind.Build(a, session.Env{HTTPClient: httpClient, TLSConfig: tlsCfg, Logger: log.With("account", a.Name), Keyring: config.SystemKeyring()})
	if err != nil {
		return nil, err
	}
	acc := &account{name: a.Name, kind: a.Kind, dir: c.Directory, opener: c.Opener, refresh: c.Refresh, members: c.Members,
		close: c.Close, target: c.Target}
	if kind.Pictureless {
		acc.pictureless = kind.Config.Title
	}
	if acc.dir != nil {
		acc = gated(acc, log)
	}
	return acc, nil
}

// pictureSource refuses a source with no picture (an EEN account's sources
// are talkdown speakers).
func pictureSource(acc *account, source string) error {
	if acc.pictureless != "" {
		return usagef("%s is a speaker (%s) with no picture; use lookout talk %s --in FILE.wav", source, acc.pictureless, source)
	}
	return nil
}

// find resolves "ACCOUNT/ID" to its account and id.
func (w *workspace) find(source string) (*account, string, error) {
	name, id, ok := strings.Cut(source, "/")
	if !ok || name == "" || id == "" {
		return nil, "", usagef("source %q is not ACCOUNT/ID", source)
	}
	for _, a := range w.accounts {
		if a.name == name {
			return a, id, nil
		}
	}
	names := make([]string, 0, len(w.accounts))
	for _, a := range w.accounts {
		names = append(names, a.name)
	}
	return nil, "", usagef("no account %q in %s (accounts: %s)", name, w.path, strings.Join(names, ", "))
}

// openSource loads the config and resolves source to its account and id;
// the caller closes the workspace.
func openSource(ctx context.Context, g *globals, source string) (*workspace, *account, string, error) {
	ws, err := openWorkspace(ctx, g, false)
	if err != nil {
		return nil, nil, "", err
	}
	acc, id, err := ws.find(source)
	if err != nil {
		return nil, nil, "", errors.Join(err, ws.Close())
	}
	return ws, acc, id, nil
}

// oneShot is the session of a command: one attempt, bounded by timeout,
// decoding video into a sink nobody paints unless the caller sets one. It
// fails fast: a permanent error ends it at once (the exit codes of
// INTERFACE.md), even where a caller allows more attempts.
func oneShot(acc *account, source, id string, q session.Quality, timeout time.Duration, g *globals) session.Config {
	return session.Config{
		Source: source, ID: id, Opener: acc.opener, Refresh: acc.refresh, Quality: q, Sink: player.NewLatest(),
		NewDecoder: newDecoder, Logger: g.log, ConnectTimeout: timeout, MaxAttempts: 1, FailFast: true,
	}
}

// qualityFlag checks a --quality value.
func qualityFlag(v string) (session.Quality, error) {
	if q := session.Quality(v); q == session.QualityMain || q == session.QualitySub {
		return q, nil
	}
	return "", usagef("--quality must be main or sub, not %q", v)
}

// Close closes every client and the demo site.
func (w *workspace) Close() error {
	var errs []error
	for _, a := range w.accounts {
		if a.close != nil {
			errs = append(errs, a.close())
		}
	}
	if w.site != nil {
		errs = append(errs, w.site.Close())
	}
	return errors.Join(errs...)
}

// reasonOf is the words printed for a failure: the service's own reason when
// it gave one.
func reasonOf(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return session.Reason(err)
}
