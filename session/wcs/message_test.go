package wcs

import (
	"errors"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session"
)

// decodeCases are the message table; FuzzDecode is seeded with it.
var decodeCases = []struct {
	name    string
	in      string
	wantErr bool
	check   func(Inbound) bool
}{
	{"ping", `{"message":"ping","data":[]}`, false, func(in Inbound) bool { return in.Name == MsgPing && in.Known }},
	{"getUserData", `{"message":"getUserData","data":[{"useWsTunnel":false,"mediaProviders":["WebRTC","MSE"],"authToken":"/1.2.3.4:5/6.7.8.9:8443","status":"ESTABLISHED","keepAlive":false}]}`, false,
		func(in Inbound) bool { return in.UserData != nil && in.UserData.Status == "ESTABLISHED" }},
	{"getVersion", `{"message":"getVersion","data":["5.1.3674-9b5b684ac81a1c7e62d7a38e0c3a2c2433faacf9"]}`, false,
		func(in Inbound) bool { return strings.HasPrefix(in.Version, "5.1.3674") }},
	{"setRemoteSDP", `{"message":"setRemoteSDP","data":["22588500-fdb3-11e8-bddf-9b115426f01b","v=0\r\no=Flashphoner 0 1 IN IP4 1.2.3.4\r\n",true]}`, false,
		func(in Inbound) bool {
			return in.Session == "22588500-fdb3-11e8-bddf-9b115426f01b" && strings.HasPrefix(in.SDP, "v=0")
		}},
	{"status playing", `{"message":"notifyStreamStatusEvent","data":[{"mediaSessionId":"a","name":"test","published":false,"hasVideo":true,"hasAudio":true,"status":"PLAYING","audioCodec":"opus","videoCodec":"H264","record":false,"width":0,"height":0,"bitrate":0,"minBitrate":0,"maxBitrate":0,"quality":0,"createDate":1544580053573,"streamInfo":{"nodeId":null,"name":"test"},"mediaProvider":"WebRTC"}]}`, false,
		func(in Inbound) bool {
			return in.Status != nil && in.Status.Status == StatusPlaying && in.Session == "a"
		}},
	{"status failed", `{"message":"notifyStreamStatusEvent","data":[{"mediaSessionId":"b","name":"nope","status":"FAILED","info":"Stream not found"}]}`, false,
		func(in Inbound) bool { return in.Status.Info == "Stream not found" && Terminal(in.Status.Status) }},
	{"audio codec", `{"message":"notifyAudioCodec","data":["c",{"name":"opus"}]}`, false, func(in Inbound) bool { return in.Codec == "opus" && in.Session == "c" }},
	{"video format", `{"message":"notifyVideoFormat","data":[{"streamerVideoWidth":320,"streamerVideoHeight":240,"mediaSessionId":"d","status":"RESIZE"}]}`, false,
		func(in Inbound) bool { return in.Format.Width == 320 && in.Format.Height == 240 && in.Session == "d" }},
	{"outbound rate", `{"message":"outboundVideoRate","data":[{"mediaSessionId":"e","videoRate":685256,"fps":30,"nack":0,"pli":13,"lostPackets":0,"width":640,"height":360}]}`, false,
		func(in Inbound) bool { return in.Rate.VideoRate == 685256 && in.Rate.PLI == 13 && in.Session == "e" }},
	{"inbound rate", `{"message":"inboundVideoRate","data":[{"mediaSessionId":"f","videoRate":704856,"fps":31}]}`, false, func(in Inbound) bool { return in.Rate.FPS == 31 }},
	{"available string false", `{"message":"availableStream","data":[{"status":"false","info":"Restricted access","id":"g"}]}`, false,
		func(in Inbound) bool {
			return !in.Available.Available && in.Available.Info == "Restricted access" && in.Session == "g"
		}},
	{"available bool true", `{"message":"availableStream","data":[{"status":true,"id":"h"}]}`, false, func(in Inbound) bool { return in.Available.Available }},
	{"unknown message", `{"message":"notifyBitrateChange","data":[{"x":1}]}`, false, func(in Inbound) bool { return !in.Known && in.Name == "notifyBitrateChange" }},
	{"not json", `hello`, true, nil},
	{"no name", `{"data":[]}`, true, nil},
	{"data not array", `{"message":"ping","data":{}}`, true, nil},
	{"sdp missing", `{"message":"setRemoteSDP","data":["a"]}`, true, nil},
	{"sdp not string", `{"message":"setRemoteSDP","data":["a",5]}`, true, nil},
	{"status without session", `{"message":"notifyStreamStatusEvent","data":[{"status":"PLAYING"}]}`, true, nil},
	{"status empty data", `{"message":"notifyStreamStatusEvent","data":[]}`, true, nil},
	{"available bad status", `{"message":"availableStream","data":[{"status":"maybe","id":"x"}]}`, true, nil},
	{"available no id", `{"message":"availableStream","data":[{"status":"true"}]}`, true, nil},
	{"trailing", `{"message":"ping","data":[]} {}`, true, nil},
	{"oversize", `{"message":"x","data":["` + strings.Repeat("a", MaxFrame) + `"]}`, true, nil},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Decode([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrBadFrame) {
					t.Fatalf("Decode = %+v, %v; want ErrBadFrame", in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !tc.check(in) {
				t.Fatalf("Decode = %+v", in)
			}
		})
	}
}

func TestEncodeShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		data []any
		want string
	}{
		{"pong", MsgPong, []any{nil}, `{"message":"pong","data":[null]}`},
		{"available", MsgAvailableStream, []any{availableMsg{MediaSessionID: "i", Name: "cam"}}, `{"message":"availableStream","data":[{"mediaSessionId":"i","name":"cam"}]}`},
		{"stop", MsgStopStream, []any{streamMsg{MediaSessionID: "i", Name: "cam", HasVideo: true, HasAudio: true, Status: StatusPlaying}},
			`{"message":"stopStream","data":[{"mediaSessionId":"i","name":"cam","published":false,"hasVideo":true,"hasAudio":true,"status":"PLAYING","record":false}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encode(tc.msg, tc.data...)
			if err != nil || string(b) != tc.want {
				t.Fatalf("encode = %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}

// TestStatusErrors: the status decides the sentinel, the server's info is
// the reason and is never read: words such as "auth", "codec" or "busy"
// in it change nothing.
func TestStatusErrors(t *testing.T) {
	for _, tc := range []struct {
		name, status, info string
		failed             error // the request's sentinel for FAILED
		want               error
		not                []error
		reason             string
	}{
		{"play: not found", StatusFailed, "Stream not found", ErrPlayFailed, errNotFound, nil, "Stream not found (FAILED)"},
		{"play: restricted is no verdict on credentials", StatusFailed, "Restricted access", ErrPlayFailed, ErrPlayFailed,
			[]error{errUnauthorized}, "Restricted access (FAILED)"},
		{"play: words are not read", StatusFailed, "Unauthorized: codec busy", ErrPlayFailed, errNotFound,
			[]error{errUnauthorized, session.ErrUnsupportedCodec, session.ErrBusy}, "Unauthorized: codec busy (FAILED)"},
		{"play: failed without info", StatusFailed, "", ErrPlayFailed, ErrPlayFailed, nil, "failed (FAILED)"},
		{"play: stopped", StatusStopped, "Stopped by publisher stop", ErrPlayFailed, errHangup, []error{errNotFound}, "Stopped by publisher stop (STOPPED)"},
		{"play: unpublished with an alarming info", StatusUnpublished, "Restricted access", ErrPlayFailed, errHangup,
			[]error{errUnauthorized, errNotFound}, "Restricted access (UNPUBLISHED)"},
		{"publish: name taken", StatusFailed, "Stream with this name is already published", ErrPublishFailed, session.ErrNoTalk,
			[]error{session.ErrBusy, errNotFound}, "Stream with this name is already published (FAILED)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := statusError("play x", StreamStatus{Status: tc.status, Info: tc.info}, tc.failed)
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v is not %v", err, tc.want)
			}
			for _, not := range tc.not {
				if errors.Is(err, not) {
					t.Errorf("err %v is %v", err, not)
				}
			}
			if got := reasonOf(err); got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
		})
	}
}

// FuzzDecode feeds arbitrary frames to the parser: it never panics, and
// what it accepts has a name and, for stream messages, a session.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v does not wrap ErrBadFrame", err)
			}
			return
		}
		if in.Name == "" {
			t.Fatal("accepted a message with no name")
		}
		if (in.Status != nil || in.Available != nil || in.SDP != "") && in.Session == "" {
			t.Fatalf("stream message %s without a session", in.Name)
		}
	})
}
