package tuya

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// disconnectTimeout bounds the wait for the broker to acknowledge the
// best-effort disconnect sent by Call.Close. paho keeps the message in
// flight after the wait ends, so the wait only learns whether it was
// acknowledged; it is short because a broker that never acknowledges (one
// that forgot Lookout's client) must not hold up the session's next
// attempt (it cost 2 s of every retry in session.TestFaultCloudForgetsClient).
const disconnectTimeout = 300 * time.Millisecond

// Call is one WebRTC signaling session with one camera over MQTT. It
// implements session.Call; its plan trickles, shapes the offer, repairs
// the answer and tells of the camera hanging up.
type Call struct {
	c        *Client
	deviceID string
	cfg      *WebRTCConfig
	hdr      Header // Type is set per message
	sink     string
	stream   int
	plan     session.Plan

	answers chan string
	cands   chan webrtc.ICECandidateInit // guarded by c.routesMu for send and close
	candsOK bool                         // guarded by c.routesMu

	answered atomic.Bool
	offered  atomic.Bool
	closed   atomic.Bool
	closing  chan struct{}

	hangOnce sync.Once
	done     chan struct{}
	errMu    sync.Mutex
	err      error

	mu   sync.Mutex
	mids []string // m-section order of the last offer given to ShapeOffer
}

var _ session.Call = (*Call)(nil)

