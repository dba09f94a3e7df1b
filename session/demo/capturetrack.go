package demo

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/player"
)

// captureMTU is the largest RTP payload a camera sends, pion's own.
const captureMTU = 1200

// captureTrack is a camera's H.264 track: it packetizes each picture like
// pion's TrackLocalStaticSample and stamps every packet with the picture's
// capture time in the abs-capture-time header extension, when the viewer
// negotiated it, so the viewer can measure its latency up to the screen.
type captureTrack struct {
	*webrtc.TrackLocalStaticRTP

	mu         sync.Mutex
	packetizer rtp.Packetizer
	clockRate  float64
	remainder  float64
	extID      uint8 // 0: the viewer did not negotiate the extension
}

// newCaptureTrack returns an H.264 track of capability c.
func newCaptureTrack(c webrtc.RTPCodecCapability, id, streamID string) (*captureTrack, error) {
	rtpTrack, err := webrtc.NewTrackLocalStaticRTP(c, id, streamID)
	if err != nil {
		return nil, err
	}
	return &captureTrack{TrackLocalStaticRTP: rtpTrack}, nil
}

// Bind implements webrtc.TrackLocal: it learns the extension's negotiated
// id and makes the packetizer.
func (t *captureTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, err := t.TrackLocalStaticRTP.Bind(ctx)
	if err != nil {
		return codec, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range ctx.HeaderExtensions() {
		if e.URI == player.AbsCaptureTimeURI && e.ID > 0 && e.ID < 15 {
			t.extID = uint8(e.ID)
		}
	}
	if t.packetizer == nil {
		t.packetizer = rtp.NewPacketizer(captureMTU, 0, 0, &codecs.H264Payloader{}, rtp.NewRandomSequencer(), codec.ClockRate)
		t.clockRate = float64(codec.ClockRate)
	}
	return codec, nil
}

// WriteSample sends one access unit captured at captured.
func (t *captureTrack) WriteSample(s media.Sample, captured time.Time) error {
	t.mu.Lock()
	if t.packetizer == nil {
		t.mu.Unlock()
		return nil
	}
	total := s.Duration.Seconds()*t.clockRate + t.remainder
	ticks := uint32(total)
	t.remainder = total - float64(ticks)
	packets := t.packetizer.Packetize(s.Data, ticks)
	id := t.extID
	t.mu.Unlock()
	var ext []byte
	if id != 0 {
		var err error
		if ext, err = rtp.NewAbsCaptureTimeExtension(captured).Marshal(); err != nil {
			return err
		}
	}
	var errs []error
	for _, p := range packets {
		if ext != nil {
			if err := p.Header.SetExtension(id, ext); err != nil {
				return err
			}
		}
		if err := t.WriteRTP(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
