package wcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// MaxFrame bounds one inbound WebSocket message. The largest message of
// the protocol is setRemoteSDP, whose SDP is a few kilobytes.
const MaxFrame = 256 << 10

// Message names of the raw WebSocket API (spec 004).
const (
	MsgConnection        = "connection"
	MsgGetUserData       = "getUserData"
	MsgGetVersion        = "getVersion"
	MsgPing              = "ping"
	MsgPong              = "pong"
	MsgPublishStream     = "publishStream"
	MsgUnPublishStream   = "unPublishStream"
	MsgPlayStream        = "playStream"
	MsgStopStream        = "stopStream"
	MsgSetRemoteSDP      = "setRemoteSDP"
	MsgStreamStatusEvent = "notifyStreamStatusEvent"
	MsgAudioCodec        = "notifyAudioCodec"
	MsgVideoFormat       = "notifyVideoFormat"
	MsgInboundVideoRate  = "inboundVideoRate"
	MsgOutboundVideoRate = "outboundVideoRate"
	MsgAvailableStream   = "availableStream"
)

// frame is the envelope of every message, both ways.
type frame struct {
	Message string            `json:"message"`
	Data    []json.RawMessage `json:"data"`
}

// UserData is getUserData: the server's confirmation of the connection.
type UserData struct {
	Status         string   `json:"status"`
	MediaProviders []string `json:"mediaProviders"`
	KeepAlive      bool     `json:"keepAlive"`
}

// StreamStatus is the stream object of notifyStreamStatusEvent.
type StreamStatus struct {
	MediaSessionID string `json:"mediaSessionId"`
	Name           string `json:"name"`
	Published      bool   `json:"published"`
	HasVideo       bool   `json:"hasVideo"`
	HasAudio       bool   `json:"hasAudio"`
	Status         string `json:"status"`
	Info           string `json:"info"`
	AudioCodec     string `json:"audioCodec"`
	VideoCodec     string `json:"videoCodec"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	Bitrate        int64  `json:"bitrate"`
	Quality        int    `json:"quality"`
	MediaProvider  string `json:"mediaProvider"`
}

// VideoFormat is notifyVideoFormat.
type VideoFormat struct {
	MediaSessionID string `json:"mediaSessionId"`
	Width          int    `json:"streamerVideoWidth"`
	Height         int    `json:"streamerVideoHeight"`
	Status         string `json:"status"`
}

// VideoRate is inboundVideoRate and outboundVideoRate (WCS 5.2.576+).
type VideoRate struct {
	MediaSessionID string `json:"mediaSessionId"`
	VideoRate      int64  `json:"videoRate"` // bit/s
	FPS            int    `json:"fps"`
	NACK           int64  `json:"nack"`
	PLI            int64  `json:"pli"`
	LostPackets    int64  `json:"lostPackets"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
}

// Availability is the server's answer to availableStream.
type Availability struct {
	ID        string // the mediaSessionId of the question
	Available bool
	Info      string // why it is not available (WCS 5.2.911+)
}

// Inbound is one decoded message from the server. Name says which fields
// are set; a message the client does not know has only Name.
type Inbound struct {
	Name string
	// Session is the mediaSessionId the message concerns; empty for
	// connection-wide messages.
	Session   string
	UserData  *UserData
	Version   string
	SDP       string        // setRemoteSDP
	Codec     string        // notifyAudioCodec
	Status    *StreamStatus // notifyStreamStatusEvent
	Format    *VideoFormat  // notifyVideoFormat
	Rate      *VideoRate    // inbound/outboundVideoRate
	Available *Availability // availableStream
	// Known is false for messages the client does not handle.
	Known bool
}