// Open fetches the device's WebRTC configuration, makes sure the shared
// MQTT connection is up and returns a call ready for Exchange. id is a
// device id, or "NVR_ID/CHANNEL" for one channel of an NVR: the call
// goes to the NVR with the channel's node id as the header's
// sub_device_id (spec 000: "The node_id of a sub-device. It is only used
// by NVR devices.").
func (c *Client) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("tuya: open: %w", session.ErrClosed)
	}
	deviceID, channel, isChannel := strings.Cut(id, "/")
	if deviceID == "" || (isChannel && (channel == "" || strings.Contains(channel, "/"))) {
		return nil, &session.RemoteError{Op: "tuya", Reason: fmt.Sprintf("%q is not DEVICE or NVR/CHANNEL", id), Err: session.ErrNotFound}
	}
	cfg, err := c.WebRTCConfigs(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	if cfg.SupportsWebRTC != nil && !*cfg.SupportsWebRTC {
		return nil, fmt.Errorf("tuya: open %s: %w", deviceID, ErrNoWebRTC)
	}
	l, err := c.ensureLink(ctx)
	if err != nil {
		return nil, err
	}
	stream := 0 // main (HD) stream
	if q == session.QualitySub {
		stream = 1
	}
	sink := strings.ReplaceAll(l.cfg.SinkTopic.IPC, "{device_id}", deviceID)
	if cfg.MotoID != "" {
		sink = strings.ReplaceAll(sink, "moto_id", cfg.MotoID)
	}
	call := &Call{
		c:        c,
		deviceID: deviceID,
		cfg:      cfg,
		hdr: Header{
			From:        l.from,
			To:          deviceID,
			SubDeviceID: channel,
			SessionID:   randomHex(16),
			MotoID:      cfg.MotoID,
		},
		sink:    sink,
		stream:  stream,
		answers: make(chan string, 1),
		cands:   make(chan webrtc.ICECandidateInit, 64),
		candsOK: true,
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	call.plan = call.makePlan()
	if err := c.register(call); err != nil {
		return nil, err
	}
	return call, nil
}

// makePlan derives what the peer connection must offer from webrtc-configs.
func (call *Call) makePlan() session.Plan {
	attrs := call.cfg.AudioAttributes
	p := session.Plan{
		ICEServers: call.cfg.P2PConfig.ICEServers(),
		Video:      webrtc.RTPTransceiverDirectionRecvonly,
		// G.711 in the codec the skill names (both when it names raw
		// PCM or nothing).
		AudioCodecs: call.cfg.Skill.AudioCodecs(),
		VideoCodecs: []string{webrtc.MimeTypeH264},
		Talk:        attrs.Talk(),
		// A Tuya camera sends a main (HD) and a sub stream (the offer's
		// stream_type): maximising a tile is a switch of stream.
		Qualities: true,
	}
	// The audio section follows the hardware: receive what the
	// microphone hears, send what the speaker plays. Real Tuya cameras
	// play 240-byte G.711 frames (30 ms) with the least delay.
	talk := p.Talk != session.TalkNone
	switch {
	case attrs.Microphone() && talk:
		p.Audio = webrtc.RTPTransceiverDirectionSendrecv
	case attrs.Microphone():
		p.Audio = webrtc.RTPTransceiverDirectionRecvonly
	case talk:
		p.Audio = webrtc.RTPTransceiverDirectionSendonly
	}
	if talk {
		p.TalkFrame = 30 * time.Millisecond
	}
	if call.cfg.Skill.HasH265() {
		p.VideoCodecs = append(p.VideoCodecs, webrtc.MimeTypeH265)
	}
	return p
}

// Plan says what the peer connection must offer: G.711 audio as the
// camera's microphone and speaker allow, H.264 video (and H.265 when the
// camera streams it), and the camera's STUN/TURN servers. The call
// trickles, shapes the offer (ShapeOffer), repairs the answer
// (RepairAnswer) and tells of the camera hanging up.
func (call *Call) Plan() session.Plan {
	p := call.plan
	p.Trickle = &session.Trickle{Send: call.SendCandidate, Remote: call.RemoteCandidates}
	p.ShapeOffer = call.ShapeOffer
	p.RepairAnswer = call.RepairAnswer
	p.Hangup = &session.Hangup{Done: call.Done, Err: call.Err}
	return p
}

// SessionID returns the 32-hex-digit session ID of the call.
func (call *Call) SessionID() string { return call.hdr.SessionID }

// encode builds a message of type typ of this call.
func (call *Call) encode(typ string, msg any) ([]byte, error) {
	h := call.hdr
	h.Type = typ
	return Encode(h, msg, call.c.now())
}

// offerMsg is the msg of this call's offer carrying sdp.
func (call *Call) offerMsg(sdp string) OfferMsg {
	return OfferMsg{Mode: modeWebRTC, SDP: sdp, StreamType: call.stream, Auth: call.cfg.Auth}
}

// Exchange publishes the offer and waits for the camera's answer. A
// camera that hangs up first gives an error wrapping session.ErrHangup.
// An offer whose message exceeds MaxPayload is refused unsent.
func (call *Call) Exchange(ctx context.Context, offer string) (string, error) {
	if call.closed.Load() {
		return "", fmt.Errorf("tuya: offer: %w", session.ErrClosed)
	}
	b, err := call.encode(TypeOffer, call.offerMsg(offer))
	if err != nil {
		return "", err
	}
	if len(b) > MaxPayload {
		return "", fmt.Errorf("tuya: offer: %w: the message is %d bytes, the camera takes at most %d", ErrOfferTooLarge, len(b), MaxPayload)
	}
	call.offered.Store(true)
	if err := call.c.publish(ctx, call.sink, b); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("tuya: offer: %w", err)
	}
	select {
	case sdp := <-call.answers:
		return sdp, nil
	case <-call.done:
		return "", call.Err()
	case <-ctx.Done():
		return "", ctx.Err()
	case <-call.closing:
		return "", fmt.Errorf("tuya: offer: %w", session.ErrClosed)
	}
}

// SendCandidate sends one local candidate; an empty candidate tells the
// camera gathering is complete. Tuya carries candidates as SDP attribute
// lines, so "a=" is put in front of pion's "candidate:..." string.
func (call *Call) SendCandidate(ctx context.Context, c webrtc.ICECandidateInit) error {
	if call.closed.Load() {
		return fmt.Errorf("tuya: candidate: %w", session.ErrClosed)
	}
	cand := strings.TrimSpace(c.Candidate)
	if cand != "" && !strings.HasPrefix(cand, "a=") {
		cand = "a=" + cand
	}
	b, err := call.encode(TypeCandidate, CandidateMsg{Mode: modeWebRTC, Candidate: cand})
	if err != nil {
		return err
	}
	if err := call.c.publish(ctx, call.sink, b); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("tuya: candidate: %w", err)
	}
	return nil
}

// RemoteCandidates delivers the camera's candidates ("a=" removed). The end
// of the camera's candidates is not delivered. The channel is closed when
// the call is closed.
func (call *Call) RemoteCandidates() <-chan webrtc.ICECandidateInit { return call.cands }

