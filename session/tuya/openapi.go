// Package tuya is Lookout's client for the Tuya IoT cloud: the OpenAPI over
// HTTPS (token, device list, MQTT and WebRTC configurations) and WebRTC
// signaling over MQTT with protocol 302, as described in Tuya's "WebRTC"
// document (spec 000).
package tuya

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// DefaultEndpoint is the OpenAPI base URL used when Config.Endpoint is empty
// (Tuya's Western America data center).
const DefaultEndpoint = "https://openapi.tuyaus.com"

// maxBody bounds an OpenAPI response body.
const maxBody = 1 << 20

// categoryCamera is Tuya's product category of smart cameras.
const categoryCamera = "sp"

// Config configures a Client. Zero values get defaults in New.
type Config struct {
	// Endpoint is the OpenAPI base URL of the project's data center;
	// DefaultEndpoint when empty.
	Endpoint string
	// ClientID and Secret are the project's Access ID and Access Secret.
	ClientID string
	Secret   string
	// UID is the user ID of the linked app account ("easy" mode): device
	// lists and configurations are asked for this user.
	UID string
	// SignMethod is how requests are signed; SignHMAC when empty.
	SignMethod SignMethod
	// Devices, when not empty, are the only device IDs Devices returns.
	Devices []string
	// HTTPClient makes the OpenAPI requests; a client with a 15 s timeout
	// when nil.
	HTTPClient *http.Client
	// TLSConfig is used for MQTT over TLS, with RootCAs already set by the
	// caller; nil uses the system roots. Certificates are always verified.
	TLSConfig *tls.Config
	// Logger receives debug and warning logs; slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock for signatures, token and MQTT credential expiry;
	// time.Now when nil.
	Now func() time.Time
}

// Client talks to one Tuya cloud project on behalf of one linked user. It
// implements session.Directory and session.Opener. A Client is safe for
// concurrent use; Close releases its MQTT connection.
type Client struct {
	cfg  Config
	base string
	http *http.Client
	log  *slog.Logger
	now  func() time.Time

	tokMu sync.Mutex
	tok   token

	// MQTT state, see mqtt.go.
	mqMu      sync.Mutex // serializes connecting and renewing
	link      atomic.Pointer[mqttLink]
	routesMu  sync.Mutex
	routes    map[string]*Call
	renewPoll time.Duration // how often the renewal loop looks at the clock

	closed atomic.Bool
	stop   chan struct{}
	lost   chan struct{} // the broker connection dropped: redial
	wg     sync.WaitGroup
}

var (
	_ session.Directory = (*Client)(nil)
	_ session.Opener    = (*Client)(nil)
)

