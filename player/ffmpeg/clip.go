package ffmpeg

// Reading recordings back: a ClipReader demuxes a file the Muxer wrote
// (Matroska or MP4) with libavformat and decodes its pictures to RGBA and
// its sound to S16, for player.ClipPlayer.

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
)

// ErrNoAudio means a recording has no audio stream.
var ErrNoAudio = errors.New("the recording has no sound")

// ClipInfo describes a recording's streams.
type ClipInfo struct {
	// Duration is the file's length.
	Duration time.Duration
	// Width and Height are the picture's coded size.
	Width, Height int
	// Audio names the file's audio codec ("" without audio).
	Audio string
	// AudioErr says why the audio cannot be played (nil when it can or
	// when there is none).
	AudioErr error
}

// ClipReader reads a recording in file order: each Next returns one
// decoded picture (RGBA at the size set with SetOutputSize) or one packet's
// sound (interleaved S16 in the format given to OpenClip), with its time
// from the file's start. Next, Seek and Close may be called from different
// goroutines, one at a time; SetOutputSize from any.
type ClipReader struct {
	path string
	info ClipInfo
	out  outSize

	mu     sync.Mutex
	closed bool
	fc     *astiav.FormatContext
	pkt    *astiav.Packet
	vs     *astiav.Stream
	vcc    *astiav.CodecContext
	frame  *astiav.Frame
	sc     scaler
	pool   *player.FramePool
	as     *astiav.Stream // nil without audio
	adec   *AudioDecoder  // nil when the audio cannot be decoded
	start  int64          // the file's start time, in AV_TIME_BASE units
	eof    bool           // the demuxer is drained and the decoder flushed
}

var _ player.ClipSource = (*ClipReader)(nil)

// OpenClip opens a recording and the decoders of its first video stream
// (H.264, H.265, VP8, VP9 or AV1) and, if any, of its first audio stream
// (G.711, Opus or AAC), which is decoded to out. A file whose audio cannot
// be decoded still opens: ClipInfo.AudioErr says why it is silent.
func OpenClip(path string, out audio.Format) (*ClipReader, error) {
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("ffmpeg: clip %s: %w", path, err)
	}
	r := &ClipReader{path: path, pool: player.NewFramePool()}
	r.fc = astiav.AllocFormatContext()
	if r.fc == nil {
		return nil, fmt.Errorf("ffmpeg: clip %s: allocating the format context failed", path)
	}
	if err := r.fc.OpenInput(path, nil, nil); err != nil {
		// avformat_open_input freed the context.
		return nil, fmt.Errorf("ffmpeg: clip %s: %w", path, err)
	}
	if err := r.open(out); err != nil {
		r.free()
		return nil, fmt.Errorf("ffmpeg: clip %s: %w", path, err)
	}
	return r, nil
}

// open finds the streams and opens their decoders.
func (r *ClipReader) open(out audio.Format) error {
	if err := r.fc.FindStreamInfo(nil); err != nil {
		return err
	}
	for _, s := range r.fc.Streams() {
		switch s.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			if r.vs == nil {
				r.vs = s
			}
		case astiav.MediaTypeAudio:
			if r.as == nil {
				r.as = s
			}
		}
	}
	if r.vs == nil {
		return fmt.Errorf("no video stream: %w", player.ErrUnsupportedCodec)
	}
	if err := r.openVideo(); err != nil {
		return err
	}
	r.frame = astiav.AllocFrame()
	r.pkt = astiav.AllocPacket()
	r.start = r.fc.StartTime()
	if r.start == astiav.NoPtsValue {
		r.start = 0
	}
	vp := r.vs.CodecParameters()
	r.info = ClipInfo{Width: vp.Width(), Height: vp.Height()}
	if d := r.fc.Duration(); d > 0 && d != astiav.NoPtsValue {
		r.info.Duration = avTime(d)
	}
	if r.as != nil {
		r.info.Audio = r.as.CodecParameters().CodecID().Name()
		r.adec, r.info.AudioErr = r.audioDecoder(out)
	}
	return nil
}

