package demo

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Error codes and messages of Tuya's OpenAPI ("Global error codes"). The
// real service answers every refusal with HTTP 200 and this body.
const (
	codePathInvalid    = 1108 // "uri path invalid"
	codeGrantType      = 1003 // "grant type invalid"
	codeSignInvalid    = 1004 // "sign invalid"
	codeClientID       = 1005 // "clientId invalid"
	codeTokenInvalid   = 1010 // "token invalid" (the real service also sends it for expired tokens)
	codeTimeInvalid    = 1013 // "request time is invalid"
	codeParamEmpty     = 1100 // "param is empty"
	codePermissionDeny = 1106 // "permission deny"
	codeParamIllegal   = 1109 // "param is illegal, please check it"
	codeDeviceOffline  = 2001 // "device is offline"
)

// maxSkew is how far the t header may be from the server's clock; the real
// service refuses requests outside about 15 minutes with code 1013.
const maxSkew = 15 * time.Minute

// maxBody bounds request bodies.
const maxBody = 1 << 20

// apiError is a refusal in Tuya's words.
type apiError struct {
	code int
	msg  string
}

// openAPI serves the Tuya OpenAPI subset Lookout uses: tokens, the device
// list, open-hub MQTT configuration and webrtc-configs.
type openAPI struct {
	clientID, secret, uid string
	tokenTTL              time.Duration
	mqttTTL               time.Duration
	brokerURL             string
	// plainURL, when set, is handed out instead of brokerURL
	// (HandOutPlainBroker, faults.go).
	plainURL atomic.Pointer[string]
	creds    *credStore
	cams     []*CameraSim
	ices     func(deviceID string) []iceServer
	witness  witness
	log      *slog.Logger

	mu      sync.Mutex
	tokens  map[string]time.Time // access token -> expiry
	refresh map[string]string    // refresh token -> its access token
}

// iceServer is one entry of p2p_config.ices.
type iceServer struct {
	URLs       string `json:"urls"`
	Username   string `json:"username,omitempty"`
	Credential string `json:"credential,omitempty"`
	TTL        int    `json:"ttl,omitempty"`
}

func (a *openAPI) camera(id string) *CameraSim {
	for _, c := range a.cams {
		if c.id == id {
			return c
		}
	}
	return nil
}

// ServeHTTP authenticates the request as the real service does, then
// routes it.
func (a *openAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	tokenRequest := len(segs) >= 2 && segs[0] == "v1.0" && segs[1] == "token"
	if aerr := a.authenticate(r, body, tokenRequest); aerr != nil {
		a.log.Debug("demo openapi: refused", "method", r.Method, "path", logPath(segs), "code", aerr.code, "reason", aerr.msg)
		writeError(w, aerr)
		return
	}
	result, aerr := a.route(r, segs, body)
	if aerr != nil {
		a.log.Debug("demo openapi: error", "method", r.Method, "path", logPath(segs), "code", aerr.code, "reason", aerr.msg)
		writeError(w, aerr)
		return
	}
	writeResult(w, result)
}

// logPath returns the request path for logs, with the refresh token of
// GET /v1.0/token/{refresh_token} hidden.
func logPath(segs []string) string {
	if len(segs) == 3 && segs[1] == "token" {
		return "/v1.0/token/(hidden)"
	}
	return "/" + strings.Join(segs, "/")
}

// authenticate checks client_id, t, the signature and, except for token
// requests, the access token.
func (a *openAPI) authenticate(r *http.Request, body []byte, tokenRequest bool) *apiError {
	if r.Header.Get("client_id") != a.clientID {
		return &apiError{codeClientID, "clientId invalid"}
	}
	ms, err := strconv.ParseInt(r.Header.Get("t"), 10, 64)
	if err != nil {
		return &apiError{codeTimeInvalid, "request time is invalid"}
	}
	if skew := time.Since(time.UnixMilli(ms)); skew > maxSkew || skew < -maxSkew {
		return &apiError{codeTimeInvalid, "request time is invalid"}
	}
	accessToken := ""
	if !tokenRequest {
		accessToken = r.Header.Get("access_token")
	}
	a.witness.saw(r.Header.Get("sign"))
	if !tuyaSignatureOK(r, body, a.secret, a.clientID, accessToken) {
		return &apiError{codeSignInvalid, "sign invalid"}
	}
	if tokenRequest {
		return nil
	}
	a.mu.Lock()
	exp, ok := a.tokens[accessToken]
	a.mu.Unlock()
	if !ok || time.Now().After(exp) {
		return &apiError{codeTokenInvalid, "token invalid"}
	}
	return nil
}

