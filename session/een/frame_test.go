package een

import (
	"errors"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session"
)

// frameCases are inbound messages with what ParseFrame makes of them; they
// also seed FuzzParseFrame.
var frameCases = []struct {
	name    string
	in      string
	event   string
	known   bool
	bad     bool
	servers int
	cands   int
	reason  string
}{
	{name: "authorized", in: `{"source":{"type":"service","id":"edge"},"payload":{"eventName":"authorized"}}`, event: EventAuthorized, known: true},
	{name: "ice servers string and list", in: `{"source":{"type":"service","id":"talkdown"},"payload":{"eventName":"iceServers","eventData":{"iceServers":[{"urls":"stun:s.example:3478"},{"urls":["turn:t.example:3478?transport=udp","turns:t.example:443"],"username":"u","credential":"p"}],"ttl":0}}}`, event: EventICEServers, known: true, servers: 2},
	{name: "ice servers legacy url", in: `{"payload":{"eventName":"iceServers","eventData":{"iceServers":[{"url":"stun:s.example"}]}}}`, event: EventICEServers, known: true, servers: 1},
	{name: "ice servers without urls", in: `{"payload":{"eventName":"iceServers","eventData":{"iceServers":[{"username":"u"}]}}}`, bad: true},
	{name: "ice servers no data", in: `{"payload":{"eventName":"iceServers"}}`, bad: true},
	{name: "candidates", in: `{"payload":{"eventName":"iceCandidates","eventData":{"iceCandidates":[{"candidate":"candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0},{"candidate":""}]}}}`, event: EventICECandidates, known: true, cands: 1},
	{name: "candidates not a list", in: `{"payload":{"eventName":"iceCandidates","eventData":{"iceCandidates":"x"}}}`, bad: true},
	{name: "session created", in: `{"source":{"type":"service","id":"talkdown"},"payload":{"eventName":"sessionCreated","eventData":{"sessionDescription":{"type":"answer","sdp":"v=0\r\n"}}}}`, event: EventSessionCreated, known: true},
	{name: "session created offer", in: `{"payload":{"eventName":"sessionCreated","eventData":{"sessionDescription":{"type":"offer","sdp":"v=0\r\n"}}}}`, bad: true},
	{name: "session created empty sdp", in: `{"payload":{"eventName":"sessionCreated","eventData":{"sessionDescription":{"type":"answer","sdp":""}}}}`, bad: true},
	{name: "error token", in: `{"source":{"type":"service","id":"edge"},"payload":{"eventName":"error","eventData":{"status":"unauthorized","context":"authorization","message":"Token not valid","detail":{"reason":"tokenIsNotValid"}}}}`, event: EventError, known: true, reason: "tokenIsNotValid"},
	{name: "error busy", in: `{"payload":{"eventName":"error","eventData":{"status":"conflict","message":"Speaker is busy","detail":{"reason":"busy"}}}}`, event: EventError, known: true, reason: "busy"},
	{name: "error without data", in: `{"payload":{"eventName":"error"}}`, event: EventError, known: true},
	{name: "disconnect", in: `{"payload":{"eventName":"disconnect"}}`, event: EventDisconnect, known: true},
	{name: "unknown event", in: `{"payload":{"eventName":"statistics","eventData":{"x":1}}}`, event: "statistics"},
	{name: "no payload", in: `{"source":{"type":"service","id":"edge"}}`, bad: true},
	{name: "empty event", in: `{"payload":{"eventName":""}}`, bad: true},
	{name: "not json", in: `hello`, bad: true},
	{name: "array", in: `[]`, bad: true},
	{name: "payload wrong type", in: `{"payload":7}`, bad: true},
}

func TestParseFrame(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFrame([]byte(tc.in))
			if tc.bad {
				if !errors.Is(err, ErrBadFrame) {
					t.Fatalf("err = %v, want ErrBadFrame", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Event != tc.event || f.KnownKind != tc.known || len(f.Servers) != tc.servers || len(f.Cands) != tc.cands {
				t.Fatalf("got %+v", f)
			}
			if tc.reason != "" && (f.Error == nil || f.Error.Detail.Reason != tc.reason) {
				t.Fatalf("error = %+v, want reason %q", f.Error, tc.reason)
			}
		})
	}
}