// New checks cfg, fills in defaults and returns a Client. It makes no
// network request.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" || cfg.Secret == "" {
		return nil, errors.New("tuya: client_id and secret are required (the project's Access ID and Access Secret)")
	}
	if cfg.UID == "" {
		return nil, errors.New("tuya: uid is required (the user ID of the app account linked to the project)")
	}
	switch cfg.SignMethod {
	case "":
		cfg.SignMethod = SignHMAC
	case SignHMAC, SignMD5:
	default:
		return nil, fmt.Errorf("tuya: sign_method %q: want %q or %q", cfg.SignMethod, SignHMAC, SignMD5)
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("tuya: endpoint %q is not an https:// URL", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.HTTPClient.CheckRedirect == nil {
		// access_token and sign must not follow a redirect to another host.
		hc := *cfg.HTTPClient
		hc.CheckRedirect = session.CheckRedirect
		cfg.HTTPClient = &hc
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{
		cfg:       cfg,
		base:      strings.TrimRight(cfg.Endpoint, "/"),
		http:      cfg.HTTPClient,
		log:       cfg.Logger.With("pkg", "tuya"),
		now:       cfg.Now,
		routes:    make(map[string]*Call),
		renewPoll: 5 * time.Second,
		stop:      make(chan struct{}),
		lost:      make(chan struct{}, 1),
	}, nil
}

// token is the project's current access token.
type token struct {
	access    string
	refresh   string
	uid       string
	refreshAt time.Time // refresh from here on
	expiry    time.Time // unusable from here on
}

// tokenResult is the result of GET /v1.0/token.
type tokenResult struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpireTime   int64  `json:"expire_time"` // seconds
	UID          string `json:"uid"`
}

// accessToken returns a valid access token, refreshing or fetching one
// when the current one is about to expire.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	now := c.now()
	if c.tok.access != "" && now.Before(c.tok.refreshAt) {
		return c.tok.access, nil
	}
	if c.tok.refresh != "" && now.Before(c.tok.expiry) {
		t, err := c.fetchToken(ctx, "token refresh", "/v1.0/token/"+url.PathEscape(c.tok.refresh))
		if err == nil {
			c.tok = t
			return t.access, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		c.log.Debug("tuya: token refresh failed; fetching a new token", "err", err)
	}
	t, err := c.fetchToken(ctx, "token", "/v1.0/token?grant_type=1")
	if err != nil {
		c.tok = token{}
		return "", err
	}
	c.tok = t
	return t.access, nil
}

// fetchToken gets or refreshes the token (a token request: signed without
// an access token).
func (c *Client) fetchToken(ctx context.Context, op, path string) (token, error) {
	start := c.now()
	res, err := c.send(ctx, op, http.MethodGet, path, nil, "")
	if err != nil {
		return token{}, err
	}
	var tr tokenResult
	if err := json.Unmarshal(res, &tr); err != nil || tr.AccessToken == "" {
		return token{}, fmt.Errorf("tuya: %s: %w: no access_token in the result", op, ErrBadResponse)
	}
	life := time.Duration(tr.ExpireTime) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	margin := min(time.Minute, life/5)
	return token{
		access:    tr.AccessToken,
		refresh:   tr.RefreshToken,
		uid:       tr.UID,
		refreshAt: start.Add(life - margin),
		expiry:    start.Add(life),
	}, nil
}

// dropToken forgets access if it is still the current token.
func (c *Client) dropToken(access string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.tok.access == access {
		c.tok = token{}
	}
}

// do makes a business request and decodes its result into out (unless nil).
// A request refused with "token invalid" is retried once with a fresh token.
func (c *Client) do(ctx context.Context, op, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("tuya: %s: %w", op, err)
		}
	}
	for attempt := 0; ; attempt++ {
		access, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		res, err := c.send(ctx, op, method, path, raw, access)
		if err != nil {
			if attempt == 0 && isTokenInvalid(err) {
				c.log.Debug("tuya: token refused; retrying with a new one", "op", op)
				c.dropToken(access)
				continue
			}
			return err
		}
		if out != nil {
			if err := json.Unmarshal(res, out); err != nil {
				return fmt.Errorf("tuya: %s: %w: %w", op, ErrBadResponse, err)
			}
		}
		return nil
	}
}

// envelope is every OpenAPI response.
type envelope struct {
	Success bool            `json:"success"`
	Code    json.RawMessage `json:"code"`
	Msg     string          `json:"msg"`
	Result  json.RawMessage `json:"result"`
}

