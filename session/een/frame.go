package een

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// Event names of the 2-Way Audio Signaling Service (spec 003, sections 2
// to 7).
const (
	EventAuthorize          = "authorize"
	EventAuthorized         = "authorized"
	EventGetICEServers      = "getIceServers"
	EventICEServers         = "iceServers"
	EventICECandidates      = "iceCandidates"
	EventCreateSession      = "createSession"
	EventSessionCreated     = "sessionCreated"
	EventError              = "error"
	EventDisconnect         = "disconnect"
	serviceEdge             = "edge"
	serviceTalkdown         = "talkdown"
	addressTypeService      = "service"
	maxFrame                = 64 << 10 // bytes of one inbound message
	maxCandidatesPerMessage = 64
)

// Address is a message's source or destination.
type Address struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	RouteHint string `json:"routeHint,omitempty"`
}

// Payload is a message's event.
type Payload struct {
	EventName string          `json:"eventName"`
	EventData json.RawMessage `json:"eventData,omitempty"`
}

// outbound is a message the client sends.
type outbound struct {
	Destination Address `json:"destination"`
	Payload     struct {
		EventName string `json:"eventName"`
		EventData any    `json:"eventData,omitempty"`
	} `json:"payload"`
}

// newMessage builds a message to service id (routeHint deviceID when not
// empty) carrying event with data.
func newMessage(id, deviceID, event string, data any) outbound {
	var m outbound
	m.Destination = Address{Type: addressTypeService, ID: id, RouteHint: deviceID}
	m.Payload.EventName = event
	m.Payload.EventData = data
	return m
}

// SessionDescription is the browser's RTCSessionDescription shape.
type SessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// ErrorData is the eventData of an error event (spec section 7).
type ErrorData struct {
	Status  string `json:"status"`
	Context string `json:"context"`
	Message string `json:"message"`
	Detail  struct {
		Reason string `json:"reason"`
	} `json:"detail"`
}

// Frame is one parsed inbound message. Exactly the fields of its event are
// set; an event this client does not know leaves them all empty.
type Frame struct {
	Source    Address
	Event     string
	Servers   []webrtc.ICEServer        // iceServers
	TTL       int                       // iceServers
	Cands     []webrtc.ICECandidateInit // iceCandidates
	Answer    *SessionDescription       // sessionCreated
	Error     *ErrorData                // error
	KnownKind bool                      // the event is one of this client's
}

// ErrBadFrame means an inbound message is not what the spec describes.
var ErrBadFrame = errors.New("een: malformed message")

// iceServerJSON is one RTCIceServer: urls is a string or a list.
type iceServerJSON struct {
	URLs       json.RawMessage `json:"urls"`
	URL        string          `json:"url"`
	Username   string          `json:"username"`
	Credential string          `json:"credential"`
}

// ParseFrame parses one inbound message of the Signaling Service. It never
// panics; a message that breaks the shapes of spec 003 returns an error
// wrapping ErrBadFrame.
func ParseFrame(b []byte) (Frame, error) {
	if len(b) > maxFrame {
		return Frame{}, fmt.Errorf("%w: %d bytes (at most %d)", ErrBadFrame, len(b), maxFrame)
	}
	var raw struct {
		Source  Address  `json:"source"`
		Payload *Payload `json:"payload"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return Frame{}, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if raw.Payload == nil || raw.Payload.EventName == "" {
		return Frame{}, fmt.Errorf("%w: no payload.eventName", ErrBadFrame)
	}
	f := Frame{Source: raw.Source, Event: raw.Payload.EventName, KnownKind: true}
	data := raw.Payload.EventData
	hasData := len(data) > 0 && !bytes.Equal(bytes.TrimSpace(data), []byte("null"))
	switch f.Event {
	case EventAuthorized, EventDisconnect:
	case EventICEServers:
		var d struct {
			ICEServers []iceServerJSON `json:"iceServers"`
			TTL        int             `json:"ttl"`
		}
		if !hasData {
			return Frame{}, fmt.Errorf("%w: iceServers without eventData", ErrBadFrame)
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return Frame{}, fmt.Errorf("%w: iceServers: %v", ErrBadFrame, err)
		}
		for _, s := range d.ICEServers {
			urls, err := parseURLs(s)
			if err != nil {
				return Frame{}, err
			}
			f.Servers = append(f.Servers, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
		}
		f.TTL = d.TTL
	case EventICECandidates:
		var d struct {
			ICECandidates []webrtc.ICECandidateInit `json:"iceCandidates"`
		}
		if !hasData {
			return Frame{}, fmt.Errorf("%w: iceCandidates without eventData", ErrBadFrame)
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return Frame{}, fmt.Errorf("%w: iceCandidates: %v", ErrBadFrame, err)
		}
		if len(d.ICECandidates) > maxCandidatesPerMessage {
			return Frame{}, fmt.Errorf("%w: %d candidates in one message", ErrBadFrame, len(d.ICECandidates))
		}
		for _, c := range d.ICECandidates {
			if strings.TrimSpace(c.Candidate) == "" {
				continue // end of candidates
			}
			f.Cands = append(f.Cands, c)
		}
	case EventSessionCreated:
		var d struct {
			SessionDescription *SessionDescription `json:"sessionDescription"`
		}
		if !hasData {
			return Frame{}, fmt.Errorf("%w: sessionCreated without eventData", ErrBadFrame)
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return Frame{}, fmt.Errorf("%w: sessionCreated: %v", ErrBadFrame, err)
		}
		if d.SessionDescription == nil || strings.TrimSpace(d.SessionDescription.SDP) == "" {
			return Frame{}, fmt.Errorf("%w: sessionCreated without sessionDescription.sdp", ErrBadFrame)
		}
		if t := d.SessionDescription.Type; t != "" && t != "answer" {
			return Frame{}, fmt.Errorf("%w: sessionCreated carries an SDP of type %q, not an answer", ErrBadFrame, t)
		}
		f.Answer = d.SessionDescription
	case EventError:
		var d ErrorData
		if hasData {
			if err := json.Unmarshal(data, &d); err != nil {
				return Frame{}, fmt.Errorf("%w: error: %v", ErrBadFrame, err)
			}
		}
		f.Error = &d
	default:
		f.KnownKind = false
	}
	return f, nil
}

// parseURLs reads an RTCIceServer's urls (a string or a list of strings;
// the legacy url key is accepted too).
func parseURLs(s iceServerJSON) ([]string, error) {
	var urls []string
	switch {
	case len(s.URLs) == 0 || string(s.URLs) == "null":
		if s.URL == "" {
			return nil, fmt.Errorf("%w: an ICE server without urls", ErrBadFrame)
		}
		urls = []string{s.URL}
	case s.URLs[0] == '"':
		var one string
		if err := json.Unmarshal(s.URLs, &one); err != nil {
			return nil, fmt.Errorf("%w: ICE server urls: %v", ErrBadFrame, err)
		}
		urls = []string{one}
	default:
		if err := json.Unmarshal(s.URLs, &urls); err != nil {
			return nil, fmt.Errorf("%w: ICE server urls: %v", ErrBadFrame, err)
		}
	}
	if len(urls) == 0 { // "urls": [] (found by FuzzParseFrame)
		return nil, fmt.Errorf("%w: an ICE server without urls", ErrBadFrame)
	}
	for _, u := range urls {
		if u == "" {
			return nil, fmt.Errorf("%w: an empty ICE server url", ErrBadFrame)
		}
	}
	return urls, nil
}
