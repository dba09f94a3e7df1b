// Package ffmpeg decodes, scales and encodes video with FFmpeg 5.1 through
// go-astiav v0.16.0. All of the player's cgo lives here.
package ffmpeg

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/player"
)

// inputPadding is AV_INPUT_BUFFER_PADDING_SIZE: decoders read up to this many
// bytes past a packet's end, and Packet.FromData does not add them.
const inputPadding = 64

// decoderChoice maps a MIME type to the FFmpeg decoders to try, in order. FFmpeg 5.1's native "av1" decoder only works with a hardware
// accelerator, so AV1 goes to libdav1d or libaom.
var decoderChoice = []struct {
	mime  string
	names []string
}{
	{player.MimeTypeH264, []string{"h264"}},
	{player.MimeTypeH265, []string{"hevc"}},
	{player.MimeTypeVP8, []string{"vp8"}},
	{player.MimeTypeVP9, []string{"vp9"}},
	{player.MimeTypeAV1, []string{"libdav1d", "libaom-av1"}},
}

// findDecoder returns the software decoder FFmpeg offers for mime, or nil.
func findDecoder(mime string) *astiav.Codec {
	for _, c := range decoderChoice {
		if !strings.EqualFold(c.mime, mime) {
			continue
		}
		for _, n := range c.names {
			if d := astiav.FindDecoderByName(n); d != nil {
				return d
			}
		}
		return nil
	}
	return nil
}

// Decoder is a player.Decoder backed by an FFmpeg decoder and swscale. Decode
// and Close may be called from one goroutine at a time; SetOutputSize from any.
type Decoder struct {
	name string
	out  outSize

	mu     sync.Mutex
	closed bool
	cc     codecCtx
	frame  *astiav.Frame
	sc     scaler
	pool   *player.FramePool
}

var _ player.Decoder = (*Decoder)(nil)

// NewDecoder returns a player.Decoder for the MIME type (video/H264,
// video/H265, video/VP8, video/VP9, video/AV1) running on one thread.
// Frames are scaled with swscale into RGBA at the size set by SetOutputSize
// (0,0 = source size), reusing the swscale context while sizes are stable.
// The decoder runs with the low-delay flag: frame threading would hold
// pictures back, so NewDecoderThreads only adds slice threads.
func NewDecoder(mimeType string) (*Decoder, error) {
	return NewDecoderThreads(mimeType, 1)
}

// NewDecoderThreads is NewDecoder with threads slice threads (at least 1;
// see player.DecoderThreads). Slice threads help streams coded in several
// slices, as many cameras send them, and cost nothing on others.
func NewDecoderThreads(mimeType string, threads int) (*Decoder, error) {
	codec := findDecoder(mimeType)
	if codec == nil {
		return nil, fmt.Errorf("ffmpeg: decoder %q: %w", mimeType, player.ErrUnsupportedCodec)
	}
	cc, err := openCodec(codec.Name(), max(1, threads))
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: decoder %s: %w", codec.Name(), err)
	}
	return &Decoder{
		name:  codec.Name(),
		cc:    cc,
		frame: astiav.AllocFrame(),
		pool:  player.NewFramePool(),
	}, nil
}

// SetOutputSize sets the size of the frames Decode emits. 0,0 keeps the
// source's size; a single 0 is derived from the other side and the source's
// aspect ratio. It is safe to call while Decode runs.
func (d *Decoder) SetOutputSize(width, height int) { d.out.set(width, height) }

// outSize is a requested output size, set from any goroutine and read by
// the one that scales: width<<32 | height.
type outSize struct{ v atomic.Uint64 }

func (o *outSize) set(width, height int) {
	width = max(0, min(width, 1<<16))
	height = max(0, min(height, 1<<16))
	o.v.Store(uint64(width)<<32 | uint64(height))
}

// resolve returns the size for a source of srcW x srcH: 0,0 keeps it, a
// single 0 follows the source's aspect ratio.
func (o *outSize) resolve(srcW, srcH int) (int, int) {
	v := o.v.Load()
	w, h := int(v>>32), int(v&0xffffffff)
	switch {
	case w == 0 && h == 0:
		return srcW, srcH
	case w == 0:
		w = max(1, (h*srcW+srcH/2)/srcH)
	case h == 0:
		h = max(1, (w*srcH+srcW/2)/srcW)
	}
	return w, h
}

// Decode decodes one access unit and calls emit with each picture that became
// ready, converted to RGBA. The frames are pooled (see player.Frame): each is
// valid while emit runs, and emit retains the ones it keeps. In steady state
// (same output size, receivers releasing what they retained) Decode
// allocates nothing. A corrupt unit returns an error (the decoder's,
// or ErrCorruptFrame for a picture with concealed errors, which is not
// emitted); the decoder stays usable and recovers at the next keyframe.
func (d *Decoder) Decode(au player.AccessUnit, emit func(*player.Frame)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("ffmpeg: decode: %w", player.ErrClosed)
	}
	if len(au.Data) == 0 {
		return nil
	}
	if err := d.cc.fill(au.Data, au.PTS.Microseconds()); err != nil {
		return fmt.Errorf("ffmpeg: decode %s: packet: %w", d.name, err)
	}
	defer d.cc.unref()

	var early, sent error
	r, err := d.cc.send()
	if r == decodeAgain {
		// The decoder wants its output read first.
		early = d.receive(emit)
		r, err = d.cc.send()
	}
	switch r {
	case decodeFailed:
		sent = fmt.Errorf("ffmpeg: decode %s: %w", d.name, err)
	case decodeAgain:
		sent = fmt.Errorf("ffmpeg: decode %s: %w", d.name, astiav.ErrEagain)
	}
	return errors.Join(early, sent, d.receive(emit))
}

// receive emits every frame the decoder has ready.
func (d *Decoder) receive(emit func(*player.Frame)) error {
	var errs []error
	for {
		r, err := d.cc.receive(d.frame)
		if r == decodeAgain || r == decodeEOF {
			return errors.Join(errs...)
		}
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("ffmpeg: decode %s: %w", d.name, err))...)
		}
		f, err := d.convert(d.frame)
		d.frame.Unref()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if emit != nil {
			emit(f)
		}
		f.Release()
	}
}

// convert scales a decoded frame into a pooled player.Frame, holding one
// reference the caller releases.
func (d *Decoder) convert(src *astiav.Frame) (*player.Frame, error) {
	if _, _, corrupt := frameInfo(src); corrupt {
		return nil, fmt.Errorf("ffmpeg: decode %s: %w", d.name, ErrCorruptFrame)
	}
	sw, sh := src.Width(), src.Height()
	if sw <= 0 || sh <= 0 {
		return nil, fmt.Errorf("ffmpeg: decode %s: %w", d.name, ErrCorruptFrame)
	}
	ow, oh := d.out.resolve(sw, sh)
	f := d.pool.Get(ow, oh)
	if err := d.sc.scale(src, f.Image); err != nil {
		f.Release()
		return nil, fmt.Errorf("ffmpeg: decode %s: %w", d.name, err)
	}
	f.SourceWidth, f.SourceHeight = sw, sh
	f.PTS = time.Duration(src.Pts()) * time.Microsecond
	f.Key = src.KeyFrame()
	return f, nil
}

// Close frees the decoder. Later calls to Decode return player.ErrClosed;
// later calls to Close return ErrClosed.
func (d *Decoder) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	d.sc.free()
	d.frame.Free()
	d.cc.free()
	return nil
}
