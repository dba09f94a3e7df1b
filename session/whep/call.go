package whep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// hangupTimeout bounds the DELETE sent when a call closes.
const hangupTimeout = 5 * time.Second

// PlayPlan is the plan of a WHEP play call: receive audio and video in
// every codec Lookout decodes (H.264, H.265, VP8, VP9, AV1; Opus, G.711),
// with RTX offered for each video codec. talk says whether a WHIP publish
// endpoint takes the microphone meanwhile.
func PlayPlan(ice []webrtc.ICEServer, talk bool) session.Plan {
	p := session.Plan{
		ICEServers: ice,
		Audio:      webrtc.RTPTransceiverDirectionRecvonly,
		Video:      webrtc.RTPTransceiverDirectionRecvonly,
		RTX:        true,
		Talk:       session.TalkNone,
	}
	if talk {
		p.Talk = session.TalkFull
	}
	return p
}

// TalkPlan is the plan of a WHIP publish call carrying the microphone:
// one send-only audio section offering Opus alone.
func TalkPlan(ice []webrtc.ICEServer) session.Plan {
	return session.Plan{
		ICEServers:  ice,
		Audio:       webrtc.RTPTransceiverDirectionSendonly,
		AudioCodecs: []string{webrtc.MimeTypeOpus},
		Talk:        session.TalkFull,
	}
}

// Open prepares a call to a WHEP (play) or WHIP (publish) endpoint: an
// OPTIONS request learns whether the server takes trickle PATCHes and which
// ICE servers it hands out before the offer is made. The call's plan
// trickles (Plan.Trickle) only when the server announced it; otherwise the
// session sends an offer carrying every gathered candidate. With publish
// set, the plan publishes talk (Plan.Publish) to that WHIP endpoint over a
// connection of its own. plan gets the ICE servers.
func Open(ctx context.Context, ep *Endpoint, plan func(ice []webrtc.ICEServer) session.Plan, publish *Endpoint) (session.Call, error) {
	caps, err := ep.Options(ctx)
	switch {
	case err == nil:
	case errors.Is(err, session.ErrUnauthorized) || errors.Is(err, session.ErrNotFound) || ctx.Err() != nil:
		return nil, err
	default:
		// A busy or failing server may still take the POST (whose 503
		// Retry-After is honoured); go on without what OPTIONS would
		// have said.
		ep.log().Info("whep: OPTIONS failed; offering without trickle", "err", err)
	}
	c := &call{ep: ep, plan: plan(caps.ICEServers), log: ep.log(), remote: make(chan webrtc.ICECandidateInit)}
	close(c.remote) // the server's candidates come in its answer
	c.trickle.Store(caps.Trickle)
	if caps.Trickle {
		c.plan.Trickle = &session.Trickle{Send: c.sendCandidate, Remote: c.remoteCandidates}
	}
	if publish != nil {
		c.plan.Publish = func(ctx context.Context) (session.Call, error) {
			return Open(ctx, publish, TalkPlan, nil)
		}
	}
	return c, nil
}

// call is one WHEP or WHIP session: POST, then trickle PATCHes, then DELETE.
type call struct {
	ep     *Endpoint
	plan   session.Plan
	log    *slog.Logger
	remote chan webrtc.ICECandidateInit

	trickle atomic.Bool // false once the server refused a PATCH
	closed  atomic.Bool

	mu    sync.Mutex
	res   *Resource
	local iceParams
}

// iceParams is what an sdpfrag repeats of the offer.
type iceParams struct {
	ufrag, pwd string
	media, mid string // the first media section
}

// Plan implements session.Call.
func (c *call) Plan() session.Plan { return c.plan }

// Exchange implements session.Signaler: POST the offer, get the answer.
func (c *call) Exchange(ctx context.Context, offer string) (string, error) {
	if c.closed.Load() {
		return "", session.ErrClosed
	}
	params := offerParams(offer)
	res, answer, err := c.ep.Post(ctx, offer)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.res, c.local = res, params
	c.mu.Unlock()
	if c.closed.Load() { // closed while the POST was in flight
		c.hangup()
		return "", session.ErrClosed
	}
	return answer, nil
}

// Resource returns the session's resource once Exchange succeeded.
func (c *call) Resource() *Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.res
}

// Close hangs up: DELETE the resource. Later calls return session.ErrClosed.
func (c *call) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	return c.hangup()
}

func (c *call) hangup() error {
	c.mu.Lock()
	res := c.res
	c.res = nil
	c.mu.Unlock()
	if res == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	if err := res.Delete(ctx); err != nil {
		return fmt.Errorf("whep: hang up: %w", err)
	}
	return nil
}

// sendCandidate is the plan's Trickle.Send for a server that takes trickle
// PATCHes: one PATCH per candidate, and a=end-of-candidates for the empty
// one.
func (c *call) sendCandidate(ctx context.Context, cand webrtc.ICECandidateInit) error {
	if !c.trickle.Load() {
		return nil
	}
	c.mu.Lock()
	res, p := c.res, c.local
	c.mu.Unlock()
	if res == nil {
		return ErrNoResource
	}
	err := res.Trickle(ctx, candidateFrag(p, cand))
	if errors.Is(err, ErrNoTrickle) {
		c.trickle.Store(false)
		c.log.Info("whep: the server refused trickle; relying on its own candidates")
		return nil
	}
	return err
}

// remoteCandidates is the plan's Trickle.Remote. WHEP and WHIP servers
// put their candidates in the answer, so nothing ever arrives here.
func (c *call) remoteCandidates() <-chan webrtc.ICECandidateInit { return c.remote }

// offerParams reads the ICE credentials and first media section of an offer.
func offerParams(offer string) iceParams {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		return iceParams{}
	}
	var p iceParams
	p.ufrag, _ = d.Attribute("ice-ufrag")
	p.pwd, _ = d.Attribute("ice-pwd")
	if len(d.MediaDescriptions) > 0 {
		m := d.MediaDescriptions[0]
		p.media = m.MediaName.Media
		p.mid, _ = m.Attribute("mid")
		if p.ufrag == "" {
			p.ufrag, _ = m.Attribute("ice-ufrag")
			p.pwd, _ = m.Attribute("ice-pwd")
		}
	}
	return p
}

// candidateFrag builds the sdpfrag (RFC 8840) of one candidate, or of the
// end of candidates when cand is empty.
func candidateFrag(p iceParams, cand webrtc.ICECandidateInit) string {
	var b strings.Builder
	b.WriteString("a=ice-ufrag:" + p.ufrag + "\r\n")
	b.WriteString("a=ice-pwd:" + p.pwd + "\r\n")
	media := p.media
	if media == "" {
		media = "audio"
	}
	b.WriteString("m=" + media + " 9 UDP/TLS/RTP/SAVPF 0\r\n")
	mid := p.mid
	if cand.SDPMid != nil && *cand.SDPMid != "" {
		mid = *cand.SDPMid
	}
	b.WriteString("a=mid:" + mid + "\r\n")
	if cand.Candidate == "" {
		b.WriteString("a=end-of-candidates\r\n")
	} else {
		b.WriteString("a=" + strings.TrimPrefix(cand.Candidate, "a=") + "\r\n")
	}
	return b.String()
}
