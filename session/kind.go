package session

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session/config"
)

// Kind describes one kind of account: what its config holds (for the
// parser, the account form and the docs) and how to build its client. Each
// vendor package exports one (tuya.Kind, een.Kind, ...); the kinds the app
// knows are one list in one place (session/kinds), and everything that
// depends on the kind iterates over that list.
type Kind struct {
	Config config.Kind
	// Pictureless kinds have no video (EEN talkdown speakers): snapshot
	// and record refuse their sources.
	Pictureless bool
	// Build makes the client of one parsed account of this kind, resolving
	// its "keyring:" secrets with env.Keyring.
	Build func(a config.Account, env Env) (*Client, error)
}

// Env is what building a client may use; cmd fills it per account.
type Env struct {
	HTTPClient *http.Client // TLS as TLSConfig, redirects by CheckRedirect
	TLSConfig  *tls.Config  // the account's roots (system plus ca_file)
	Logger     *slog.Logger // already names the account
	Keyring    config.Keyring
}

// Client is the built client of one account.
type Client struct {
	Directory Directory
	Opener    Opener
	Close     func() error
	// Target gathers what the pre-check probes for the account: its
	// endpoints, its ICE servers and the steps of its own checks.
	Target func(ctx context.Context) (ProbeTarget, error)

	// What the account can do besides listing and opening: each is nil
	// when it cannot.

	// Refresh renews what the service can forget or expire behind the
	// client's back (tokens, MQTT credentials and client id, ICE servers):
	// a session calls it (Config.Refresh) after an attempt whose offer got
	// no answer, and before each try after refused credentials.
	Refresh func(ctx context.Context) error
	// Members lists the streams in a room (WCS rooms, TRTC rooms). The
	// window opens a room as a group of tiles, one per member, and lists
	// the members while the room is open, so tiles appear and leave as the
	// room's streams come and go. Each member's ID is "ROOM/MEMBER", the
	// part of its source after "ACCOUNT/", and opens through the Opener
	// like any other source.
	Members func(ctx context.Context, room string) ([]Device, error)
}

// Kinds is a list of kinds of account.
type Kinds []Kind

// Lookup returns the kind named name.
func (ks Kinds) Lookup(name string) (Kind, bool) {
	for _, k := range ks {
		if k.Config.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Config returns what the config file knows of the kinds.
func (ks Kinds) Config() config.Kinds {
	out := make(config.Kinds, len(ks))
	for i, k := range ks {
		out[i] = k.Config
	}
	return out
}

// ProbeTarget is what one account offers the pre-check (session/check) to
// probe, gathered by its kind from the account's real endpoints and ICE
// servers.
type ProbeTarget struct {
	Account, Kind string
	// HTTPS lists URLs to connect to: DNS, TCP and TLS timing, then one GET.
	HTTPS []string
	// MQTT lists broker URLs (ssl://host:port, tls://, mqtts://, tcp://,
	// mqtt://): DNS, TCP and TLS timing.
	MQTT []string
	// WSS lists WebSocket URLs (wss://, ws://): DNS, TCP and TLS timing.
	WSS []string
	// ICEServers are the account's STUN and TURN servers, with credentials.
	ICEServers []webrtc.ICEServer
	// TLSConfig verifies the endpoints and turns: servers; nil uses the
	// system roots.
	TLSConfig *tls.Config
	// Steps are the account's own steps, run while gathering the target
	// (an EEN account's REST directory and WebSocket authorize); the
	// report lists them after the api step.
	Steps []ProbeStep
}

// ProbeStep is one timed part of a check. A step that could not run has OK
// false and a Detail saying why; Code carries a service's error code, such
// as a STUN/TURN error code (401).
type ProbeStep struct {
	Name   string  `json:"name"`
	OK     bool    `json:"ok"`
	Ms     float64 `json:"ms"`
	Detail string  `json:"detail,omitempty"`
	Code   int     `json:"code,omitempty"`
}