func (a *openAPI) route(r *http.Request, segs []string, body []byte) (any, *apiError) {
	switch {
	case r.Method == http.MethodGet && len(segs) == 2 && segs[1] == "token":
		if r.URL.Query().Get("grant_type") != "1" {
			return nil, &apiError{codeGrantType, "grant type invalid"}
		}
		return a.issueToken(""), nil
	case r.Method == http.MethodGet && len(segs) == 3 && segs[1] == "token":
		return a.refreshToken(segs[2])
	case r.Method == http.MethodGet && len(segs) == 4 && segs[1] == "users" && segs[3] == "devices":
		if segs[2] != a.uid {
			return nil, &apiError{codePermissionDeny, "permission deny"}
		}
		return a.devices(), nil
	case r.Method == http.MethodGet && len(segs) == 6 && segs[1] == "users" && segs[3] == "devices" && segs[5] == "webrtc-configs":
		if segs[2] != a.uid {
			return nil, &apiError{codePermissionDeny, "permission deny"}
		}
		return a.webRTCConfigs(segs[4])
	case r.Method == http.MethodPost && len(segs) == 4 && segs[1] == "open-hub" && segs[2] == "access" && segs[3] == "config":
		return a.accessConfig(body)
	}
	return nil, &apiError{codePathInvalid, "uri path invalid"}
}

type tokenResult struct {
	AccessToken  string `json:"access_token"`
	ExpireTime   int    `json:"expire_time"`
	RefreshToken string `json:"refresh_token"`
	UID          string `json:"uid"`
}

