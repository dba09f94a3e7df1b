package tuya

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
)

// specOffer is the shape of the offer sample of spec 3.3 (its SDP shortened).
const specOffer = `{"protocol":302,"pv":"2.2","t":1600820048671,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"offer"},"msg":{"sdp":"v=0\r\no=- 4529163812828363188 2 IN IP4 127.0.0.1\r\n","auth":"3iHAObTiJ+P1o/OeX8My208vis9Ar6JQygHSLrBxv5U=","mode":"webrtc","stream_type":1}}}`

// specCandidate is the candidate sample of spec 3.3.
const specCandidate = `{"protocol":302,"pv":"2.2","t":1600820048672,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtz68XHMUpHK1RKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"candidate"},"msg":{"mode":"webrtc","candidate":"a=candidate:512512433 1 udp 2122260223 192.168.0.227 50828 typ host generation 0 ufrag Q93I network-id 1"}}}`

// specDisconnect is the disconnect sample of spec 3.3.
const specDisconnect = `{"protocol":302,"pv":"2.2","t":1600820048679,"data":{"header":{"from":"AY1600819753305aH05Sdj8pQMtLZ68XHMUpHKlRKJ87s","to":"6c9a943f2ea6929675ymcq","sessionid":"00b00036521743319b4d4c01f1705c48","moto_id":"moto_5f685396jK","type":"disconnect"},"msg":{"mode":"webrtc"}}}`

var decodeTests = []struct {
	name    string
	in      string
	wantErr bool
	typ     string
}{
	{name: "spec offer", in: specOffer, typ: TypeOffer},
	{name: "spec candidate", in: specCandidate, typ: TypeCandidate},
	{name: "spec disconnect", in: specDisconnect, typ: TypeDisconnect},
	{name: "answer", in: `{"protocol":302,"pv":"2.2","t":1,"data":{"header":{"type":"answer","from":"d","to":"u","sessionid":"s"},"msg":{"mode":"webrtc","sdp":"v=0\r\n"}}}`, typ: TypeAnswer},
	{name: "wrong protocol", in: `{"protocol":4,"pv":"2.2","t":1,"data":{"header":{"type":"answer","sessionid":"s"},"msg":{}}}`, wantErr: true},
	{name: "unknown type", in: `{"protocol":302,"data":{"header":{"type":"ping","sessionid":"s"},"msg":{}}}`, wantErr: true},
	{name: "empty session", in: `{"protocol":302,"data":{"header":{"type":"answer","sessionid":""},"msg":{}}}`, wantErr: true},
	{name: "msg string", in: `{"protocol":302,"data":{"header":{"type":"answer","sessionid":"s"},"msg":"x"}}`, wantErr: true},
	{name: "msg null", in: `{"protocol":302,"data":{"header":{"type":"answer","sessionid":"s"},"msg":null}}`, wantErr: true},
	{name: "msg missing", in: `{"protocol":302,"data":{"header":{"type":"answer","sessionid":"s"}}}`, wantErr: true},
	{name: "not json", in: `hello`, wantErr: true},
	{name: "empty", in: ``, wantErr: true},
	{name: "array", in: `[302]`, wantErr: true},
	{name: "protocol as string", in: `{"protocol":"302","data":{"header":{"type":"answer","sessionid":"s"},"msg":{}}}`, wantErr: true},
	{name: "oversize", in: `{"protocol":302,"pv":"` + strings.Repeat("x", 70*1024) + `","data":{"header":{"type":"answer","sessionid":"s"},"msg":{}}}`, wantErr: true},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeTests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Decode succeeded, want error")
				}
				if !errors.Is(err, session.ErrProtocol) {
					t.Fatalf("error %v does not wrap session.ErrProtocol", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Data.Header.Type != tc.typ {
				t.Fatalf("type = %q, want %q", m.Data.Header.Type, tc.typ)
			}
		})
	}
}