// send signs and sends one request and returns the result of a successful
// envelope. accessToken is empty for token requests.
func (c *Client) send(ctx context.Context, op, method, path string, body []byte, accessToken string) (json.RawMessage, error) {
	t := strconv.FormatInt(c.now().UnixMilli(), 10)
	// The legacy MD5 scheme signs no nonce and sends none.
	nonce := ""
	if c.cfg.SignMethod != SignMD5 {
		nonce = randomHex(16)
	}
	sign := Sign(c.cfg.SignMethod, c.cfg.Secret, c.cfg.ClientID, accessToken, t, nonce,
		StringToSign(method, path, body, nil, nil))
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tuya: %s: %w", op, err)
	}
	req.Header.Set("client_id", c.cfg.ClientID)
	req.Header.Set("sign", sign)
	req.Header.Set("sign_method", c.cfg.SignMethod.header())
	req.Header.Set("t", t)
	if nonce != "" {
		req.Header.Set("nonce", nonce)
	}
	if accessToken != "" {
		req.Header.Set("access_token", accessToken)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The URL may hold a refresh token: report the cause without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("tuya: %s: cannot reach %s: %w", op, c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("tuya: %s: %w: reading the body: %w", op, ErrBadResponse, err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("tuya: %s: %w: body larger than %d bytes", op, ErrBadResponse, maxBody)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct == "" {
			ct = "untyped"
		}
		return nil, fmt.Errorf("tuya: %s: %w: HTTP %d with a %s body that is not JSON; check the endpoint",
			op, ErrBadResponse, resp.StatusCode, ct)
	}
	if !env.Success {
		code := strings.Trim(string(env.Code), `"`)
		if code == "null" {
			code = ""
		}
		reason := env.Msg
		if reason == "" {
			reason = fmt.Sprintf("request refused (HTTP %d)", resp.StatusCode)
		}
		return nil, fmt.Errorf("tuya: %w", &session.RemoteError{Op: op, Code: code, Reason: reason, Err: classify(code)})
	}
	return env.Result, nil
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// apiDevice is one device of GET /v1.0/users/{uid}/devices.
type apiDevice struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Online   bool   `json:"online"`
}

// Devices lists the linked user's cameras (category "sp"), or, when
// Config.Devices is set, exactly those devices that the user has, in that
// order and whatever their category. The talk ability of online devices
// comes from their webrtc-configs (fetched a few at a time); offline ones
// and those whose configs fail are listed with session.TalkNone.
func (c *Client) Devices(ctx context.Context) ([]session.Device, error) {
	out, err := c.listDevices(ctx)
	if err != nil {
		return nil, err
	}
	c.fillTalk(ctx, out)
	return out, nil
}

// listDevices is Devices without the talk abilities (all TalkNone): one
// request, whatever the number of devices.
func (c *Client) listDevices(ctx context.Context) ([]session.Device, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("tuya: devices: %w", session.ErrClosed)
	}
	// In "easy" mode the token's uid is the project's own, not the linked
	// user's: always ask for Config.UID.
	var raw json.RawMessage
	if err := c.do(ctx, "devices", http.MethodGet, "/v1.0/users/"+url.PathEscape(c.cfg.UID)+"/devices", nil, &raw); err != nil {
		return nil, err
	}
	var list []apiDevice
	if err := json.Unmarshal(raw, &list); err != nil {
		// Some endpoints wrap the list in an object.
		var obj struct {
			Devices []apiDevice `json:"devices"`
			List    []apiDevice `json:"list"`
		}
		if err2 := json.Unmarshal(raw, &obj); err2 != nil {
			return nil, fmt.Errorf("tuya: devices: %w: %w", ErrBadResponse, err)
		}
		list = append(obj.Devices, obj.List...)
	}
	toDevice := func(d apiDevice) session.Device {
		name := d.Name
		if name == "" {
			name = d.ID
		}
		return session.Device{ID: d.ID, Name: name, Type: session.TypeCamera, Online: d.Online, Talk: session.TalkNone}
	}
	var out []session.Device
	if len(c.cfg.Devices) > 0 {
		byID := make(map[string]apiDevice, len(list))
		for _, d := range list {
			byID[d.ID] = d
		}
		for _, id := range c.cfg.Devices {
			d, ok := byID[id]
			if !ok {
				c.log.Warn("tuya: configured device is not among the user's devices", "device", id)
				continue
			}
			out = append(out, toDevice(d))
		}
	} else {
		for _, d := range list {
			if d.Category == categoryCamera {
				out = append(out, toDevice(d))
			}
		}
	}
	return out, nil
}

// Endpoints are what a network check of a Tuya account probes.
type Endpoints struct {
	API        string             // the OpenAPI base URL
	MQTT       string             // the broker access/config hands out
	ICEServers []webrtc.ICEServer // of the first online camera; none when no camera is online
}

// NetworkEndpoints signs in and gathers the account's endpoints: the MQTT
// broker it is handed and the ICE servers of its first online camera (one
// device list and one webrtc-configs, whatever the number of cameras).
func (c *Client) NetworkEndpoints(ctx context.Context) (Endpoints, error) {
	e := Endpoints{API: c.cfg.Endpoint}
	mc, err := c.MQTTConfig(ctx)
	if err != nil {
		return e, err
	}
	e.MQTT = mc.URL
	if _, err := parseBrokerURL(mc.URL); err != nil {
		return e, err // a call could not use this broker
	}
	devs, err := c.listDevices(ctx)
	if err != nil {
		return e, err
	}
	for _, d := range devs {
		if d.Online {
			wc, err := c.WebRTCConfigs(ctx, d.ID)
			if err != nil {
				return e, err
			}
			e.ICEServers = wc.P2PConfig.ICEServers()
			break
		}
	}
	return e, nil
}

// fillTalk sets the talk ability of online devices from webrtc-configs.
func (c *Client) fillTalk(ctx context.Context, devs []session.Device) {
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range devs {
		if !devs[i].Online {
			continue
		}
		wg.Add(1)
		go func(d *session.Device) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cfg, err := c.WebRTCConfigs(ctx, d.ID)
			if err != nil {
				c.log.Debug("tuya: talk ability unknown", "device", d.ID, "err", err)
				return
			}
			d.Talk = cfg.AudioAttributes.Talk()
			d.Silent = !cfg.AudioAttributes.Microphone()
		}(&devs[i])
	}
	wg.Wait()
}

// MQTTConfig is the result of POST /v1.0/open-hub/access/config (spec
// 3.1): how to log in to Tuya's MQTT broker and which topics to use.
type MQTTConfig struct {
	URL         string    `json:"url"`
	Username    string    `json:"username"`
	Password    string    `json:"password"`
	ClientID    string    `json:"client_id"`
	SourceTopic TopicPair `json:"source_topic"`
	SinkTopic   TopicPair `json:"sink_topic"`
	// ExpireTime is how long the credentials are valid, in seconds.
	ExpireTime int64 `json:"expire_time"`
}

