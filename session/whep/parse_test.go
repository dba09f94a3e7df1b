package whep

import (
	"errors"
	"reflect"
	"testing"

	"github.com/pion/webrtc/v4"
)

var linkCases = []struct {
	name   string
	values []string
	want   []webrtc.ICEServer
	err    bool
}{
	{"none", nil, nil, false},
	{"stun", []string{`<stun:stun.example.net>; rel="ice-server"`}, []webrtc.ICEServer{{URLs: []string{"stun:stun.example.net"}}}, false},
	{"turn with credentials", []string{`<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="my;Pass,word"; credential-type="password"`},
		[]webrtc.ICEServer{{URLs: []string{"turn:turn.example.net?transport=udp"}, Username: "user", Credential: "my;Pass,word", CredentialType: webrtc.ICECredentialTypePassword}}, false},
	{"two in one value", []string{`<stun:a.example>; rel=ice-server, <turns:b.example:443?transport=tcp>; rel="ice-server"; username=u; credential=p`},
		[]webrtc.ICEServer{{URLs: []string{"stun:a.example"}}, {URLs: []string{"turns:b.example:443?transport=tcp"}, Username: "u", Credential: "p", CredentialType: webrtc.ICECredentialTypePassword}}, false},
	{"other relations skipped", []string{`<https://example.com/x>; rel="next"`, `<stun:c.example>; rel="ice-server"`}, []webrtc.ICEServer{{URLs: []string{"stun:c.example"}}}, false},
	{"non-ICE scheme skipped", []string{`<https://example.com/>; rel="ice-server"`}, nil, false},
	{"escaped quote", []string{`<turn:d.example>; rel="ice-server"; username="a\"b"; credential="c"`},
		[]webrtc.ICEServer{{URLs: []string{"turn:d.example"}, Username: `a"b`, Credential: "c", CredentialType: webrtc.ICECredentialTypePassword}}, false},
	{"no angle bracket", []string{`stun:e.example; rel="ice-server"`}, nil, true},
	{"unclosed bracket", []string{`<stun:e.example; rel="ice-server"`}, nil, true},
	{"unterminated quote", []string{`<stun:e.example>; rel="ice-server`}, nil, true},
	{"junk after link", []string{`<stun:e.example> junk`}, nil, true},
}

func TestParseLinks(t *testing.T) {
	for _, tc := range linkCases {
		t.Run(tc.name, func(t *testing.T) {
			links, err := ParseLinks(tc.values)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err != nil {
				if !errors.Is(err, ErrLink) {
					t.Fatalf("err %v is not ErrLink", err)
				}
				return
			}
			if got := ICEServers(links); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ICE servers %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseLinks(f *testing.F) {
	for _, tc := range linkCases {
		v := ""
		if len(tc.values) > 0 {
			v = tc.values[0]
		}
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		links, err := ParseLinks([]string{v})
		if err != nil {
			if !errors.Is(err, ErrLink) {
				t.Fatalf("error %v is not ErrLink", err)
			}
			return
		}
		if len(links) > maxLinks {
			t.Fatalf("%d links", len(links))
		}
		for _, s := range ICEServers(links) {
			if len(s.URLs) != 1 {
				t.Fatalf("server %+v", s)
			}
		}
	})
}

const goodAnswer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n"

var answerCases = []struct {
	name, contentType, body string
	ok                      bool
}{
	{"good", "application/sdp", goodAnswer, true},
	{"type with parameter", "application/sdp; charset=utf-8", goodAnswer, true},
	{"wrong type", "text/html", goodAnswer, false},
	{"no type", "", goodAnswer, false},
	{"html body", "application/sdp", "<html>oops</html>", false},
	{"no media", "application/sdp", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", false},
	{"empty", "application/sdp", "", false},
}

func TestParseAnswer(t *testing.T) {
	for _, tc := range answerCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAnswer(tc.contentType, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrNotSDP) {
				t.Fatalf("err %v is not ErrNotSDP", err)
			}
			if err == nil && got != tc.body {
				t.Fatalf("answer changed")
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, tc := range answerCases {
		f.Add(tc.contentType, []byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		got, err := ParseAnswer(contentType, body)
		if err != nil {
			if !errors.Is(err, ErrNotSDP) {
				t.Fatalf("error %v is not ErrNotSDP", err)
			}
			return
		}
		if got != string(body) {
			t.Fatal("answer changed")
		}
	})
}

func TestBodyReason(t *testing.T) {
	for _, tc := range []struct{ name, ct, body, want string }{
		{"text", "text/plain", "stream not found\nmore", "stream not found"},
		{"json error", "application/json", `{"error":"UserSig expired (70001)"}`, "UserSig expired (70001)"},
		{"json message", "", `{"message":"busy"}`, "busy"},
		{"binary", "application/octet-stream", "\x00\x01", ""},
		{"control chars", "text/plain", "bad\x1b[31m thing", "bad[31m thing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bodyReason(tc.ct, []byte(tc.body)); got != tc.want {
				t.Fatalf("reason %q, want %q", got, tc.want)
			}
		})
	}
}
