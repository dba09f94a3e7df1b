package main

import (
	"context"
	"crypto/tls"
	"log/slog"

	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/wcs"
)

// buildWCS makes the client of a Flashphoner WCS account: one WebSocket to
// its url, shared by its streams and rooms.
func buildWCS(a config.Account, tlsCfg *tls.Config, log *slog.Logger) (*account, error) {
	rooms := make([]wcs.Room, 0, len(a.WCSRooms))
	for _, r := range a.WCSRooms {
		rooms = append(rooms, wcs.Room{Name: r.Name, Streams: r.Streams})
	}
	c, err := wcs.New(wcs.Config{
		URL: a.URL, AppKey: a.AppKey, Streams: a.Streams, Rooms: rooms, TalkStream: a.TalkStream,
		TLSConfig: tlsCfg, Logger: log.With("account", a.Name),
	})
	if err != nil {
		return nil, err
	}
	return &account{name: a.Name, kind: a.Kind, dir: c, opener: c, close: c.Close,
		target: func(context.Context) (check.Target, error) {
			// WCS hands out no ICE servers: the check probes the WebSocket
			// endpoint and the host candidates a call would offer.
			return check.Target{Account: a.Name, Kind: a.Kind, WSS: []string{c.URL()}, ICEServers: c.ICEServers(), TLSConfig: tlsCfg}, nil
		}}, nil
}
