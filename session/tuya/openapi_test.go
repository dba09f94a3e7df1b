package tuya

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no client id", Config{Secret: "s", UID: "u"}},
		{"no secret", Config{ClientID: "c", UID: "u"}},
		{"no uid", Config{ClientID: "c", Secret: "s"}},
		{"bad sign method", Config{ClientID: "c", Secret: "s", UID: "u", SignMethod: "sha1"}},
		{"bad endpoint", Config{ClientID: "c", Secret: "s", UID: "u", Endpoint: "ftp://x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
	c, err := New(Config{ClientID: "c", Secret: "s", UID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Endpoint != DefaultEndpoint || c.cfg.SignMethod != SignHMAC || c.http == nil || c.now == nil {
		t.Fatalf("defaults not set: %+v", c.cfg)
	}
	c.Close()
}

func TestDevices(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[{"id":"cam1","name":"Porch","category":"sp","online":true},
{"id":"plug1","name":"Plug","category":"cz","online":true},
{"id":"cam2","name":"","category":"sp","online":false},
{"id":"cam3","name":"Shed","category":"sp","online":true}]`
	// cam1 talks both ways; cam3 is listen-only; cam2 is offline.
	f.configs = map[string]string{"cam1": webrtcConfig("cam1", true), "cam3": webrtcConfig("cam3", false)}
	tests := []struct {
		name    string
		devices []string
		want    []session.Device
	}{
		{"cameras only", nil, []session.Device{
			{ID: "cam1", Name: "Porch", Type: session.TypeCamera, Online: true, Talk: session.TalkFull},
			{ID: "cam2", Name: "cam2", Type: session.TypeCamera, Online: false, Talk: session.TalkNone},
			{ID: "cam3", Name: "Shed", Type: session.TypeCamera, Online: true, Talk: session.TalkNone},
		}},
		{"configured ids in their order", []string{"cam2", "missing", "cam1"}, []session.Device{
			{ID: "cam2", Name: "cam2", Type: session.TypeCamera, Online: false, Talk: session.TalkNone},
			{ID: "cam1", Name: "Porch", Type: session.TypeCamera, Online: true, Talk: session.TalkFull},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, f, nil)
			c.cfg.Devices = tc.devices
			got, err := c.Devices(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("device %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestSignMD5Accepted(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[]`
	c := newTestClient(t, f, nil)
	c.cfg.SignMethod = SignMD5
	if _, err := c.Devices(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteErrors(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[]`
	f.configs["cam1"] = webrtcConfig("cam1", true)
	tests := []struct {
		name     string
		setup    func(c *Client)
		call     func(ctx context.Context, c *Client) error
		sentinel error
		code     string
		reason   string
	}{
		{
			name:     "wrong secret",
			setup:    func(c *Client) { c.cfg.Secret = "wrong" },
			call:     func(ctx context.Context, c *Client) error { _, err := c.Devices(ctx); return err },
			sentinel: session.ErrUnauthorized, code: "1004", reason: "sign invalid",
		},
		{
			name:     "device offline",
			call:     func(ctx context.Context, c *Client) error { _, err := c.WebRTCConfigs(ctx, "cam-gone"); return err },
			sentinel: session.ErrOffline, code: "2001", reason: "device is offline",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, f, nil)
			if tc.setup != nil {
				tc.setup(c)
			}
			err := tc.call(testCtx(t), c)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var re *session.RemoteError
			if !errors.As(err, &re) || re.Code != tc.code || re.Reason != tc.reason {
				t.Fatalf("err = %#v, want code %s reason %q", err, tc.code, tc.reason)
			}
			if session.Reason(err) != tc.reason {
				t.Fatalf("Reason = %q", session.Reason(err))
			}
		})
	}
}

func TestTokenInvalidRetriedOnce(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[]`
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	if _, err := c.Devices(ctx); err != nil {
		t.Fatal(err)
	}
	f.invalidateTokens()
	if _, err := c.Devices(ctx); err != nil {
		t.Fatalf("after 1010: %v", err)
	}
	if n := f.tokenGets.Load(); n != 2 {
		t.Fatalf("token fetched %d times, want 2", n)
	}
}

func TestTokenRefresh(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[]`
	f.expire = 100
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	c := newTestClient(t, f, clock.Now)
	ctx := testCtx(t)
	steps := []struct {
		advance            time.Duration
		wantGets, wantRefs int32
	}{
		{0, 1, 0},
		{50 * time.Second, 1, 0},  // still fresh
		{35 * time.Second, 1, 1},  // 85 s: inside the last 20 s, refreshed
		{50 * time.Second, 1, 1},  // 135 s: the refreshed token (until 185 s) is fresh
		{200 * time.Second, 2, 1}, // long expired: a new token
	}
	for i, s := range steps {
		clock.Add(s.advance)
		if _, err := c.Devices(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if g, r := f.tokenGets.Load(), f.refreshGets.Load(); g != s.wantGets || r != s.wantRefs {
			t.Fatalf("step %d: %d token gets, %d refreshes; want %d, %d", i, g, r, s.wantGets, s.wantRefs)
		}
	}
}

func TestBadResponses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"html", "<html>502 Bad Gateway</html>", "not JSON"},
		{"oversize", `{"success":true,"result":"` + strings.Repeat("x", maxBody) + `"}`, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeTuya(t)
			f.raw["/v1.0/token"] = tc.body
			c := newTestClient(t, f, nil)
			_, err := c.Devices(testCtx(t))
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadResponse mentioning %q", err, tc.want)
			}
		})
	}
}

func TestWebRTCConfigs(t *testing.T) {
	f := newFakeTuya(t)
	// skill as a JSON string (the real service) and as an object (the spec).
	f.configs["str"] = webrtcConfig("str", true)
	f.configs["obj"] = `{"audio_attributes":{"call_mode":[1],"hardware_capability":[1]},"auth":"a","id":"obj","moto_id":"m",
"p2p_config":{"ices":[{"urls":"stun:1.2.3.4:3478"}]},"skill":{"webrtc":3,"videos":[{"streamType":2,"width":2560,"codecType":4,"height":1440}]}}`
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)

	s, err := c.WebRTCConfigs(ctx, "str")
	if err != nil {
		t.Fatal(err)
	}
	if s.Auth != "auth-str" || s.MotoID != "moto_test" || !s.AudioAttributes.TwoWay() || len(s.Skill.Videos) != 2 ||
		s.Skill.Videos[0].Width != 1920 || s.Skill.Videos[1].Height != 360 || s.Skill.Audios[0].SampleRate != 8000 ||
		s.Skill.HasH265() || s.SupportsWebRTC == nil || !*s.SupportsWebRTC {
		t.Fatalf("parsed %+v", s)
	}
	ice := s.P2PConfig.ICEServers()
	want := []webrtc.ICEServer{
		{URLs: []string{"stun:127.0.0.1:3478"}},
		{URLs: []string{"turn:127.0.0.1:3478"}, Username: "1600883205:x", Credential: "cred"},
	}
	if len(ice) != len(want) {
		t.Fatalf("ICE servers %+v, want %+v", ice, want)
	}
	for i := range ice {
		if ice[i].URLs[0] != want[i].URLs[0] || ice[i].Username != want[i].Username || ice[i].Credential != want[i].Credential {
			t.Fatalf("ICE server %d = %+v, want %+v", i, ice[i], want[i])
		}
	}

	o, err := c.WebRTCConfigs(ctx, "obj")
	if err != nil {
		t.Fatal(err)
	}
	if o.AudioAttributes.TwoWay() || !o.Skill.HasH265() || o.Skill.Videos[0].Width != 2560 || o.SupportsWebRTC != nil {
		t.Fatalf("parsed %+v", o)
	}
}

func TestSkillUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		videos  int
		wantErr bool
	}{
		{"object", `{"videos":[{"codecType":2}]}`, 1, false},
		{"string", `"{\"videos\":[{\"codecType\":2},{\"codecType\":4}]}"`, 2, false},
		{"empty string", `""`, 0, false},
		{"null", `null`, 0, false},
		{"garbage string", `"{not json"`, 0, true},
		{"number", `5`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Skill
			err := s.UnmarshalJSON([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if len(s.Videos) != tc.videos {
				t.Fatalf("videos = %d, want %d", len(s.Videos), tc.videos)
			}
		})
	}
}

func TestMQTTConfigRequest(t *testing.T) {
	f := newFakeTuya(t)
	f.mqttURL = "tcp://127.0.0.1:1"
	c := newTestClient(t, f, nil)
	cfg, err := c.MQTTConfig(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SourceTopic.IPC != "/av/u/msid1" || cfg.SinkTopic.IPC != "/av/moto/moto_id/u/{device_id}" || cfg.ExpireTime != 7200 ||
		cfg.ClientID != "cloud_1" {
		t.Fatalf("config %+v", cfg)
	}
	if body := f.lastMQTTBody.Load().(string); !strings.Contains(body, `"link_type":"mqtt"`) {
		t.Fatalf("request body %s", body)
	}
}

// TestNetworkEndpoints: the pre-check's endpoints cost one device list and
// one webrtc-configs however many cameras the account has.
func TestNetworkEndpoints(t *testing.T) {
	f := newFakeTuya(t)
	f.devices = `[{"id":"cam0","name":"Off","category":"sp","online":false},
{"id":"cam1","name":"Porch","category":"sp","online":true},
{"id":"cam2","name":"Yard","category":"sp","online":true},
{"id":"cam3","name":"Shed","category":"sp","online":true}]`
	f.configs = map[string]string{"cam1": webrtcConfig("cam1", true), "cam2": webrtcConfig("cam2", true), "cam3": webrtcConfig("cam3", true)}
	f.mqttURL = "ssl://127.0.0.1:8883" // only handed out, never dialled
	c := newTestClient(t, f, nil)
	e, err := c.NetworkEndpoints(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if e.API != f.srv.URL || e.MQTT != f.mqttURL || len(e.ICEServers) != 2 {
		t.Fatalf("endpoints %+v: want the API, the broker and cam1's two usable ICE servers", e)
	}
	prefix := "/v1.0/users/" + testUID + "/devices"
	configs := 0
	for _, id := range []string{"cam0", "cam1", "cam2", "cam3"} {
		configs += f.served(prefix + "/" + id + "/webrtc-configs")
	}
	if n := f.served(prefix); n != 1 || configs != 1 || f.served(prefix+"/cam1/webrtc-configs") != 1 {
		t.Fatalf("%d device lists and %d webrtc-configs (cam1: %d), want 1 and 1 for the first online camera",
			n, configs, f.served(prefix+"/cam1/webrtc-configs"))
	}
}

func TestRedirectKeepsCredentials(t *testing.T) {
	got := make(chan http.Header, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		io.WriteString(w, `{"success":false,"code":1004,"msg":"sign invalid"}`)
	}))
	defer other.Close()
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer moved.Close()
	c, err := New(Config{Endpoint: moved.URL, ClientID: testClientID, Secret: testSecret, UID: testUID,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Devices(testCtx(t)); err == nil {
		t.Fatal("Devices succeeded against a server that refuses")
	}
	h := <-got
	for _, k := range []string{"sign", "access_token", "Authorization"} {
		if v := h.Get(k); v != "" {
			t.Errorf("redirect to another host carried %s: %q", k, v)
		}
	}
	if h.Get("client_id") != testClientID {
		t.Errorf("client_id = %q: the redirected request did not arrive as expected", h.Get("client_id"))
	}
}

func TestClientCloseTwice(t *testing.T) {
	c, err := New(Config{ClientID: "c", Secret: "s", UID: "u", Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("first Close = %v", err)
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) || !errors.Is(err, session.ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
}
