package demo

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session/tuya"
)

func TestOpenAPIAuthentication(t *testing.T) {
	s := startSite(t, Config{})
	c := newAPIClient(t, s)
	tok := c.login()
	if tok.RefreshToken == "" || tok.ExpireTime != 7200 {
		t.Fatalf("token result %+v", tok)
	}
	devices := "/v1.0/users/" + s.UID() + "/devices"
	stale := strconv.FormatInt(time.Now().Add(-20*time.Minute).UnixMilli(), 10)
	cases := []struct {
		name     string
		path     string
		token    string
		method   tuya.SignMethod
		clientID string
		secret   string
		edit     func(http.Header)
		wantCode int
		wantMsg  string
	}{
		{name: "signed hmac", path: devices},
		{name: "signed md5", path: devices, method: tuya.SignMD5},
		{name: "token request", path: "/v1.0/token?grant_type=1", token: "-"},
		{name: "wrong secret", path: devices, secret: "not-the-secret", wantCode: 1004, wantMsg: "sign invalid"},
		{name: "tampered sign", path: devices, edit: func(h http.Header) { h.Set("sign", strings.Repeat("A", 64)) }, wantCode: 1004, wantMsg: "sign invalid"},
		{name: "tampered nonce", path: devices, edit: func(h http.Header) { h.Set("nonce", "other") }, wantCode: 1004, wantMsg: "sign invalid"},
		{name: "unknown sign method", path: devices, edit: func(h http.Header) { h.Set("sign_method", "SHA1") }, wantCode: 1004, wantMsg: "sign invalid"},
		{name: "unknown client", path: devices, clientID: "someoneelse", wantCode: 1005, wantMsg: "clientId invalid"},
		{name: "stale time", path: devices, edit: func(h http.Header) { h.Set("t", stale) }, wantCode: 1013, wantMsg: "request time is invalid"},
		{name: "bad token", path: devices, token: "0123456789abcdef", wantCode: 1010, wantMsg: "token invalid"},
		{name: "no token", path: devices, token: "-", wantCode: 1010, wantMsg: "token invalid"},
		{name: "grant type", path: "/v1.0/token?grant_type=2", token: "-", wantCode: 1003, wantMsg: "grant type invalid"},
		{name: "unknown path", path: "/v1.0/nothing/here", wantCode: 1108, wantMsg: "uri path invalid"},
		{name: "unknown uid", path: "/v1.0/users/nobody/devices", wantCode: 1106, wantMsg: "permission deny"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			switch tc.token {
			case "":
			case "-":
				cc.token = ""
			default:
				cc.token = tc.token
			}
			if tc.method != "" {
				cc.method = tc.method
			}
			if tc.clientID != "" {
				cc.clientID = tc.clientID
			}
			if tc.secret != "" {
				cc.secret = tc.secret
			}
			e := cc.request(http.MethodGet, tc.path, nil, tc.edit)
			if tc.wantCode == 0 {
				if !e.Success {
					t.Fatalf("refused: code %d %s", e.Code, e.Msg)
				}
				return
			}
			if e.Success || e.Code != tc.wantCode || e.Msg != tc.wantMsg {
				t.Fatalf("got success=%v code=%d msg=%q, want code %d %q", e.Success, e.Code, e.Msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestOpenAPITokenLifecycle(t *testing.T) {
	s := startSite(t, Config{TokenExpire: 300 * time.Millisecond})
	c := newAPIClient(t, s)
	first := c.login()
	old := c.token

	// Refresh: the old pair is retired, the new token works.
	c.token = ""
	e := c.request(http.MethodGet, "/v1.0/token/"+first.RefreshToken, nil, nil)
	var second tokenResult
	c.result(e, &second)
	if second.AccessToken == old {
		t.Fatal("refresh returned the same access token")
	}
	c.token = old
	if e := c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices", nil, nil); e.Code != 1010 {
		t.Fatalf("retired token: code %d, want 1010", e.Code)
	}
	c.token = ""
	if e := c.request(http.MethodGet, "/v1.0/token/"+first.RefreshToken, nil, nil); e.Code != 1010 {
		t.Fatalf("reused refresh token: code %d, want 1010", e.Code)
	}

	// Expiry.
	c.token = second.AccessToken
	if e := c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices", nil, nil); !e.Success {
		t.Fatalf("fresh token refused: %d %s", e.Code, e.Msg)
	}
	time.Sleep(400 * time.Millisecond)
	if e := c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices", nil, nil); e.Code != 1010 {
		t.Fatalf("expired token: code %d, want 1010", e.Code)
	}
}

func TestOpenAPIResources(t *testing.T) {
	s := startSite(t, Config{MQTTExpire: 90 * time.Second})
	c := newAPIClient(t, s)
	c.login()

	var devs []deviceResult
	c.result(c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices", nil, nil), &devs)
	want := []Camera{{ID: "cam1", Name: "Front door", Online: true}, {ID: "cam2", Name: "Garage", Online: true}, {ID: "attic", Name: "Attic (offline)"}}
	if len(devs) != len(want) {
		t.Fatalf("%d devices, want %d", len(devs), len(want))
	}
	for i, d := range devs {
		if d.ID != want[i].ID || d.Name != want[i].Name || d.Online != want[i].Online || d.Category != "sp" || d.UID != s.UID() {
			t.Errorf("device %d = %+v, want %+v", i, d, want[i])
		}
	}

	// webrtc-configs: skill is a JSON string.
	var raw map[string]any
	c.result(c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices/cam1/webrtc-configs", nil, nil), &raw)
	skillStr, ok := raw["skill"].(string)
	if !ok {
		t.Fatalf("skill is %T, want a JSON string", raw["skill"])
	}
	var skill struct {
		Audios []struct{ CodecType, SampleRate, Channels int }
		Videos []struct{ StreamType, Width, Height, CodecType int }
	}
	if err := json.Unmarshal([]byte(skillStr), &skill); err != nil {
		t.Fatalf("skill: %v", err)
	}
	if len(skill.Videos) != 2 || skill.Videos[0].StreamType != 2 || skill.Videos[0].Width != 1280 ||
		skill.Videos[1].StreamType != 4 || skill.Videos[1].Height != 360 || skill.Videos[1].CodecType != 2 {
		t.Errorf("skill videos %+v", skill.Videos)
	}
	if len(skill.Audios) != 1 || skill.Audios[0].CodecType != 101 || skill.Audios[0].SampleRate != 8000 || skill.Audios[0].Channels != 1 {
		t.Errorf("skill audios %+v", skill.Audios)
	}
	var cfg webRTCResult
	c.result(c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices/cam1/webrtc-configs", nil, nil), &cfg)
	cam := s.Camera("cam1")
	if cfg.Auth != cam.Auth() || cfg.MotoID != cam.MotoID() || cfg.ID != "cam1" || !cfg.SupportsWebRTC {
		t.Errorf("webrtc-configs %+v", cfg)
	}
	schemes := map[string]bool{}
	for _, ice := range cfg.P2PConfig.Ices {
		schemes[strings.SplitN(ice.URLs, ":", 2)[0]] = true
	}
	if !schemes["stun"] || !schemes["nat"] || !schemes["turn"] {
		t.Errorf("ices %+v", cfg.P2PConfig.Ices)
	}
	if e := c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices/attic/webrtc-configs", nil, nil); e.Code != 2001 || e.Msg != "device is offline" {
		t.Errorf("offline device: code %d %q", e.Code, e.Msg)
	}
	if e := c.request(http.MethodGet, "/v1.0/users/"+s.UID()+"/devices/nosuch/webrtc-configs", nil, nil); e.Code != 1106 {
		t.Errorf("unknown device: code %d %q", e.Code, e.Msg)
	}

	// access/config.
	body := []byte(`{"uid":"` + s.UID() + `","link_id":"12345678","link_type":"mqtt","topics":"ipc"}`)
	var mc accessConfigResult
	c.result(c.request(http.MethodPost, "/v1.0/open-hub/access/config", body, nil), &mc)
	if mc.URL != s.MQTTURL() || !strings.HasPrefix(mc.URL, "ssl://127.0.0.1:") || mc.ExpireTime != 90 ||
		mc.SinkTopic["ipc"] != "/av/moto/moto_id/u/{device_id}" || !strings.HasPrefix(mc.SourceTopic["ipc"], "/av/u/") ||
		mc.Username == "" || mc.Password == "" || mc.ClientID == "" {
		t.Errorf("access/config %+v", mc)
	}
	if e := c.request(http.MethodPost, "/v1.0/open-hub/access/config", []byte(`{"link_id":"1","link_type":"http","topics":"ipc"}`), nil); e.Code != 1109 {
		t.Errorf("bad link_type: code %d %q", e.Code, e.Msg)
	}
	// A body that differs from the signed one breaks the signature.
	cc := *c
	if e := cc.request(http.MethodPost, "/v1.0/open-hub/access/config", body, func(h http.Header) { h.Set("t", h.Get("t")+"0") }); e.Code != 1013 {
		t.Errorf("shifted time: code %d", e.Code)
	}
}

func TestConfigTOML(t *testing.T) {
	s := startSite(t, Config{Cameras: 1})
	got := s.ConfigTOML(`C:\demo\"ca".pem`)
	for _, want := range []string{
		"[[account]]\n",
		"name = \"demo\"\n",
		"kind = \"tuya\"\n",
		"endpoint = \"" + s.TuyaEndpoint() + "\"\n",
		"client_id = \"" + s.ClientID() + "\"\n",
		"secret = \"" + s.Secret() + "\"\n",
		"uid = \"" + s.UID() + "\"\n",
		`ca_file = "C:\\demo\\\"ca\".pem"` + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if cams := s.Cameras(); len(cams) != 2 || cams[0].ID != "cam1" || cams[1].ID != "attic" || cams[1].Online {
		t.Errorf("Cameras() = %+v", cams)
	}
	if s.Camera("nosuch") != nil {
		t.Error("Camera(nosuch) != nil")
	}
}