// openVideo (re)opens the video decoder: a fresh one after a seek, so no
// picture from before it comes out.
func (r *ClipReader) openVideo() error {
	if r.vcc != nil {
		r.vcc.Free()
		r.vcc = nil
	}
	vp := r.vs.CodecParameters()
	c := astiav.FindDecoder(vp.CodecID())
	if vp.CodecID().Name() == "av1" {
		// FFmpeg 5.1's native AV1 decoder needs a hardware accelerator.
		c = findDecoder(player.MimeTypeAV1)
	}
	if c == nil {
		return fmt.Errorf("video %s: %w", vp.CodecID().Name(), player.ErrUnsupportedCodec)
	}
	cc := astiav.AllocCodecContext(c)
	if cc == nil {
		return errors.New("allocating the video decoder failed")
	}
	if err := vp.ToCodecContext(cc); err != nil {
		cc.Free()
		return fmt.Errorf("video parameters: %w", err)
	}
	cc.SetThreadCount(1)
	if err := cc.Open(c, nil); err != nil {
		cc.Free()
		return fmt.Errorf("video decoder %s: %w", c.Name(), err)
	}
	r.vcc = cc
	return nil
}

// audioDecoder opens the decoder of the audio stream, or says why there
// is none.
func (r *ClipReader) audioDecoder(out audio.Format) (*AudioDecoder, error) {
	ap := r.as.CodecParameters()
	ch := ap.ChannelLayout().NbChannels()
	var mime string
	switch ap.CodecID() {
	case astiav.CodecIDPcmMulaw:
		mime = MimeTypePCMU
	case astiav.CodecIDPcmAlaw:
		mime = MimeTypePCMA
	case astiav.CodecIDOpus:
		mime = MimeTypeOpus
	case astiav.CodecIDAac:
		return NewAudioDecoderConfig(MimeTypeAAC, ap.SampleRate(), ch, ap.ExtraData(), out)
	default:
		return nil, fmt.Errorf("ffmpeg: clip audio %s: %w", ap.CodecID().Name(), player.ErrUnsupportedCodec)
	}
	return NewAudioDecoder(mime, ap.SampleRate(), ch, out)
}

// Info describes the recording.
func (r *ClipReader) Info() ClipInfo { return r.info }

// AudioErr says why Next returns no sound: nil when the recording's audio
// decodes, ErrNoAudio when it has none, or the decoder's error
// (player.ErrUnsupportedCodec for a codec it cannot decode).
func (r *ClipReader) AudioErr() error {
	if r.as == nil {
		return ErrNoAudio
	}
	return r.info.AudioErr
}

// Size returns the picture's coded size.
func (r *ClipReader) Size() (width, height int) { return r.info.Width, r.info.Height }

// Duration implements player.ClipSource.
func (r *ClipReader) Duration() time.Duration { return r.info.Duration }

// SetOutputSize sets the size of the pictures Next returns: 0,0 keeps the
// coded size, a single 0 follows the picture's aspect ratio.
func (r *ClipReader) SetOutputSize(width, height int) { r.out.set(width, height) }

// Seek implements player.ClipSource: the next Next reads from the
// keyframe at or before t.
func (r *ClipReader) Seek(t time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("ffmpeg: clip seek: %w", player.ErrClosed)
	}
	ts := astiav.RescaleQ(int64(max(t, 0)), astiav.NewRational(1, int(time.Second)), r.vs.TimeBase())
	ts += astiav.RescaleQ(r.start, astiav.NewRational(1, astiav.TimeBase), r.vs.TimeBase())
	if err := r.fc.SeekFrame(r.vs.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
		return fmt.Errorf("ffmpeg: clip %s: seek to %v: %w", r.path, t, err)
	}
	r.eof = false
	if err := r.openVideo(); err != nil {
		return fmt.Errorf("ffmpeg: clip %s: %w", r.path, err)
	}
	return nil
}