// TopicPair holds the topics of one topic type; Lookout only asks for "ipc".
type TopicPair struct {
	IPC string `json:"ipc"`
}

// mqttConfigRequest is the body of POST /v1.0/open-hub/access/config.
type mqttConfigRequest struct {
	UID      string `json:"uid"`
	LinkID   string `json:"link_id"`
	LinkType string `json:"link_type"`
	Topics   string `json:"topics"`
}

// MQTTConfig asks for MQTT credentials and topics for the linked user.
func (c *Client) MQTTConfig(ctx context.Context) (*MQTTConfig, error) {
	// link_id: "the unique flag of the user connection with a maximum
	// length of 8 digits" (spec 3.1).
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	req := mqttConfigRequest{UID: c.cfg.UID, LinkID: n.String(), LinkType: "mqtt", Topics: "ipc"}
	var cfg MQTTConfig
	if err := c.do(ctx, "mqtt config", http.MethodPost, "/v1.0/open-hub/access/config", req, &cfg); err != nil {
		return nil, err
	}
	if cfg.URL == "" || cfg.SourceTopic.IPC == "" || cfg.SinkTopic.IPC == "" {
		return nil, fmt.Errorf("tuya: mqtt config: %w: url or ipc topics missing", ErrBadResponse)
	}
	return &cfg, nil
}

// WebRTCConfig is the result of GET
// /v1.0/users/{uid}/devices/{id}/webrtc-configs (spec 3.2).
type WebRTCConfig struct {
	AudioAttributes AudioAttributes `json:"audio_attributes"`
	// Auth goes into every offer.
	Auth string `json:"auth"`
	ID   string `json:"id"`
	// MotoID is the broker instance serving the device; it goes into the
	// header and the sink topic.
	MotoID    string    `json:"moto_id"`
	P2PConfig P2PConfig `json:"p2p_config"`
	Skill     Skill     `json:"skill"`
	// SupportsWebRTC is nil when the service does not say.
	SupportsWebRTC *bool `json:"supports_webrtc,omitempty"`
	// VideoClarity is the definition; the field name is Tuya's spelling.
	VideoClarity int `json:"vedio_clarity"`
}

// AudioAttributes says what the device can do with audio (spec 3.2,
// AudioAttributes: "call_mode ... 1: one-way chat. 2: two-way chat";
// "hardware_capability ... 1: MIC. 2: speaker"). The table types both as
// Integer while the sample response gives lists ([1, 2]); both are read.
type AudioAttributes struct {
	// CallMode holds 1 (one-way chat) and/or 2 (two-way chat).
	CallMode Codes `json:"call_mode"`
	// HardwareCapability holds 1 (microphone) and/or 2 (speaker).
	HardwareCapability Codes `json:"hardware_capability"`
}

// Values of AudioAttributes.
const (
	CallOneWay      = 1 // call_mode: one-way chat, one side speaks at a time
	CallTwoWay      = 2 // call_mode: two-way chat, both at once
	HardwareMic     = 1 // hardware_capability: a microphone (the camera sends audio)
	HardwareSpeaker = 2 // hardware_capability: a speaker (the camera plays talk)
)

// Codes is a list of small integer codes, given as a list or as one number.
type Codes []int

// UnmarshalJSON reads a JSON list of numbers, one number, or null.
func (c *Codes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '[' && !bytes.Equal(b, []byte("null")) {
		var n int
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("audio attribute: %w", err)
		}
		*c = Codes{n}
		return nil
	}
	var l []int
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("audio attribute: %w", err)
	}
	*c = l
	return nil
}

// Has reports whether code is in c.
func (c Codes) Has(code int) bool { return slices.Contains(c, code) }

// TwoWay reports whether the device takes two-way chat (call mode 2).
func (a AudioAttributes) TwoWay() bool { return a.CallMode.Has(CallTwoWay) }

// Speaker reports whether the device can play talk audio. A device that
// states no hardware is taken at its call modes.
func (a AudioAttributes) Speaker() bool {
	if len(a.HardwareCapability) == 0 {
		return a.CallMode.Has(CallOneWay) || a.CallMode.Has(CallTwoWay)
	}
	return a.HardwareCapability.Has(HardwareSpeaker)
}

// Microphone reports whether the device sends audio. A device that states
// no hardware is taken to have one.
func (a AudioAttributes) Microphone() bool {
	return len(a.HardwareCapability) == 0 || a.HardwareCapability.Has(HardwareMic)
}

