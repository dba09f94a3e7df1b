package demo

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// issueMQTT asks access/config for MQTT credentials.
func issueMQTT(t *testing.T, c *apiClient) accessConfigResult {
	t.Helper()
	body := []byte(`{"uid":"` + c.site.UID() + `","link_id":"` + randomHex(4) + `","link_type":"mqtt","topics":"ipc"}`)
	var mc accessConfigResult
	c.result(c.request(http.MethodPost, "/v1.0/open-hub/access/config", body, nil), &mc)
	return mc
}

// dialMQTT connects a paho client with the given credentials; the client is
// disconnected at the end of the test.
func dialMQTT(t *testing.T, s *Site, url, clientID, user, pass string) (paho.Client, error) {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetUsername(user).SetPassword(pass).
		SetTLSConfig(&tls.Config{RootCAs: caPool(t, s), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second).SetCleanSession(true)
	cl := paho.NewClient(opts)
	tok := cl.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		t.Fatal("MQTT connect timed out")
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { cl.Disconnect(50) })
	return cl, nil
}

func TestBrokerAuth(t *testing.T) {
	s := startSite(t, Config{Cameras: 1, MQTTExpire: 2 * time.Second})
	c := newAPIClient(t, s)
	c.login()
	good := issueMQTT(t, c)
	other := issueMQTT(t, c)
	cases := []struct {
		name                 string
		clientID, user, pass string
		ok                   bool
	}{
		{"issued", good.ClientID, good.Username, good.Password, true},
		{"wrong password", other.ClientID, other.Username, good.Password, false},
		{"unknown user", "cloud_x", "cloud_x", "secret", false},
		{"wrong client id", "cloud_other", other.Username, other.Password, false},
		{"no credentials", "anon", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := dialMQTT(t, s, good.URL, tc.clientID, tc.user, tc.pass)
			if tc.ok != (err == nil) {
				t.Fatalf("connect error %v, want success %v", err, tc.ok)
			}
			if cl != nil {
				cl.Disconnect(50)
			}
		})
	}

	// ACL: a viewer subscribes only to its own source topic.
	cl, err := dialMQTT(t, s, good.URL, good.ClientID, good.Username, good.Password)
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{
		good.SourceTopic["ipc"]:  true,
		other.SourceTopic["ipc"]: false,
		"/av/u/#":                false,
		s.Camera("cam1").Topic(): false,
	} {
		tok := cl.Subscribe(topic, 1, func(paho.Client, paho.Message) {})
		if !tok.WaitTimeout(5 * time.Second) {
			t.Fatalf("subscribe %s timed out", topic)
		}
		granted := tok.(*paho.SubscribeToken).Result()[topic]
		if got := tok.Error() == nil && granted < 0x80; got != want {
			t.Errorf("subscribe %s: allowed=%v (granted %#x, err %v), want %v", topic, got, granted, tok.Error(), want)
		}
	}

	// Expired credentials are refused.
	time.Sleep(2100 * time.Millisecond)
	if _, err := dialMQTT(t, s, good.URL, good.ClientID, good.Username, good.Password); err == nil {
		t.Fatal("expired credentials accepted")
	}
}

func TestTopicRules(t *testing.T) {
	cases := []struct {
		topic        string
		sink, viewer bool
	}{
		{"/av/moto/moto_x/u/cam1", true, false},
		{"/av/moto/moto_id/u/{device_id}", true, false},
		{"/av/moto//u/cam1", false, false},
		{"/av/moto/+/u/cam1", false, false},
		{"/av/moto/m/u/cam1/extra", false, false},
		{"/av/u/abc", false, true},
		{"/av/u/", false, false},
		{"/av/u/#", false, false},
		{"/av/u/a/b", false, false},
		{"av/u/abc", false, false},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.topic, "/", "_"), func(t *testing.T) {
			if got := sinkTopic(tc.topic); got != tc.sink {
				t.Errorf("sinkTopic = %v, want %v", got, tc.sink)
			}
			if got := viewerTopic(tc.topic); got != tc.viewer {
				t.Errorf("viewerTopic = %v, want %v", got, tc.viewer)
			}
		})
	}
}

// TestHandOutPlainBroker: with the fault on, access/config hands out a
// plain URL of each scheme, and a client that follows a tcp:// one does
// send its credentials in clear and gets in (what a Tuya client must
// refuse to do); off, the TLS broker is handed out again.
func TestHandOutPlainBroker(t *testing.T) {
	s := startSite(t, Config{Cameras: 1})
	c := newAPIClient(t, s)
	c.login()
	for _, scheme := range []string{"mqtt", "ws", "tcp"} {
		url, err := s.HandOutPlainBroker(scheme)
		if err != nil {
			t.Fatal(err)
		}
		if mc := issueMQTT(t, c); mc.URL != url || !strings.HasPrefix(url, scheme+"://127.0.0.1:") {
			t.Fatalf("access/config handed out %q, HandOutPlainBroker said %q", mc.URL, url)
		}
	}
	mc := issueMQTT(t, c)
	cl, err := dialMQTT(t, s, mc.URL, mc.ClientID, mc.Username, mc.Password)
	if err != nil {
		t.Fatalf("the plain listener refused issued credentials: %v", err)
	}
	cl.Disconnect(50)
	if n := s.PlainBrokerConnections(); n != 1 {
		t.Fatalf("%d plain connections counted, want 1", n)
	}
	if _, err := s.HandOutPlainBroker(""); err != nil {
		t.Fatal(err)
	}
	if mc := issueMQTT(t, c); mc.URL != s.MQTTURL() || !strings.HasPrefix(mc.URL, "ssl://") {
		t.Fatalf("after the fault, access/config hands out %q", mc.URL)
	}
}