func TestDecodeSpecCandidate(t *testing.T) {
	m, err := Decode([]byte(specCandidate))
	if err != nil {
		t.Fatal(err)
	}
	var c CandidateMsg
	if err := json.Unmarshal(m.Data.Msg, &c); err != nil {
		t.Fatal(err)
	}
	if m.Data.Header.SessionID != "00b00036521743319b4d4c01f1705c48" || m.Data.Header.MotoID != "moto_5f685396jK" ||
		c.Mode != "webrtc" || !strings.HasPrefix(c.Candidate, "a=candidate:512512433 1 udp") {
		t.Fatalf("decoded %+v %+v", m.Data.Header, c)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	now := time.Unix(1600820048, 671e6)
	h := Header{From: "u1", To: "dev1", SessionID: "0123456789abcdef0123456789abcdef", MotoID: "moto_1"}
	tests := []struct {
		name string
		typ  string
		msg  any
		out  any
	}{
		{"offer", TypeOffer, OfferMsg{Mode: "webrtc", SDP: "v=0\r\na=x:<&>\r\n", StreamType: 1, Auth: "a/b+c="}, &OfferMsg{}},
		{"answer", TypeAnswer, AnswerMsg{Mode: "webrtc", SDP: "v=0\r\n"}, &AnswerMsg{}},
		{"candidate", TypeCandidate, CandidateMsg{Mode: "webrtc", Candidate: "a=candidate:1 1 udp 1 1.2.3.4 5 typ host"}, &CandidateMsg{}},
		{"end of candidates", TypeCandidate, CandidateMsg{Mode: "webrtc"}, &CandidateMsg{}},
		{"disconnect", TypeDisconnect, DisconnectMsg{Mode: "webrtc"}, &DisconnectMsg{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hh := h
			hh.Type = tc.typ
			b, err := Encode(hh, tc.msg, now)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `\u003c`) || strings.HasSuffix(string(b), "\n") {
				t.Fatalf("encoding is not compact: %s", b)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(Encode()): %v\n%s", err, b)
			}
			if m.Protocol != 302 || m.PV != "2.2" || m.T != 1600820048 || m.Data.Header != hh {
				t.Fatalf("decoded %+v", m)
			}
			if err := json.Unmarshal(m.Data.Msg, tc.out); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(tc.out)
			want, _ := json.Marshal(tc.msg)
			if string(got) != string(want) {
				t.Fatalf("msg = %s, want %s", got, want)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	now := time.Unix(0, 0)
	tests := []struct {
		name string
		h    Header
		msg  any
	}{
		{"unknown type", Header{Type: "hello", SessionID: "s"}, DisconnectMsg{}},
		{"no session", Header{Type: TypeDisconnect}, DisconnectMsg{}},
		{"msg not object", Header{Type: TypeDisconnect, SessionID: "s"}, "webrtc"},
		{"msg unmarshalable", Header{Type: TypeDisconnect, SessionID: "s"}, func() {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Encode(tc.h, tc.msg, now); err == nil {
				t.Fatal("Encode succeeded, want error")
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range decodeTests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, session.ErrProtocol) {
				t.Fatalf("error %v does not wrap session.ErrProtocol", err)
			}
			return
		}
		if m.Protocol != Protocol || !validType(m.Data.Header.Type) || m.Data.Header.SessionID == "" {
			t.Fatalf("Decode accepted an invalid message: %+v", m)
		}
		// A decoded message survives a round trip through Encode.
		var msg map[string]any
		if err := json.Unmarshal(m.Data.Msg, &msg); err != nil {
			t.Fatalf("msg of accepted message is not an object: %v", err)
		}
		out, err := Encode(m.Data.Header, msg, time.Unix(m.T, 0))
		if err != nil {
			t.Fatalf("Encode of a decoded message: %v", err)
		}
		if _, err := Decode(out); err != nil && len(out) <= maxMessage {
			t.Fatalf("Decode(Encode(Decode(b))): %v", err)
		}
	})
}
