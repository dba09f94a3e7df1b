package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file is the demo cameras' own reading of protocol 302, Tuya's MQTT
// signaling for WebRTC (spec 000, section 3.3): it shares no code with the
// client (session/tuya), so a misreading on one side makes calls fail.

// protocol302 is the protocol number of WebRTC signaling messages.
const protocol302 = 302

// pv302 is the protocol version the spec's samples carry.
const pv302 = "2.2"

// cameraMaxPayload is the largest MQTT payload a real Tuya camera reads;
// larger messages are silently ignored.
const cameraMaxPayload = 8 * 1024

// Message types of protocol 302 (spec 3.3, Header.type).
const (
	type302Offer      = "offer"
	type302Answer     = "answer"
	type302Candidate  = "candidate"
	type302Disconnect = "disconnect"
)

// errBad302 is a message the demo camera cannot use.
var errBad302 = errors.New("demo: not a protocol-302 message")

// wire302 is one protocol-302 message: protocol, pv, t and data, whose
// header addresses it and whose msg depends on the header's type.
type wire302 struct {
	Protocol int    `json:"protocol"`
	PV       string `json:"pv"`
	T        int64  `json:"t"`
	Data     struct {
		Header header302       `json:"header"`
		Msg    json.RawMessage `json:"msg"`
	} `json:"data"`
}

// header302 is Data.header: type, from, to, sub_device_id (NVRs only),
// sessionid and moto_id.
type header302 struct {
	Type        string `json:"type"`
	From        string `json:"from"`
	To          string `json:"to"`
	SubDeviceID string `json:"sub_device_id,omitempty"`
	SessionID   string `json:"sessionid"`
	MotoID      string `json:"moto_id,omitempty"`
}

// offer302 is the msg of an offer: mode "webrtc", the SDP, stream_type
// (the spec's default 1 is the sub stream) and the auth of webrtc-configs.
type offer302 struct {
	Mode       string `json:"mode"`
	SDP        string `json:"sdp"`
	StreamType int    `json:"stream_type"`
	Auth       string `json:"auth"`
}

// candidate302 is the msg of a candidate: an "a=candidate:..." line, or ""
// when gathering is over.
type candidate302 struct {
	Mode      string `json:"mode"`
	Candidate string `json:"candidate"`
}

// answer302 is the msg of an answer.
type answer302 struct {
	Mode string `json:"mode"`
	SDP  string `json:"sdp"`
}

// disconnect302 is the msg of a disconnect.
type disconnect302 struct {
	Mode string `json:"mode"`
}

// parse302 reads a message a viewer published: protocol 302, a known type,
// a session id and a msg object.
func parse302(b []byte) (*wire302, error) {
	var m wire302
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", errBad302, err)
	}
	if m.Protocol != protocol302 {
		return nil, fmt.Errorf("%w: protocol %d", errBad302, m.Protocol)
	}
	switch m.Data.Header.Type {
	case type302Offer, type302Answer, type302Candidate, type302Disconnect:
	default:
		return nil, fmt.Errorf("%w: type %q", errBad302, m.Data.Header.Type)
	}
	if m.Data.Header.SessionID == "" {
		return nil, fmt.Errorf("%w: no sessionid", errBad302)
	}
	if msg := bytes.TrimSpace(m.Data.Msg); len(msg) == 0 || msg[0] != '{' {
		return nil, fmt.Errorf("%w: msg is not an object", errBad302)
	}
	return &m, nil
}

// build302 makes a message of h.Type with body msg; t is in seconds, as
// the spec's parameter table says.
func build302(h header302, msg any, now time.Time) ([]byte, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	var m wire302
	m.Protocol, m.PV, m.T = protocol302, pv302, now.Unix()
	m.Data.Header, m.Data.Msg = h, body
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // SDPs stay as they are, not \u003c-escaped
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