// Next implements player.ClipSource: the next picture or sound in file
// order, io.EOF after the last. A picture is pooled: the caller releases
// it. A packet that does not decode is skipped.
func (r *ClipReader) Next() (player.ClipMedia, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return player.ClipMedia{}, fmt.Errorf("ffmpeg: clip read: %w", player.ErrClosed)
	}
	for {
		// A picture the decoder has ready comes first.
		if m, ok, err := r.receive(); ok || err != nil {
			return m, err
		}
		if r.eof {
			return player.ClipMedia{}, io.EOF
		}
		err := r.fc.ReadFrame(r.pkt)
		if errors.Is(err, astiav.ErrEof) {
			r.eof = true
			if err := r.vcc.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
				return player.ClipMedia{}, fmt.Errorf("ffmpeg: clip %s: flush: %w", r.path, err)
			}
			continue
		}
		if err != nil {
			return player.ClipMedia{}, fmt.Errorf("ffmpeg: clip %s: read: %w", r.path, err)
		}
		m, ok := r.packet()
		r.pkt.Unref()
		if ok {
			return m, nil
		}
	}
}

// packet hands the packet read to its decoder; a sound packet returns its
// PCM at once.
func (r *ClipReader) packet() (player.ClipMedia, bool) {
	switch idx := r.pkt.StreamIndex(); {
	case idx == r.vs.Index():
		// A packet the decoder refuses is skipped: the decoder recovers
		// at the next keyframe, as a tile's does.
		_ = r.vcc.SendPacket(r.pkt)
	case r.as != nil && idx == r.as.Index() && r.adec != nil:
		pcm, err := r.adec.Decode(r.pkt.Data())
		if err != nil || len(pcm) == 0 {
			return player.ClipMedia{}, false
		}
		return player.ClipMedia{PTS: r.time(r.pkt.Pts(), r.as.TimeBase()), Audio: pcm}, true
	}
	return player.ClipMedia{}, false
}

// receive returns the next picture the video decoder has ready.
func (r *ClipReader) receive() (player.ClipMedia, bool, error) {
	for {
		err := r.vcc.ReceiveFrame(r.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return player.ClipMedia{}, false, nil
		}
		if err != nil {
			return player.ClipMedia{}, false, fmt.Errorf("ffmpeg: clip %s: decode: %w", r.path, err)
		}
		f, err := r.convert()
		r.frame.Unref()
		if err != nil {
			continue // a concealed picture is left out, as a tile's decoder does
		}
		return player.ClipMedia{PTS: f.PTS, Frame: f}, true, nil
	}
}

// convert scales the decoded picture into a pooled frame.
func (r *ClipReader) convert() (*player.Frame, error) {
	if _, _, corrupt := frameInfo(r.frame); corrupt {
		return nil, ErrCorruptFrame
	}
	sw, sh := r.frame.Width(), r.frame.Height()
	if sw <= 0 || sh <= 0 {
		return nil, ErrCorruptFrame
	}
	ow, oh := r.out.resolve(sw, sh)
	f := r.pool.Get(ow, oh)
	if err := r.sc.scale(r.frame, f.Image); err != nil {
		f.Release()
		return nil, err
	}
	ts := r.frame.Pts()
	if ts == astiav.NoPtsValue {
		ts = r.frame.PktDts()
	}
	f.SourceWidth, f.SourceHeight = sw, sh
	f.PTS = r.time(ts, r.vs.TimeBase())
	f.Key = r.frame.KeyFrame()
	return f, nil
}

// time converts a stream timestamp to the time from the file's start.
func (r *ClipReader) time(ts int64, tb astiav.Rational) time.Duration {
	if ts == astiav.NoPtsValue {
		return 0
	}
	d := astiav.RescaleQ(ts, tb, astiav.NewRational(1, int(time.Second)))
	return time.Duration(d) - avTime(r.start)
}

// Close frees the reader; later calls return ErrClosed.
func (r *ClipReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.closed = true
	r.free()
	return nil
}

// free releases the FFmpeg objects.
func (r *ClipReader) free() {
	r.sc.free()
	if r.adec != nil {
		_ = r.adec.Close()
		r.adec = nil
	}
	if r.vcc != nil {
		r.vcc.Free()
		r.vcc = nil
	}
	if r.frame != nil {
		r.frame.Free()
		r.frame = nil
	}
	if r.pkt != nil {
		r.pkt.Free()
		r.pkt = nil
	}
	if r.fc != nil {
		r.fc.CloseInput() // which frees it
		r.fc = nil
	}
}

// avTime converts AV_TIME_BASE units to a duration.
func avTime(v int64) time.Duration {
	return time.Duration(astiav.RescaleQ(v, astiav.NewRational(1, astiav.TimeBase), astiav.NewRational(1, int(time.Second))))
}
