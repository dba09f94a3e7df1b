// Package trtc joins Tencent TRTC rooms over WHEP and WHIP (specs 001 and
// 002: "How to push stream to TRTC room with OBS WHIP" and the stream ID
// splicing rule). The UserSig that authenticates every request is computed
// here from the SDKSecretKey (TLSSigAPIv2) and renewed before it expires. A
// room plays over WHEP and takes talk over WHIP; a member named in the
// config plays its own stream ID, {SDKAppID}_{ROOM}_{MEMBER}_main.
package trtc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/whep"
)

// DefaultUserSigTTL is the lifetime of a UserSig when the config sets none.
const DefaultUserSigTTL = 24 * time.Hour

// Room is one configured room and the members shown as its tiles.
type Room struct {
	Name    string
	Members []string
}

// Config configures a Client. Zero values get defaults in New.
type Config struct {
	Endpoint   string // e.g. https://signaling.rtc-web.com
	SDKAppID   int64
	SecretKey  string // SDKSecretKey
	UserID     string // the user this app joins as (SessionID)
	Rooms      []Room
	UserSigTTL time.Duration // default DefaultUserSigTTL
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock UserSigs are issued by; default time.Now.
	Now func() time.Time
}

// Client is a trtc account. It implements session.Opener and
// session.Directory, and lists the members of its rooms (Members, the
// account's session.Client.Members).
type Client struct {
	cfg  Config
	base *url.URL
	log  *slog.Logger
	sig  *signer // the account's own user id: OPTIONS probes only
}

// New checks cfg.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("trtc: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.SDKAppID <= 0 || cfg.SecretKey == "" || cfg.UserID == "" {
		return nil, errors.New("trtc: sdk_app_id, secret_key and user_id are required")
	}
	if cfg.UserSigTTL <= 0 {
		cfg.UserSigTTL = DefaultUserSigTTL
	}
	if cfg.UserSigTTL < time.Second {
		cfg.UserSigTTL = time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, base: u, log: log}
	c.sig = c.signer(cfg.UserID)
	return c, nil
}

// renewAt is the part of a UserSig's lifetime after which a new one is
// computed: a request never carries one in its last fifth.
const renewAt = 4.0 / 5

// signer computes and renews the UserSig of one user id.
type signer struct {
	c    *Client
	user string

	mu     sync.Mutex
	sig    string
	issued time.Time
}

func (c *Client) signer(user string) *signer { return &signer{c: c, user: user} }

// UserSig returns the current UserSig, computing a new one when none was
// made yet or the last one is past four fifths of its lifetime.
func (s *signer) UserSig() (string, error) {
	cfg := s.c.cfg
	now := cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sig != "" && now.Sub(s.issued) < time.Duration(float64(cfg.UserSigTTL)*renewAt) && !now.Before(s.issued) {
		return s.sig, nil
	}
	sig, err := UserSig(cfg.SDKAppID, cfg.SecretKey, s.user, now, cfg.UserSigTTL)
	if err != nil {
		return "", fmt.Errorf("trtc: UserSig: %w", err)
	}
	s.sig, s.issued = sig, now
	s.c.log.Debug("trtc: new UserSig", "user", s.user, "valid_for", cfg.UserSigTTL)
	return sig, nil
}

// UserSig returns the current UserSig of the account's own user id, as
// OPTIONS probes send it.
func (c *Client) UserSig() (string, error) { return c.sig.UserSig() }

