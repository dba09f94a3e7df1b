package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/diag"
	"github.com/lookout-app/lookout/ui"
)

// logRing keeps the window's recent log lines (info and above) for the
// diagnostics export, whatever --log-level prints.
var logRing = diag.NewRing(5000)

// teeLogs makes g.log also write info and above into logRing.
func teeLogs(g *globals) {
	ring := slog.NewTextHandler(logRing, &slog.HandlerOptions{Level: slog.LevelInfo})
	g.log = slog.New(teeHandler{g.log.Handler(), ring})
}

// windowExtras fills in the window's account manager, tile actions and
// diagnostics; ws is nil when the config has an error.
func windowExtras(g *globals, ws *workspace, opt *ui.Options) {
	path, err := config.Path(g.configFlag)
	if err != nil {
		return
	}
	m := &ui.AccountManager{ConfigPath: path, Demo: ws != nil && ws.site != nil, Kinds: kindList.Config()}
	kr := config.SystemKeyringStore()
	if _, err := kr.Get("lookout-probe"); err != nil && !errors.Is(err, config.ErrSecretNotFound) {
		m.KeyringProblem = err.Error()
	} else {
		m.Keyring = kr
	}
	log := g.log
	m.Build = func(a config.Account) (ui.Account, func() error, error) {
		acc, err := buildAccount(a, nil, log)
		if err != nil {
			return ui.Account{}, nil, err
		}
		return uiAccount(acc), acc.close, nil
	}
	opt.Manager = m
	folder := ""
	if home, err := os.UserHomeDir(); err == nil {
		folder = filepath.Join(home, "Videos", "Lookout")
	}
	opt.Actions = &ui.TileActions{
		Folder:       folder,
		NewMuxer:     newFileMuxer,
		SkipAudioErr: noAudioStream,
		OpenClip:     openClip,
	}
	opt.Diagnostics = &ui.Diagnostics{
		Logs:       logRing.Bytes,
		Versions:   map[string]string{"ffmpeg": ffmpeg.Version()},
		ConfigPath: path,
		Secrets:    func() []string { return knownSecrets(path, ws) },
	}
}

// knownSecrets resolves the config's secrets (keyring ones too) and the
// demo site's, so the export can scrub them wherever they appear.
func knownSecrets(path string, ws *workspace) []string {
	var out []string
	if ws != nil && ws.site != nil {
		out = append(out, ws.site.Secret())
	}
	ks := kindList.Config()
	cfg, err := ks.Load(path)
	if err != nil {
		return out
	}
	for _, a := range cfg.Accounts {
		kind, _ := ks.Lookup(a.Kind)
		for _, v := range kind.SecretValues(a) {
			if s, err := config.Resolve(v, config.SystemKeyring()); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// openClip opens an event's clip for the window's clip player.
func openClip(path string, out audio.Format) (ui.ClipFile, error) {
	r, err := ffmpeg.OpenClip(path, out)
	if err != nil {
		return nil, err
	}
	return r, nil
}
