package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"

	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/trtc"
)

// buildTRTC makes the client of a trtc account.
func buildTRTC(a config.Account, httpClient *http.Client, tlsCfg *tls.Config, log *slog.Logger) (*account, error) {
	key, err := config.Resolve(a.SecretKey, config.SystemKeyring())
	if err != nil {
		return nil, err
	}
	rooms := make([]trtc.Room, 0, len(a.TRTCRooms))
	for _, r := range a.TRTCRooms {
		rooms = append(rooms, trtc.Room{Name: r, Members: a.TRTCMembers[r]})
	}
	c, err := trtc.New(trtc.Config{
		Endpoint: a.Endpoint, SDKAppID: a.SDKAppID, SecretKey: key, UserID: a.UserID,
		Rooms: rooms, UserSigTTL: a.UserSigTTL, HTTPClient: httpClient, Logger: log.With("account", a.Name),
	})
	if err != nil {
		return nil, err
	}
	return &account{name: a.Name, kind: a.Kind, dir: c, opener: c, close: c.Close,
		target: func(ctx context.Context) (check.Target, error) {
			return whepTarget(ctx, a.Name, a.Kind, a.TRTCRooms, c.Endpoints, tlsCfg)
		}}, nil
}