// Session ids. A room admits one client per user id (spec 001's
// onKickout, "the same user logged in repeatedly"; spec 002: "Username
// duplication, causing mutual kicking out"), so every WHEP and WHIP
// session joins as a user id of its own: the account's user_id, an
// underscore and sessionSuffixLen letters and digits. The specs' only
// character rule for TRTC ids (002, room IDs: "numbers, letters, and
// underscores") is kept by the suffix.
const (
	sessionSuffixLen = 8
	suffixAlphabet   = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// SessionUserID returns a fresh user id for one session: user_id, "_" and
// a random suffix.
func (c *Client) SessionUserID() string {
	b := make([]byte, sessionSuffixLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return c.cfg.UserID + "_" + string(b)
}

// StreamID is the spec's splicing rule for applications created since
// January 2020: urlencode(sdkAppId_roomId_userId_streamType), here with the
// camera stream type "main".
func StreamID(sdkAppID int64, room, member string) string {
	return url.QueryEscape(strconv.FormatInt(sdkAppID, 10) + "_" + room + "_" + member + "_main")
}

// endpointURL is {endpoint}/v2/{dir}/{SDKAppID}/{name}?SessionID={user}.
func (c *Client) endpointURL(dir, name, user string) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v2/" + dir + "/" + strconv.FormatInt(c.cfg.SDKAppID, 10) + "/" + url.PathEscape(name)
	u.RawPath = ""
	u.RawQuery = url.Values{"SessionID": {user}}.Encode()
	return u.String()
}

// endpoint is the WHEP or WHIP endpoint of a room or stream. OPTIONS goes
// as the account's user id; every POST (every session) goes as a fresh
// user id with its own UserSig (SessionUserID). TRTC may answer 200 and
// name no Location: such a session ends by closing its peer.
func (c *Client) endpoint(dir, name string) *whep.Endpoint {
	return &whep.Endpoint{
		URL: c.endpointURL(dir, name, c.cfg.UserID), Token: c.UserSig, Credential: "UserSig",
		Session: func() (string, func() (string, error), error) {
			user := c.SessionUserID()
			return c.endpointURL(dir, name, user), c.signer(user).UserSig, nil
		},
		LocationOptional: true,
		HTTP:             c.cfg.HTTPClient, Logger: c.log.With("room", name),
	}
}

func (c *Client) room(name string) (Room, error) {
	for _, r := range c.cfg.Rooms {
		if r.Name == name {
			return r, nil
		}
	}
	return Room{}, &session.RemoteError{Op: "trtc", Reason: fmt.Sprintf("no room %q in this account", name), Err: session.ErrNotFound}
}

// Endpoints returns the WHEP endpoint a source id plays and the WHIP
// endpoint its talk goes to (nil for a member). id is "ROOM" or
// "ROOM/MEMBER".
func (c *Client) Endpoints(id string) (*whep.Endpoint, *whep.Endpoint, error) {
	roomName, member, isMember := strings.Cut(id, "/")
	r, err := c.room(roomName)
	if err != nil {
		return nil, nil, err
	}
	if isMember {
		if member == "" || strings.Contains(member, "/") {
			return nil, nil, &session.RemoteError{Op: "trtc", Reason: fmt.Sprintf("bad member in %q", id), Err: session.ErrNotFound}
		}
		return c.endpoint("sub", StreamID(c.cfg.SDKAppID, r.Name, member)), nil, nil
	}
	return c.endpoint("sub", r.Name), c.endpoint("pub", r.Name), nil
}

// Open implements session.Opener for "ROOM" (the room's stream; talk
// publishes to the room) and "ROOM/MEMBER" (one member's camera stream).
func (c *Client) Open(ctx context.Context, id string, _ session.Quality) (session.Call, error) {
	play, pub, err := c.Endpoints(id)
	if err != nil {
		return nil, err
	}
	return whep.Open(ctx, play, func(ice []webrtc.ICEServer) session.Plan { return whep.PlayPlan(ice, pub != nil) }, pub)
}

// Devices implements session.Directory: the configured rooms.
func (c *Client) Devices(context.Context) ([]session.Device, error) {
	out := make([]session.Device, 0, len(c.cfg.Rooms))
	for _, r := range c.cfg.Rooms {
		out = append(out, session.Device{ID: r.Name, Name: r.Name, Type: session.TypeRoom, Online: true, Talk: session.TalkFull})
	}
	return out, nil
}

// Members lists the members of a room who publish. WHEP carries no room events,
// so each member named in the config is probed: an OPTIONS request to its
// stream's WHEP endpoint succeeds while the member publishes and gets 404
// while it does not. Members who are not publishing are left out.
func (c *Client) Members(ctx context.Context, room string) ([]session.Device, error) {
	r, err := c.room(room)
	if err != nil {
		return nil, err
	}
	var out []session.Device
	for _, m := range r.Members {
		ep := c.endpoint("sub", StreamID(c.cfg.SDKAppID, r.Name, m))
		_, err := ep.Options(ctx)
		switch {
		case err == nil:
			out = append(out, session.Device{ID: r.Name + "/" + m, Name: m, Type: session.TypeStream, Online: true, Talk: session.TalkNone})
		case errors.Is(err, session.ErrNotFound):
		default:
			return nil, fmt.Errorf("trtc: members of %s: %w", room, err)
		}
	}
	return out, nil
}

// Close implements the account's close; the client holds no connection.
func (c *Client) Close() error { return nil }
