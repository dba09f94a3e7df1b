package demo

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// The three samples of spec 000 section 3.3, typed in from the spec (the
// offer's SDP cut to its first lines; the candidate's wrapped line joined).
const (
	specSampleOffer      = `{"protocol":302,"pv":"2.2","t":1600820048671,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"offer"},"msg":{"sdp":"v=0\r\no=- 4529163812828363188 2 IN IP4 127.0.0.1\r\n","auth":"3iHAObTiJ+P1o/OeX8My208vis9Ar6JQygHSLrBxv5U=","mode":"webrtc","stream_type":1}}}`
	specSampleCandidate  = `{"protocol":302,"pv":"2.2","t":1600820048672,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtz68XHMUpHK1RKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"candidate"},"msg":{"mode":"webrtc","candidate":"a=candidate:512512433 1 udp 2122260223 192.168.0.227 50828 typ host generation 0 ufrag Q93I network-id 1"}}}`
	specSampleDisconnect = `{"protocol":302,"pv":"2.2","t":1600820048679,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"disconnect"},"msg":{"mode":"webrtc"}}}`
)

func TestParse302SpecSamples(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		header header302
		check  func(t *testing.T, msg json.RawMessage)
	}{
		{
			name: "offer", in: specSampleOffer,
			header: header302{Type: "offer", From: "AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s", To: "6c9a943f2ea6929675ymcq",
				SessionID: "00b00036521743319b4d4c01f1705c48", MotoID: "moto_5f685396jK"},
			check: func(t *testing.T, msg json.RawMessage) {
				var o offer302
				if err := json.Unmarshal(msg, &o); err != nil {
					t.Fatal(err)
				}
				if o.Mode != "webrtc" || o.StreamType != 1 || o.Auth != "3iHAObTiJ+P1o/OeX8My208vis9Ar6JQygHSLrBxv5U=" ||
					o.SDP != "v=0\r\no=- 4529163812828363188 2 IN IP4 127.0.0.1\r\n" {
					t.Fatalf("offer %+v", o)
				}
			},
		},
		{
			name: "candidate", in: specSampleCandidate,
			header: header302{Type: "candidate", From: "AY1600819753305aH05Sdj8pQMtz68XHMUpHK1RKJ87s", To: "6c9a943f2ea6929675ymcq",
				SessionID: "00b00036521743319b4d4c01f1705c48", MotoID: "moto_5f685396jK"},
			check: func(t *testing.T, msg json.RawMessage) {
				var c candidate302
				if err := json.Unmarshal(msg, &c); err != nil {
					t.Fatal(err)
				}
				if c.Mode != "webrtc" || c.Candidate != "a=candidate:512512433 1 udp 2122260223 192.168.0.227 50828 typ host generation 0 ufrag Q93I network-id 1" {
					t.Fatalf("candidate %+v", c)
				}
			},
		},
		{
			name: "disconnect", in: specSampleDisconnect,
			header: header302{Type: "disconnect", From: "AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s", To: "6c9a943f2ea6929675ymcq",
				SessionID: "00b00036521743319b4d4c01f1705c48", MotoID: "moto_5f685396jK"},
			check: func(t *testing.T, msg json.RawMessage) {
				var d disconnect302
				if err := json.Unmarshal(msg, &d); err != nil || d.Mode != "webrtc" {
					t.Fatalf("disconnect %+v, %v", d, err)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parse302([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if m.Protocol != 302 || m.PV != "2.2" || m.Data.Header != tc.header {
				t.Fatalf("parsed %d %q %+v", m.Protocol, m.PV, m.Data.Header)
			}
			tc.check(t, m.Data.Msg)
		})
	}
}

func TestParse302Refuses(t *testing.T) {
	cases := []struct{ name, in string }{
		{"not json", `{"protocol":302`},
		{"other protocol", `{"protocol":4,"data":{"header":{"type":"offer","sessionid":"s"},"msg":{}}}`},
		{"unknown type", `{"protocol":302,"data":{"header":{"type":"hello","sessionid":"s"},"msg":{}}}`},
		{"no session", `{"protocol":302,"data":{"header":{"type":"offer"},"msg":{}}}`},
		{"msg not an object", `{"protocol":302,"data":{"header":{"type":"offer","sessionid":"s"},"msg":"x"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parse302([]byte(tc.in)); !errors.Is(err, errBad302) {
				t.Fatalf("parse302 = %v, want errBad302", err)
			}
		})
	}
}

// TestBuild302 builds the spec's disconnect sample (with t in seconds, as
// the spec's parameter table says) and compares it with the text typed in.
func TestBuild302(t *testing.T) {
	h := header302{Type: "disconnect", From: "AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s", To: "6c9a943f2ea6929675ymcq",
		SessionID: "00b00036521743319b4d4c01f1705c48", MotoID: "moto_5f685396jK"}
	got, err := build302(h, disconnect302{Mode: "webrtc"}, time.Unix(1600820048, 679e6))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"protocol":302,"pv":"2.2","t":1600820048,"data":{"header":{"type":"disconnect","from":"AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK"},"msg":{"mode":"webrtc"}}}`
	if string(got) != want {
		t.Fatalf("build302 =\n%s\nwant\n%s", got, want)
	}
	sdp, err := build302(header302{Type: "answer", SessionID: "s"}, answer302{Mode: "webrtc", SDP: "a=x:<y>&\r\n"}, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parse302(sdp)
	if err != nil {
		t.Fatal(err)
	}
	var a answer302
	if err := json.Unmarshal(m.Data.Msg, &a); err != nil || a.SDP != "a=x:<y>&\r\n" {
		t.Fatalf("answer round trip %+v %v (%s)", a, err, sdp)
	}
}