// Decode parses one inbound message. Every error wraps ErrBadFrame; a
// well-formed message of an unknown name is no error (Known is false).
func Decode(b []byte) (Inbound, error) {
	if len(b) > MaxFrame {
		return Inbound{}, fmt.Errorf("%w: %d bytes, over %d", ErrBadFrame, len(b), MaxFrame)
	}
	var f frame
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return Inbound{}, fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	if dec.More() {
		return Inbound{}, fmt.Errorf("%w: trailing data after the message", ErrBadFrame)
	}
	if f.Message == "" {
		return Inbound{}, fmt.Errorf("%w: no message name", ErrBadFrame)
	}
	in := Inbound{Name: f.Message, Known: true}
	bad := func(format string, args ...any) (Inbound, error) {
		return Inbound{}, fmt.Errorf("%w: %s: %s", ErrBadFrame, f.Message, fmt.Sprintf(format, args...))
	}
	arg := func(i int, v any) error {
		if i >= len(f.Data) {
			return fmt.Errorf("data has %d items, want at least %d", len(f.Data), i+1)
		}
		if err := json.Unmarshal(f.Data[i], v); err != nil {
			return fmt.Errorf("data[%d]: %w", i, err)
		}
		return nil
	}
	switch f.Message {
	case MsgPing:
	case MsgGetUserData:
		var u UserData
		if err := arg(0, &u); err != nil {
			return bad("%v", err)
		}
		in.UserData = &u
	case MsgGetVersion:
		if err := arg(0, &in.Version); err != nil {
			return bad("%v", err)
		}
	case MsgSetRemoteSDP:
		if err := arg(0, &in.Session); err != nil {
			return bad("%v", err)
		}
		if err := arg(1, &in.SDP); err != nil {
			return bad("%v", err)
		}
		if in.Session == "" || in.SDP == "" {
			return bad("empty mediaSessionId or SDP")
		}
	case MsgAudioCodec:
		var c struct {
			Name string `json:"name"`
		}
		if err := arg(0, &in.Session); err != nil {
			return bad("%v", err)
		}
		if err := arg(1, &c); err != nil {
			return bad("%v", err)
		}
		in.Codec = c.Name
	case MsgStreamStatusEvent:
		var st StreamStatus
		if err := arg(0, &st); err != nil {
			return bad("%v", err)
		}
		if st.MediaSessionID == "" || st.Status == "" {
			return bad("no mediaSessionId or status")
		}
		in.Session, in.Status = st.MediaSessionID, &st
	case MsgVideoFormat:
		var v VideoFormat
		if err := arg(0, &v); err != nil {
			return bad("%v", err)
		}
		in.Session, in.Format = v.MediaSessionID, &v
	case MsgInboundVideoRate, MsgOutboundVideoRate:
		var r VideoRate
		if err := arg(0, &r); err != nil {
			return bad("%v", err)
		}
		in.Session, in.Rate = r.MediaSessionID, &r
	case MsgAvailableStream:
		var a struct {
			Status json.RawMessage `json:"status"`
			Info   string          `json:"info"`
			ID     string          `json:"id"`
		}
		if err := arg(0, &a); err != nil {
			return bad("%v", err)
		}
		ok, err := looseBool(a.Status)
		if err != nil {
			return bad("status: %v", err)
		}
		if a.ID == "" {
			return bad("no id")
		}
		in.Session = a.ID
		in.Available = &Availability{ID: a.ID, Available: ok, Info: a.Info}
	default:
		in.Known = false
	}
	return in, nil
}

// looseBool reads availableStream's status, which the spec shows as the
// string "false" and servers also send as a JSON boolean.
func looseBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false, fmt.Errorf("not a boolean: %.40q", raw)
	}
	v, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Errorf("not a boolean: %.40q", s)
	}
	return v, nil
}

// encode builds an outbound message.
func encode(name string, data ...any) ([]byte, error) {
	raw := make([]json.RawMessage, 0, len(data))
	for _, d := range data {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("wcs: encode %s: %w", name, err)
		}
		raw = append(raw, b)
	}
	return json.Marshal(frame{Message: name, Data: raw})
}

// connectionMsg is the first message a client sends.
type connectionMsg struct {
	AppKey               string   `json:"appKey"`
	MediaProviders       []string `json:"mediaProviders"`
	ClientVersion        string   `json:"clientVersion"`
	ClientOSVersion      string   `json:"clientOSVersion"`
	ClientBrowserVersion string   `json:"clientBrowserVersion"`
}

// streamMsg is the stream object of playStream, stopStream, publishStream
// and unPublishStream.
type streamMsg struct {
	MediaSessionID string `json:"mediaSessionId"`
	Name           string `json:"name"`
	Published      bool   `json:"published"`
	HasVideo       bool   `json:"hasVideo"`
	HasAudio       bool   `json:"hasAudio"`
	Status         string `json:"status"`
	Record         bool   `json:"record"`
	Width          *int   `json:"width,omitempty"`
	Height         *int   `json:"height,omitempty"`
	MediaProvider  string `json:"mediaProvider,omitempty"`
	SDP            string `json:"sdp,omitempty"`
	Bitrate        *int   `json:"bitrate,omitempty"`
	MinBitrate     *int   `json:"minBitrate,omitempty"`
	MaxBitrate     *int   `json:"maxBitrate,omitempty"`
	Quality        *int   `json:"quality,omitempty"`
}

// availableMsg is the question of availableStream.
type availableMsg struct {
	MediaSessionID string `json:"mediaSessionId"`
	Name           string `json:"name"`
}
