package session

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"
)

// Signaler carries one offer/answer exchange to a device or server.
type Signaler interface {
	Exchange(ctx context.Context, offer string) (answer string, err error)
	Close() error
}

// Trickle is a call's way of carrying ICE candidates apart from its offer
// and answer (Plan.Trickle).
type Trickle struct {
	// Send sends one local candidate. A nil candidate pointer is never
	// sent: the end of gathering is an empty Candidate string.
	Send func(ctx context.Context, c webrtc.ICECandidateInit) error
	// Remote yields the remote side's candidates; it is closed when no
	// more will come.
	Remote func() <-chan webrtc.ICECandidateInit
}

// Hangup is a call's way of learning that the remote side ended it after
// the exchange (Plan.Hangup).
type Hangup struct {
	// Done is closed, after Err is set, when the remote side hangs up.
	Done func() <-chan struct{}
	// Err says why, once Done is closed.
	Err func() error
}

// Quality picks one of a camera's streams.
type Quality string

// Stream qualities. Main is the full-size (HD) stream, Sub the small one.
const (
	QualityMain Quality = "main"
	QualitySub  Quality = "sub"
)

// Plan says what a call's peer connection must offer.
type Plan struct {
	ICEServers []webrtc.ICEServer
	// Audio and Video are the directions of the transceivers to add; zero
	// (webrtc.RTPTransceiverDirectionUnknown) adds none of that kind.
	Audio webrtc.RTPTransceiverDirection
	Video webrtc.RTPTransceiverDirection
	// AudioCodecs restricts the audio codecs offered (MIME types such as
	// webrtc.MimeTypePCMA); empty offers pion's defaults.
	AudioCodecs []string
	// VideoCodecs restricts the video codecs offered; empty offers pion's defaults.
	VideoCodecs []string
	// Talk says how the device takes talk audio.
	Talk Talk
	// RTX offers a retransmission (RTX, RFC 4588) codec for every video
	// codec.
	RTX bool
	// TalkFrame is the duration of one G.711 talk frame the device plays
	// best; zero means 20 ms. Opus always uses 20 ms.
	TalkFrame time.Duration
	// MaxDuration is how long the service lets one session last (EEN: 10
	// minutes); zero means no limit. A Relay opens the next session before
	// it ends.
	MaxDuration time.Duration
	// Overlap says the device takes a second session while one is live, so
	// a Relay opens the next session before the cap while the current one
	// still carries the talk. False (a device that takes one caller, such
	// as an EEN speaker, which answers a second session "busy"): the Relay
	// ends the current session first, then opens the next.
	Overlap bool
	// Qualities says the source has a stream per Quality (a camera's main
	// and sub streams, a server that scales to the size asked, a WHEP
	// stream with a sub_url): asking for another quality opens another
	// stream. False: one stream whatever the quality, so a larger tile
	// keeps its session and only asks the decoder for a larger picture.
	Qualities bool

	// What the call can do besides one offer/answer exchange: each is nil
	// when it cannot, and the session reads them here, nowhere else.

	// Trickle carries ICE candidates separately; nil: the session waits
	// for gathering to complete and sends every candidate in the offer.
	Trickle *Trickle
	// ShapeOffer rewrites the local offer before it is sent (Tuya cameras
	// take at most 8 KB of MQTT payload).
	ShapeOffer func(sdp string) (string, error)
	// RepairAnswer rewrites an answer pion would reject as it is (devices
	// sending upper-case fingerprints, foreign payload types).
	RepairAnswer func(offer, answer string) (string, error)
	// Hangup tells of the remote side ending the call after the exchange;
	// nil: the call ends only with its connection.
	Hangup *Hangup
	// Publish opens a separate publishing call for talk audio (a WHIP
	// endpoint, a WCS published stream) rather than using this call's own
	// connection: holding Talk opens it, sends the microphone over a
	// send-only peer connection built from its Plan, and hangs it up on
	// release. A publish call whose plan has Hangup ends the talk (with
	// ErrHangup) when the remote side ends it.
	Publish func(ctx context.Context) (Call, error)
	// Report returns what the call's server last said about the stream it
	// plays (WCS's stream status, format and rate messages).
	Report func() ServerReport
}

// Talk is a device's ability to play audio sent to it.
type Talk string

// Talk abilities, as printed by "lookout list --json".
const (
	TalkNone Talk = "none"
	TalkHalf Talk = "half"
	TalkFull Talk = "full"
)

// Call is one signaling session to one source, as opened by an Opener.
type Call interface {
	Signaler
	Plan() Plan
}

// Opener opens calls to the sources of one account; every protocol client
// implements it. id is the part of the source after "ACCOUNT/".
type Opener interface {
	Open(ctx context.Context, id string, q Quality) (Call, error)
}

// DeviceType is the kind of thing a source is.
type DeviceType string

// Device types, as printed by "lookout list --json".
const (
	TypeCamera  DeviceType = "camera"
	TypeSpeaker DeviceType = "speaker"
	TypeStream  DeviceType = "stream"
	TypeRoom    DeviceType = "room"
)

// Device is one entry of an account's directory.
type Device struct {
	ID     string     // the part of the source after "ACCOUNT/"
	Name   string     // the name the user gave it
	Type   DeviceType // camera, speaker, stream or room
	Online bool
	Talk   Talk
	// SendOnly marks a speaker that takes talk but sends no audio back
	// (an EEN feed of mediaType "audio").
	SendOnly bool
	// Silent marks a camera that sends no sound (a Tuya camera without a
	// microphone): its tile shows no speaker (mute) button.
	Silent bool
}

// Directory lists what an account can show.
type Directory interface {
	Devices(ctx context.Context) ([]Device, error)
}

// ServerReport is what a media server says about the stream it plays to a
// tile, besides the media itself (WCS's stream status events, video format
// and video rate messages).
type ServerReport struct {
	Status     string // the server's stream status, such as "PLAYING" or "PLAYBACK_PROBLEM"
	Info       string // the server's words about the status; may be empty
	AudioCodec string // as the server names it, such as "opus"
	VideoCodec string // as the server names it, such as "H264"
	// Width and Height are the size the server says it sends.
	Width, Height int
	// VideoKbps and FPS are the server's measure of the video it sends.
	VideoKbps float64
	FPS       float64
	// NACK, PLI and Lost are the server's counts of retransmission
	// requests, keyframe requests and lost packets.
	NACK, PLI, Lost int64
}