func TestParseFrameOversize(t *testing.T) {
	b := make([]byte, maxFrame+1)
	if _, err := ParseFrame(b); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParseFrame checks that no input panics and that what parses keeps
// the invariants the call relies on.
func FuzzParseFrame(f *testing.F) {
	for _, tc := range frameCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ParseFrame(b)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v does not wrap ErrBadFrame", err)
			}
			return
		}
		if fr.Event == "" {
			t.Fatal("parsed a frame without an event")
		}
		if fr.Event == EventSessionCreated && (fr.Answer == nil || fr.Answer.SDP == "") {
			t.Fatal("sessionCreated without an answer")
		}
		if fr.Event == EventError && fr.Error == nil {
			t.Fatal("error without data")
		}
		for _, s := range fr.Servers {
			if len(s.URLs) == 0 {
				t.Fatal("an ICE server without URLs")
			}
		}
		for _, c := range fr.Cands {
			if c.Candidate == "" {
				t.Fatal("an empty candidate was delivered")
			}
		}
	})
}

func TestRemoteError(t *testing.T) {
	for _, tc := range []struct {
		name, status, message, reason string
		want                          error
		text                          string
	}{
		{"busy", "conflict", "Speaker is busy", "busy", ErrSpeakerBusy, "the speaker is busy: someone else is talking (busy: Speaker is busy)"},
		{"invalid", "badRequest", "", "invalidRequest", ErrInvalidRequest, "the talk service refused the request as invalid (invalidRequest)"},
		{"unavailable", "unavailable", "", "serviceUnavailable", ErrServiceUnavailable, "the talk service is unavailable: try again later (serviceUnavailable)"},
		{"authorization", "unauthorized", "", "authorizationFailed", ErrAuthorizationFailed, "the talk service refused the access token: get a new token and update the config (authorizationFailed)"},
		{"token", "unauthorized", "Token not valid", "tokenIsNotValid", ErrTokenNotValid, "the talk service refused the access token: get a new token and update the config (tokenIsNotValid: Token not valid)"},
		{"permission", "forbidden", "", "permissionDenied", ErrPermissionDenied, "this account may not talk through this speaker (permissionDenied)"},
		{"not found", "notFound", "Device not found", "resourceNotFound", ErrResourceNotFound, "the talk service does not know this speaker (resourceNotFound: Device not found)"},
		{"other kept verbatim", "requestTimeout", "Maximum session duration reached", "maxSessionDurationReached", ErrService, "the talk service reported an error (maxSessionDurationReached: Maximum session duration reached)"},
		{"unauthorized without reason", "unauthorized", "Token expired", "", ErrService, "the talk service refused the access token (Token expired)"},
		// During a call any error ends the session (spec section 6, "Note",
		// and section 7): a hang-up, with the reason kept.
		{"call: the cap", "requestTimeout", "Maximum session duration reached", "maxSessionDurationReached", ErrEndedWithError, "the talk service ended the session (maxSessionDurationReached: Maximum session duration reached)"},
		{"call: unavailable", "unavailable", "", "serviceUnavailable", ErrServiceUnavailable, "the talk service is unavailable: try again later (serviceUnavailable)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &ErrorData{Status: tc.status, Message: tc.message}
			d.Detail.Reason = tc.reason
			op, call := "createSession", strings.HasPrefix(tc.name, "call: ")
			if call {
				op = stageCall
			}
			err := remoteError(op, d)
			if !errors.Is(err, tc.want) {
				t.Errorf("%v is not %v", err, tc.want)
			}
			if errors.Is(err, session.ErrHangup) != call {
				t.Errorf("%v: a hang-up %v, want %v", err, !call, call)
			}
			if got := reasonOf(err); got != tc.text {
				t.Errorf("reason %q, want %q", got, tc.text)
			}
		})
	}
}
