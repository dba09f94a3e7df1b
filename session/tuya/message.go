package tuya

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lookout-app/lookout/session"
)

// Protocol is the number of Tuya's MQTT message protocol for WebRTC
// signaling (spec 3.3: "WebRTC is a live-streaming service with a value of
// 302").
const Protocol = 302

// protocolVersion is the pv every 302 message carries.
const protocolVersion = "2.2"

// MaxPayload is the largest MQTT payload a real Tuya camera accepts: larger
// offers are silently ignored by the device.
const MaxPayload = 8 * 1024

// maxMessage bounds what Decode accepts.
const maxMessage = 64 * 1024

// Message types of protocol 302.
const (
	TypeOffer      = "offer"
	TypeAnswer     = "answer"
	TypeCandidate  = "candidate"
	TypeDisconnect = "disconnect"
)

// modeWebRTC is the mode every 302 msg carries.
const modeWebRTC = "webrtc"

// Message is one protocol-302 MQTT message.
type Message struct {
	Protocol int    `json:"protocol"`
	PV       string `json:"pv"`
	T        int64  `json:"t"`
	Data     Data   `json:"data"`
}

// Data is the frame of a Message: its header and a body whose shape depends
// on the header's type.
type Data struct {
	Header Header          `json:"header"`
	Msg    json.RawMessage `json:"msg"`
}

// Header addresses a Message. From is the sender (the part of the MQTT
// source topic after "/av/u/" for the client, the device ID for the device),
// To the receiver, and SessionID is shared by every message of one call.
type Header struct {
	Type        string `json:"type"`
	From        string `json:"from"`
	To          string `json:"to"`
	SubDeviceID string `json:"sub_device_id,omitempty"`
	SessionID   string `json:"sessionid"`
	MotoID      string `json:"moto_id,omitempty"`
}

// OfferMsg is the msg of an offer. StreamType is 0 for the main stream and 1
// for the sub stream; Auth comes from webrtc-configs.
type OfferMsg struct {
	Mode       string `json:"mode"`
	SDP        string `json:"sdp"`
	StreamType int    `json:"stream_type"`
	Auth       string `json:"auth"`
}

// AnswerMsg is the msg of an answer.
type AnswerMsg struct {
	Mode string `json:"mode"`
	SDP  string `json:"sdp"`
}

// CandidateMsg is the msg of a candidate. Candidate is an SDP attribute line
// ("a=candidate:..."); the empty string ends the candidates.
type CandidateMsg struct {
	Mode      string `json:"mode"`
	Candidate string `json:"candidate"`
}

// DisconnectMsg is the msg of a disconnect.
type DisconnectMsg struct {
	Mode string `json:"mode"`
}

// validType reports whether t is one of the four 302 message types.
func validType(t string) bool {
	switch t {
	case TypeOffer, TypeAnswer, TypeCandidate, TypeDisconnect:
		return true
	}
	return false
}

// marshal encodes v as compact JSON without HTML escaping, which would
// lengthen SDPs for nothing.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Encode builds a protocol-302 message (pv "2.2", t in seconds since the
// epoch) of type h.Type ("offer", "answer", "candidate" or "disconnect")
// with msg marshalled into Data.Msg.
func Encode(h Header, msg any, now time.Time) ([]byte, error) {
	if !validType(h.Type) {
		return nil, fmt.Errorf("tuya: encode: unknown message type %q", h.Type)
	}
	if h.SessionID == "" {
		return nil, fmt.Errorf("tuya: encode: empty session id")
	}
	body, err := marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("tuya: encode %s: %w", h.Type, err)
	}
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("tuya: encode %s: msg is not a JSON object", h.Type)
	}
	return marshal(Message{
		Protocol: Protocol,
		PV:       protocolVersion,
		T:        now.Unix(),
		Data:     Data{Header: h, Msg: body},
	})
}

// Decode parses and validates a protocol-302 message: the protocol must be
// 302, the type one of the four, the session ID non-empty and msg a JSON
// object. Inputs over 64 KB are refused. Every error wraps
// session.ErrProtocol.
func Decode(b []byte) (*Message, error) {
	if len(b) > maxMessage {
		return nil, fmt.Errorf("tuya: decode: %w: message of %d bytes exceeds %d", session.ErrProtocol, len(b), maxMessage)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("tuya: decode: %w: %w", session.ErrProtocol, err)
	}
	if m.Protocol != Protocol {
		return nil, fmt.Errorf("tuya: decode: %w: protocol %d, want %d", session.ErrProtocol, m.Protocol, Protocol)
	}
	if !validType(m.Data.Header.Type) {
		return nil, fmt.Errorf("tuya: decode: %w: unknown message type %q", session.ErrProtocol, m.Data.Header.Type)
	}
	if m.Data.Header.SessionID == "" {
		return nil, fmt.Errorf("tuya: decode: %w: empty sessionid", session.ErrProtocol)
	}
	msg := bytes.TrimLeft(m.Data.Msg, " \t\r\n")
	if len(msg) == 0 || msg[0] != '{' {
		return nil, fmt.Errorf("tuya: decode: %w: %s msg is not a JSON object", session.ErrProtocol, m.Data.Header.Type)
	}
	return &m, nil
}