// Talk is how the device takes talk: none without a speaker; full for
// two-way chat; half for one-way chat (the camera's own sound is muted
// while the user talks); none when no call mode is given.
func (a AudioAttributes) Talk() session.Talk {
	switch {
	case !a.Speaker():
		return session.TalkNone
	case a.TwoWay():
		return session.TalkFull
	case a.CallMode.Has(CallOneWay):
		return session.TalkHalf
	}
	return session.TalkNone
}

// P2PConfig holds the ICE servers of a device.
type P2PConfig struct {
	ICEs []ICE `json:"ices"`
}

// ICE is one ICE server as Tuya lists it.
type ICE struct {
	URLs       string `json:"urls"`
	Username   string `json:"username,omitempty"`
	Credential string `json:"credential,omitempty"`
	TTL        int    `json:"ttl,omitempty"` // seconds
}

// ICEServers returns the STUN and TURN servers of p for pion. Other
// schemes (the spec's sample lists Tuya's own "nat:" servers) are skipped.
func (p P2PConfig) ICEServers() []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, ice := range p.ICEs {
		u := strings.TrimSpace(ice.URLs)
		scheme, _, _ := strings.Cut(u, ":")
		switch strings.ToLower(scheme) {
		case "stun", "stuns":
			out = append(out, webrtc.ICEServer{URLs: []string{u}})
		case "turn", "turns":
			out = append(out, webrtc.ICEServer{URLs: []string{u}, Username: ice.Username, Credential: ice.Credential})
		}
	}
	return out
}

// Skill is what the device streams. The real service returns it as a
// JSON-encoded string; the spec's sample shows an object. Both are read.
type Skill struct {
	WebRTC int          `json:"webrtc"`
	Audios []SkillAudio `json:"audios"`
	Videos []SkillVideo `json:"videos"`
}

// SkillAudio is one audio stream of a device.
type SkillAudio struct {
	Channels   int `json:"channels"`
	DataBit    int `json:"dataBit"`
	CodecType  int `json:"codecType"`
	SampleRate int `json:"sampleRate"`
}

// SkillVideo is one video stream of a device. CodecType 2 is H.264 and 4 is
// H.265.
type SkillVideo struct {
	StreamType int    `json:"streamType"`
	ProfileID  string `json:"profileId,omitempty"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	CodecType  int    `json:"codecType"`
	SampleRate int    `json:"sampleRate,omitempty"`
}

// Skill video codec types.
const (
	CodecH264 = 2
	CodecH265 = 4
)

// UnmarshalJSON reads a skill given as an object or as a JSON string that
// holds the object. An empty string or null leaves s zero.
func (s *Skill) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(str))
		if len(b) == 0 {
			*s = Skill{}
			return nil
		}
	}
	type plain Skill
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("skill: %w", err)
	}
	*s = Skill(p)
	return nil
}

// Skill audio codec types: the numbers of Tuya's media codec list. The
// spec's sample shows only 101 (raw PCM, which the camera sends as G.711
// over WebRTC); 105 and 106 are G.711 u-law and A-law.
const (
	CodecPCM   = 101
	CodecG711U = 105
	CodecG711A = 106
)

// AudioCodecs returns the G.711 codecs (MIME types) to offer the device:
// the one its skill names when it names G.711 u-law or A-law only,
// otherwise both, A-law first.
func (s Skill) AudioCodecs() []string {
	var u, a bool
	for _, x := range s.Audios {
		switch x.CodecType {
		case CodecG711U:
			u = true
		case CodecG711A:
			a = true
		default:
			return []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}
		}
	}
	switch {
	case u && !a:
		return []string{webrtc.MimeTypePCMU}
	case a && !u:
		return []string{webrtc.MimeTypePCMA}
	}
	return []string{webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}
}

// HasH265 reports whether any video stream is H.265.
func (s Skill) HasH265() bool {
	for _, v := range s.Videos {
		if v.CodecType == CodecH265 {
			return true
		}
	}
	return false
}

// WebRTCConfigs fetches the WebRTC configuration of one device.
func (c *Client) WebRTCConfigs(ctx context.Context, deviceID string) (*WebRTCConfig, error) {
	if deviceID == "" {
		return nil, fmt.Errorf("tuya: webrtc-configs: empty device id")
	}
	var cfg WebRTCConfig
	path := "/v1.0/users/" + url.PathEscape(c.cfg.UID) + "/devices/" + url.PathEscape(deviceID) + "/webrtc-configs"
	if err := c.do(ctx, "webrtc-configs", http.MethodGet, path, nil, &cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}
