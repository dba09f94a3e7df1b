package ffmpeg

import (
	"errors"
	"fmt"
	"image"
	"strconv"
	"sync"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/player"
)

// EncoderConfig configures an H264Encoder. Zero values get defaults.
type EncoderConfig struct {
	// Width and Height are the picture size; both must be even and positive.
	Width, Height int
	// FPS is the frame rate; 0 means 30.
	FPS int
	// BitrateKbps is the target bitrate; 0 means 1000.
	BitrateKbps int
	// KeyInterval is the number of frames between IDRs; 0 means 2 s of frames.
	KeyInterval int
}

// H264Encoder encodes I420 pictures with libx264 for the demo site's
// simulated cameras: constrained baseline, no B-frames, tune zerolatency,
// preset ultrafast, one slice per picture, and SPS/PPS repeated before every
// IDR (the global-header flag stays off, so libx264 repeats headers in band).
type H264Encoder struct {
	cfg EncoderConfig

	mu     sync.Mutex
	closed bool
	cc     *astiav.CodecContext
	frame  *astiav.Frame
	pkt    *astiav.Packet
	pts    int64
}

// NewH264Encoder returns an encoder for cfg. It fails with
// player.ErrUnsupportedCodec when FFmpeg lacks libx264.
func NewH264Encoder(cfg EncoderConfig) (*H264Encoder, error) {
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width%2 != 0 || cfg.Height%2 != 0 {
		return nil, fmt.Errorf("ffmpeg: h264 encoder: size %dx%d: %w", cfg.Width, cfg.Height, ErrInvalidConfig)
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.BitrateKbps <= 0 {
		cfg.BitrateKbps = 1000
	}
	if cfg.KeyInterval <= 0 {
		cfg.KeyInterval = 2 * cfg.FPS
	}
	codec := astiav.FindEncoderByName("libx264")
	if codec == nil {
		return nil, fmt.Errorf("ffmpeg: h264 encoder: libx264: %w", player.ErrUnsupportedCodec)
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, errors.New("ffmpeg: h264 encoder: allocating context failed")
	}
	cc.SetWidth(cfg.Width)
	cc.SetHeight(cfg.Height)
	cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	cc.SetTimeBase(astiav.NewRational(1, cfg.FPS))
	cc.SetFramerate(astiav.NewRational(cfg.FPS, 1))
	cc.SetGopSize(cfg.KeyInterval)
	cc.SetBitRate(int64(cfg.BitrateKbps) * 1000)
	cc.SetThreadCount(1)

	bits := strconv.Itoa(cfg.BitrateKbps * 1000)
	opts := astiav.NewDictionary()
	defer opts.Free()
	for _, kv := range [][2]string{
		{"preset", "ultrafast"},
		{"tune", "zerolatency"},
		{"profile", "baseline"},
		{"bf", "0"},
		{"forced-idr", "1"},
		{"maxrate", bits},
		{"bufsize", bits},
	} {
		if err := opts.Set(kv[0], kv[1], 0); err != nil {
			cc.Free()
			return nil, fmt.Errorf("ffmpeg: h264 encoder: option %s: %w", kv[0], err)
		}
	}
	if err := cc.Open(codec, opts); err != nil {
		cc.Free()
		return nil, fmt.Errorf("ffmpeg: h264 encoder: open: %w", err)
	}
	frame := astiav.AllocFrame()
	frame.SetWidth(cfg.Width)
	frame.SetHeight(cfg.Height)
	frame.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := frame.AllocBuffer(0); err != nil {
		frame.Free()
		cc.Free()
		return nil, fmt.Errorf("ffmpeg: h264 encoder: frame buffer: %w", err)
	}
	return &H264Encoder{cfg: cfg, cc: cc, frame: frame, pkt: astiav.AllocPacket()}, nil
}

// Encode takes one picture (*image.YCbCr, 4:2:0, exactly Width x Height) and
// returns the Annex-B access units the encoder produced (0 or 1 with
// zerolatency). forceKey makes this picture an IDR, preceded by SPS and PPS.
func (e *H264Encoder) Encode(img *image.YCbCr, forceKey bool) ([][]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("ffmpeg: h264 encode: %w", player.ErrClosed)
	}
	if img == nil || img.SubsampleRatio != image.YCbCrSubsampleRatio420 ||
		img.Rect.Dx() != e.cfg.Width || img.Rect.Dy() != e.cfg.Height {
		return nil, fmt.Errorf("ffmpeg: h264 encode: picture must be %dx%d 4:2:0: %w", e.cfg.Width, e.cfg.Height, ErrInvalidConfig)
	}
	if err := fillYUV420(e.frame, img, e.cfg.Width, e.cfg.Height); err != nil {
		return nil, fmt.Errorf("ffmpeg: h264 encode: %w", err)
	}
	e.frame.SetPts(e.pts)
	e.pts++
	if forceKey {
		e.frame.SetPictureType(astiav.PictureTypeI)
	} else {
		e.frame.SetPictureType(astiav.PictureTypeNone)
	}
	if err := e.cc.SendFrame(e.frame); err != nil {
		return nil, fmt.Errorf("ffmpeg: h264 encode: %w", err)
	}
	out, err := receivePackets(e.cc, e.pkt)
	if err != nil {
		return out, fmt.Errorf("ffmpeg: h264 encode: %w", err)
	}
	return out, nil
}

// receivePackets collects the packets an encoder has ready, copied out of
// pkt, until it asks for more input.
func receivePackets(cc *astiav.CodecContext, pkt *astiav.Packet) ([][]byte, error) {
	var out [][]byte
	for {
		err := cc.ReceivePacket(pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, pkt.Data())
		pkt.Unref()
	}
}

// Close frees the encoder. Later calls to Encode return player.ErrClosed;
// later calls to Close return ErrClosed.
func (e *H264Encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.closed = true
	e.pkt.Free()
	e.frame.Free()
	e.cc.Free()
	return nil
}
