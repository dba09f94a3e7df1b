package peer

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// talkTrack is the sending audio track. A track made for one codec cannot
// bind when the answer picks another of the offered ones (pion then fails
// the whole answer: "codec is not supported by remote"), so this one
// chooses its codec when it is bound, from those negotiated, and
// packetizes with pion's own static-sample track for that codec.
type talkTrack struct {
	mu     sync.Mutex
	inner  *webrtc.TrackLocalStaticSample
	codec  webrtc.RTPCodecParameters
	offers []webrtc.RTPCodecParameters // the audio codecs we offered
}

// ID implements webrtc.TrackLocal.
func (t *talkTrack) ID() string { return "audio" }

// RID implements webrtc.TrackLocal.
func (t *talkTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (t *talkTrack) StreamID() string { return "lookout-talk" }

// Kind implements webrtc.TrackLocal.
func (t *talkTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// Bind picks the first negotiated codec we offered.
func (t *talkTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, neg := range ctx.CodecParameters() {
		for _, o := range t.offers {
			if !strings.EqualFold(neg.MimeType, o.MimeType) || neg.ClockRate != o.ClockRate {
				continue
			}
			inner, err := webrtc.NewTrackLocalStaticSample(neg.RTPCodecCapability, t.ID(), t.StreamID())
			if err != nil {
				return webrtc.RTPCodecParameters{}, err
			}
			c, err := inner.Bind(ctx)
			if err != nil {
				return webrtc.RTPCodecParameters{}, err
			}
			t.inner, t.codec = inner, c
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: no offered audio codec in the answer", webrtc.ErrUnsupportedCodec)
}

// Unbind implements webrtc.TrackLocal.
func (t *talkTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inner == nil {
		return nil
	}
	return t.inner.Unbind(ctx)
}

// bound returns the negotiated track, or nil before negotiation.
func (t *talkTrack) bound() (*webrtc.TrackLocalStaticSample, webrtc.RTPCodecParameters) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inner, t.codec
}

// WriteSample sends one encoded frame in the negotiated codec.
func (t *talkTrack) WriteSample(s media.Sample) error {
	inner, _ := t.bound()
	if inner == nil {
		return ErrNoTalk
	}
	return inner.WriteSample(s)
}