// Done is closed when the camera hangs up (or the Client is closed); Err
// then says why.
func (call *Call) Done() <-chan struct{} { return call.done }

// Err returns why the call ended, or nil while it has not.
func (call *Call) Err() error {
	call.errMu.Lock()
	defer call.errMu.Unlock()
	return call.err
}

// hangup records err and closes done, once.
func (call *Call) hangup(err error) {
	call.hangOnce.Do(func() {
		call.errMu.Lock()
		call.err = err
		call.errMu.Unlock()
		close(call.done)
	})
}

// deliver takes one message routed to this call. It runs with the client's
// routesMu held and never blocks.
func (call *Call) deliver(m *Message) {
	log := call.c.log
	switch m.Data.Header.Type {
	case TypeAnswer:
		var a AnswerMsg
		if err := json.Unmarshal(m.Data.Msg, &a); err != nil || strings.TrimSpace(a.SDP) == "" {
			log.Debug("tuya: dropping answer without sdp", "device", call.deviceID)
			return
		}
		call.answered.Store(true)
		select {
		case call.answers <- a.SDP:
		default:
			log.Debug("tuya: dropping repeated answer", "device", call.deviceID)
		}
	case TypeCandidate:
		var cm CandidateMsg
		if err := json.Unmarshal(m.Data.Msg, &cm); err != nil {
			log.Debug("tuya: dropping bad candidate", "device", call.deviceID, "err", err)
			return
		}
		cand := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cm.Candidate), "a="))
		if cand == "" || !call.candsOK {
			return // end of candidates, or call closed
		}
		select {
		case call.cands <- webrtc.ICECandidateInit{Candidate: cand}:
		default:
			log.Debug("tuya: dropping candidate: nobody is reading", "device", call.deviceID)
		}
	case TypeDisconnect:
		if call.answered.Load() {
			call.hangup(fmt.Errorf("tuya: the camera hung up: %w", session.ErrHangup))
		} else {
			call.hangup(fmt.Errorf("tuya: the camera hung up before answering; this usually means the auth was refused "+
				"or the device is busy with another viewer: %w", session.ErrHangup))
		}
	default:
		log.Debug("tuya: ignoring message", "type", m.Data.Header.Type, "device", call.deviceID)
	}
}

// closeCandidates closes the candidate channel; called with routesMu held.
func (call *Call) closeCandidates() {
	if call.candsOK {
		call.candsOK = false
		close(call.cands)
	}
}

// Close tells the camera the call is over (best effort, when an offer was
// sent), stops routing its messages and closes RemoteCandidates. Later
// calls return ErrClosed.
func (call *Call) Close() error {
	if call.closed.Swap(true) {
		return ErrClosed
	}
	close(call.closing)
	if call.offered.Load() && !call.c.closed.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
		b, err := call.encode(TypeDisconnect, DisconnectMsg{Mode: modeWebRTC})
		if err == nil {
			err = call.c.publish(ctx, call.sink, b)
		}
		cancel()
		if err != nil && !errors.Is(err, session.ErrClosed) {
			call.c.log.Debug("tuya: disconnect not sent", "device", call.deviceID, "err", err)
		}
	}
	call.c.unregister(call)
	return nil
}

// ShapeOffer rewrites a pion offer into what a Tuya camera takes, small
// enough that the whole offer message fits in MaxPayload; see shapeOffer.
func (call *Call) ShapeOffer(sdp string) (string, error) {
	allowed := append(append([]string{}, call.plan.AudioCodecs...), call.plan.VideoCodecs...)
	fits := func(s string) bool {
		b, err := call.encode(TypeOffer, call.offerMsg(s))
		return err == nil && len(b) <= MaxPayload
	}
	out, mids, err := shapeOffer(sdp, allowed, fits)
	if err != nil {
		return "", err
	}
	call.mu.Lock()
	call.mids = mids
	call.mu.Unlock()
	return out, nil
}

// RepairAnswer fixes what cameras get wrong in answers so pion accepts
// them; see repairAnswer. Sections are put back in the order of the offer
// pion made, should ShapeOffer have moved audio first.
func (call *Call) RepairAnswer(offer, answer string) (string, error) {
	call.mu.Lock()
	mids := call.mids
	call.mu.Unlock()
	return repairAnswer(offer, answer, mids)
}