// issueToken makes a new token pair, retiring the pair of oldRefresh.
func (a *openAPI) issueToken(oldRefresh string) tokenResult {
	res := tokenResult{
		AccessToken:  randomHex(16),
		ExpireTime:   int(a.tokenTTL / time.Second),
		RefreshToken: randomHex(16),
		UID:          a.uid,
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.refresh[oldRefresh]; ok {
		delete(a.tokens, old)
		delete(a.refresh, oldRefresh)
	}
	now := time.Now()
	for tok, exp := range a.tokens {
		if now.After(exp.Add(a.tokenTTL)) {
			delete(a.tokens, tok)
		}
	}
	a.witness.saw(res.AccessToken, res.RefreshToken)
	a.tokens[res.AccessToken] = now.Add(a.tokenTTL)
	a.refresh[res.RefreshToken] = res.AccessToken
	return res
}

func (a *openAPI) refreshToken(rt string) (any, *apiError) {
	a.mu.Lock()
	_, ok := a.refresh[rt]
	a.mu.Unlock()
	if !ok {
		return nil, &apiError{codeTokenInvalid, "token invalid"}
	}
	return a.issueToken(rt), nil
}

type deviceResult struct {
	ActiveTime  int64  `json:"active_time"`
	BizType     int    `json:"biz_type"`
	Category    string `json:"category"`
	CreateTime  int64  `json:"create_time"`
	Icon        string `json:"icon"`
	ID          string `json:"id"`
	IP          string `json:"ip"`
	Name        string `json:"name"`
	Online      bool   `json:"online"`
	OwnerID     string `json:"owner_id"`
	ProductID   string `json:"product_id"`
	ProductName string `json:"product_name"`
	Status      []any  `json:"status"`
	Sub         bool   `json:"sub"`
	TimeZone    string `json:"time_zone"`
	UID         string `json:"uid"`
	UpdateTime  int64  `json:"update_time"`
	UUID        string `json:"uuid"`
	Model       string `json:"model"`
}

func (a *openAPI) devices() []deviceResult {
	out := make([]deviceResult, 0, len(a.cams))
	for _, c := range a.cams {
		out = append(out, deviceResult{
			ActiveTime:  c.created.Unix(),
			Category:    "sp",
			CreateTime:  c.created.Unix(),
			ID:          c.id,
			IP:          "127.0.0.1",
			Name:        c.name,
			Online:      c.online,
			OwnerID:     "demo-home",
			ProductID:   "lookoutdemocam",
			ProductName: "Lookout demo camera",
			Status:      []any{},
			TimeZone:    "+00:00",
			UID:         a.uid,
			UpdateTime:  c.created.Unix(),
			UUID:        c.id,
			Model:       "DEMO-1",
		})
	}
	return out
}

type webRTCResult struct {
	AudioAttributes struct {
		CallMode           []int `json:"call_mode"`
		HardwareCapability []int `json:"hardware_capability"`
	} `json:"audio_attributes"`
	Auth      string `json:"auth"`
	ID        string `json:"id"`
	MotoID    string `json:"moto_id"`
	P2PConfig struct {
		Ices []iceServer `json:"ices"`
	} `json:"p2p_config"`
	ProtocolVersion string `json:"protocol_version"`
	// Skill is a JSON document encoded as a string, as the real service
	// sends it (spec 3.2 shows it as an object; the wire carries a string).
	Skill          string `json:"skill"`
	SupportsWebRTC bool   `json:"supports_webrtc"`
	VedioClarity   int    `json:"vedio_clarity"`
}

// skillJSON is the skill a simulated camera announces: H.264 main
// (streamType 2) and sub (streamType 4) streams and audio of codecType
// audioCodec at 8 kHz mono.
func skillJSON(audioCodec int) string {
	b, _ := json.Marshal(map[string]any{
		"webrtc": 3,
		"audios": []map[string]any{{"channels": 1, "dataBit": 16, "codecType": audioCodec, "sampleRate": 8000}},
		"videos": []map[string]any{
			{"streamType": 2, "profileId": "", "width": MainWidth, "height": MainHeight, "codecType": 2, "sampleRate": 90000},
			{"streamType": 4, "profileId": "", "width": SubWidth, "height": SubHeight, "codecType": 2, "sampleRate": 90000},
		},
	})
	return string(b)
}

func (a *openAPI) webRTCConfigs(id string) (any, *apiError) {
	c := a.camera(id)
	if c == nil {
		return nil, &apiError{codePermissionDeny, "permission deny"}
	}
	if !c.online {
		return nil, &apiError{codeDeviceOffline, "device is offline"}
	}
	var res webRTCResult
	// hardware_capability: 1 microphone, 2 speaker (spec 3.2).
	res.AudioAttributes.CallMode = append([]int{}, c.callMode...)
	res.AudioAttributes.HardwareCapability = []int{}
	if c.mic {
		res.AudioAttributes.HardwareCapability = append(res.AudioAttributes.HardwareCapability, 1)
	}
	if c.speaker {
		res.AudioAttributes.HardwareCapability = append(res.AudioAttributes.HardwareCapability, 2)
	}
	res.Auth = c.auth
	res.ID = c.id
	res.MotoID = c.motoID
	res.P2PConfig.Ices = a.ices(c.id)
	if res.P2PConfig.Ices == nil {
		res.P2PConfig.Ices = []iceServer{}
	}
	res.ProtocolVersion = "2.2"
	res.Skill = skillJSON(c.audioCodec)
	res.SupportsWebRTC = true
	return res, nil
}

type accessConfigRequest struct {
	UID      string `json:"uid"`
	LinkID   string `json:"link_id"`
	LinkType string `json:"link_type"`
	Topics   string `json:"topics"`
}

type accessConfigResult struct {
	ClientID    string            `json:"client_id"`
	ExpireTime  int               `json:"expire_time"`
	Password    string            `json:"password"`
	SinkTopic   map[string]string `json:"sink_topic"`
	SourceTopic map[string]string `json:"source_topic"`
	URL         string            `json:"url"`
	Username    string            `json:"username"`
}

// accessConfig issues per-link MQTT credentials (spec 3.1).
func (a *openAPI) accessConfig(body []byte) (any, *apiError) {
	var req accessConfigRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &apiError{codeParamIllegal, "param is illegal, please check it"}
	}
	if req.LinkID == "" || req.LinkType == "" || req.Topics == "" {
		return nil, &apiError{codeParamEmpty, "param is empty"}
	}
	if req.LinkType != "mqtt" || req.Topics != "ipc" {
		return nil, &apiError{codeParamIllegal, "param is illegal, please check it"}
	}
	if req.UID != "" && req.UID != a.uid {
		return nil, &apiError{codePermissionDeny, "permission deny"}
	}
	id := randomHex(16)
	cred := &mqttCred{
		username: "cloud_" + id,
		password: randomHex(16),
		clientID: "cloud_" + randomHex(16),
		source:   "/av/u/" + id,
		expires:  time.Now().Add(a.mqttTTL),
	}
	a.witness.saw(cred.password)
	a.creds.add(cred)
	return accessConfigResult{
		ClientID:    cred.clientID,
		ExpireTime:  int(a.mqttTTL / time.Second),
		Password:    cred.password,
		SinkTopic:   map[string]string{"ipc": "/av/moto/moto_id/u/{device_id}"},
		SourceTopic: map[string]string{"ipc": cred.source},
		URL:         a.handedOutURL(),
		Username:    cred.username,
	}, nil
}

// handedOutURL is the broker URL access/config hands out.
func (a *openAPI) handedOutURL() string {
	if u := a.plainURL.Load(); u != nil {
		return *u
	}
	return a.brokerURL
}

func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, map[string]any{"result": result, "success": true, "t": time.Now().UnixMilli(), "tid": randomHex(16)})
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, map[string]any{"code": e.code, "msg": e.msg, "success": false, "t": time.Now().UnixMilli(), "tid": randomHex(16)})
}

func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(buf.Bytes())
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	return hex.EncodeToString(randomBytes(n))
}

// randomBytes returns n bytes from crypto/rand, which never fails on the
// platforms Go supports (since Go 1.24 it crashes the program instead).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
