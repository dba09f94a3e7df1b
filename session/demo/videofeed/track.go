package videofeed

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

// H264 is the codec of every demo video track: what the encoder produces
// (constrained baseline, packetization mode 1).
var H264 = webrtc.RTPCodecCapability{
	MimeType:    webrtc.MimeTypeH264,
	ClockRate:   90000,
	SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
}

// mtu is the largest RTP payload a track sends, pion's own.
const mtu = 1200

// RegisterCaptureTime offers the abs-capture-time header extension for
// video in m, so that a viewer that negotiates it learns when each picture
// was captured.
func RegisterCaptureTime(m *webrtc.MediaEngine) error {
	return m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: player.AbsCaptureTimeURI}, webrtc.RTPCodecTypeVideo)
}

// Track is a viewer's H.264 track: it packetizes each access unit like
// pion's TrackLocalStaticSample and stamps every packet with the picture's
// capture time in the abs-capture-time header extension when the viewer
// negotiated it, so the viewer can measure its latency up to the screen.
type Track struct {
	*webrtc.TrackLocalStaticRTP

	mu         sync.Mutex
	packetizer rtp.Packetizer
	clockRate  float64
	remainder  float64
	extID      uint8 // 0: the viewer did not negotiate the extension
}

// NewTrack returns an H.264 track (H264) with the given track and stream
// ids.
func NewTrack(id, streamID string) (*Track, error) {
	rtpTrack, err := webrtc.NewTrackLocalStaticRTP(H264, id, streamID)
	if err != nil {
		return nil, err
	}
	return &Track{TrackLocalStaticRTP: rtpTrack}, nil
}

// Bind implements webrtc.TrackLocal: it learns the extension's negotiated
// id and makes the packetizer.
func (t *Track) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
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
		t.packetizer = rtp.NewPacketizer(mtu, 0, 0, &codecs.H264Payloader{}, rtp.NewRandomSequencer(), codec.ClockRate)
		t.clockRate = float64(codec.ClockRate)
	}
	return codec, nil
}

// WriteSample sends one access unit captured at captured; before the
// track is bound it drops it.
func (t *Track) WriteSample(s media.Sample, captured time.Time) error {
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

// IsIDR reports whether an Annex-B access unit holds an IDR slice (NAL
// unit type 5).
func IsIDR(au []byte) bool {
	for i := 0; i+3 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 && au[i+3]&0x1F == 5 {
			return true
		}
	}
	return false
}
