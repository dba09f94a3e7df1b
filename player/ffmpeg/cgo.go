package ffmpeg

// The few things go-astiav v0.16.0 cannot do: scale a frame straight into Go
// memory with the source's colorspace, read a frame's error flags, write raw
// pixels into a frame, and run a video decoder without a Go allocation per
// packet (go-astiav returns AVERROR(EAGAIN) as an error value, which
// allocates, and copies packets through a deferred closure that escapes).

/*
#cgo pkg-config: libavcodec libavutil libswscale
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>

// LK_SWS_FLAGS: area averaging, which swscale does only where it shrinks
// (it enlarges bilinearly). A tile shows a camera's picture at a half or a
// quarter of its size: there averaging takes half the filter taps of
// SWS_BILINEAR, whose shrinking filter is twice as wide, for a picture
// about 43 dB from it (TestScaledLikeTheCLI).
#define LK_SWS_FLAGS SWS_AREA

static struct SwsContext *lk_sws_get(struct SwsContext *ctx, int sw, int sh, int sfmt,
		int dw, int dh, int colorspace, int full_range) {
	ctx = sws_getCachedContext(ctx, sw, sh, (enum AVPixelFormat)sfmt, dw, dh, AV_PIX_FMT_RGBA,
		LK_SWS_FLAGS, NULL, NULL, NULL);
	if (ctx == NULL) {
		return NULL;
	}
	// Best effort: formats swscale treats specially keep their own defaults.
	sws_setColorspaceDetails(ctx, sws_getCoefficients(colorspace), full_range,
		sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
	return ctx;
}

// lk_shrink_get is the first of two steps for a 4:2:0 picture: the same
// format at the size asked, area averaged.
static struct SwsContext *lk_shrink_get(struct SwsContext *ctx, int sw, int sh, int fmt, int dw, int dh) {
	return sws_getCachedContext(ctx, sw, sh, (enum AVPixelFormat)fmt, dw, dh, (enum AVPixelFormat)fmt,
		LK_SWS_FLAGS, NULL, NULL, NULL);
}

// lk_shrink scales src into dst (allocated at its size and format) and
// gives it src's colorspace and range, which the second step converts by.
static int lk_shrink(struct SwsContext *ctx, const AVFrame *src, AVFrame *dst) {
	int ret = av_frame_make_writable(dst);
	if (ret < 0) {
		return ret;
	}
	dst->colorspace = src->colorspace;
	dst->color_range = src->color_range;
	return sws_scale(ctx, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
		dst->data, dst->linesize);
}

static int lk_sws_scale(struct SwsContext *ctx, const AVFrame *src, uint8_t *dst, int stride) {
	uint8_t *dsts[4] = {dst, NULL, NULL, NULL};
	int strides[4] = {stride, 0, 0, 0};
	return sws_scale(ctx, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
		dsts, strides);
}

// lk_frame_info packs a frame's colorspace (bits 2 and up), full range (bit 1)
// and corrupt flag (bit 0) into one int: out-parameters would make cgo
// allocate them on the Go heap.
static int lk_frame_info(const AVFrame *f) {
	int full_range = f->color_range == AVCOL_RANGE_JPEG ||
		f->format == AV_PIX_FMT_YUVJ420P || f->format == AV_PIX_FMT_YUVJ422P ||
		f->format == AV_PIX_FMT_YUVJ444P;
	int corrupt = (f->flags & AV_FRAME_FLAG_CORRUPT) != 0 || f->decode_error_flags != 0;
	return ((int)f->colorspace << 2) | (full_range << 1) | corrupt;
}

enum { LK_EAGAIN = AVERROR(EAGAIN), LK_EOF = AVERROR_EOF };

// lk_dec_open opens the decoder named name with the low-delay flag and
// threads slice threads; NULL when it cannot.
static AVCodecContext *lk_dec_open(const char *name, int threads) {
	const AVCodec *codec = avcodec_find_decoder_by_name(name);
	if (codec == NULL) {
		return NULL;
	}
	AVCodecContext *c = avcodec_alloc_context3(codec);
	if (c == NULL) {
		return NULL;
	}
	c->flags |= AV_CODEC_FLAG_LOW_DELAY;
	c->thread_count = threads;
	c->thread_type = FF_THREAD_SLICE;
	if (avcodec_open2(c, codec, NULL) < 0) {
		avcodec_free_context(&c);
		return NULL;
	}
	return c;
}

static void lk_dec_free(AVCodecContext *c, AVPacket *p) {
	avcodec_free_context(&c);
	av_packet_free(&p);
}

// lk_dec_fill copies size bytes into p's own padded buffer.
static int lk_dec_fill(AVPacket *p, const uint8_t *data, int size, int64_t pts) {
	int ret = av_new_packet(p, size);
	if (ret < 0) {
		return ret;
	}
	memcpy(p->data, data, size);
	p->pts = pts;
	return 0;
}


static int lk_fill_yuv420(AVFrame *f, const uint8_t *y, int ys, const uint8_t *cb,
		const uint8_t *cr, int cs, int w, int h) {
	int ret = av_frame_make_writable(f);
	if (ret < 0) {
		return ret;
	}
	for (int r = 0; r < h; r++) {
		memcpy(f->data[0] + (size_t)r * f->linesize[0], y + (size_t)r * ys, w);
	}
	int cw = (w + 1) / 2, ch = (h + 1) / 2;
	for (int r = 0; r < ch; r++) {
		memcpy(f->data[1] + (size_t)r * f->linesize[1], cb + (size_t)r * cs, cw);
		memcpy(f->data[2] + (size_t)r * f->linesize[2], cr + (size_t)r * cs, cw);
	}
	return 0;
}
*/
import "C"

import (
	"errors"
	"image"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// scaler converts decoded frames to RGBA with a cached swscale context.
//
// A 4:2:0 picture shrunk to an even height takes two steps: swscale
// shrinks it in its own format (shrink, into mid), then converts it at that
// size (ctx), where swscale has its SIMD converter of 4:2:0 to RGBA (only
// for unscaled pictures of an even height; the one-step conversion of a
// shrinking scaler is plain C). For a 4x4 wall's tile that costs about two
// thirds of one step (BenchmarkScaleToTile). The brightness is the one-step
// picture's; the colour has half the picture's resolution each way, as
// 4:2:0 has at its own size (TestScaledLikeTheCLI).
type scaler struct {
	ctx *C.struct_SwsContext
	key scalerKey
	// shrink, shrinkKey and mid are the first of two steps.
	shrink    *C.struct_SwsContext
	shrinkKey scalerKey
	mid       *astiav.Frame
}

type scalerKey struct {
	srcW, srcH, srcFmt, dstW, dstH, colorspace, fullRange int
}

// frameInfo returns a frame's colorspace, whether it is full range, and
// whether the decoder flagged it as corrupt.
func frameInfo(f *astiav.Frame) (colorspace, fullRange int, corrupt bool) {
	v := int(C.lk_frame_info((*C.AVFrame)(f.UnsafePointer())))
	return v >> 2, v >> 1 & 1, v&1 != 0
}

// decodeResult sorts a return code of avcodec_send_packet or
// avcodec_receive_frame without allocating for the common ones.
type decodeResult int

const (
	decodeOK decodeResult = iota
	decodeAgain
	decodeEOF
	decodeFailed
)

func sortResult(ret C.int) decodeResult {
	switch {
	case ret >= 0:
		return decodeOK
	case ret == C.LK_EAGAIN:
		return decodeAgain
	case ret == C.LK_EOF:
		return decodeEOF
	}
	return decodeFailed
}

// codecCtx is a video decoder's AVCodecContext and its one packet.
type codecCtx struct {
	c   *C.AVCodecContext
	pkt *C.AVPacket
}

// openCodec opens the FFmpeg decoder called name with threads slice threads.
func openCodec(name string, threads int) (codecCtx, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	c := C.lk_dec_open(cname, C.int(threads))
	if c == nil {
		return codecCtx{}, errors.New("open failed")
	}
	pkt := C.av_packet_alloc()
	if pkt == nil {
		C.avcodec_free_context(&c)
		return codecCtx{}, errors.New("allocating packet failed")
	}
	return codecCtx{c: c, pkt: pkt}, nil
}

// fill copies data into the packet (with FFmpeg's input padding).
func (cc codecCtx) fill(data []byte, pts int64) error {
	if ret := C.lk_dec_fill(cc.pkt, (*C.uint8_t)(unsafe.Pointer(&data[0])), C.int(len(data)), C.int64_t(pts)); ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

// send hands the packet to the decoder; the error is nil unless the
// result is decodeFailed.
func (cc codecCtx) send() (decodeResult, error) {
	ret := C.avcodec_send_packet(cc.c, cc.pkt)
	r := sortResult(ret)
	if r == decodeFailed {
		return r, astiav.Error(ret)
	}
	return r, nil
}

// unref empties the packet.
func (cc codecCtx) unref() { C.av_packet_unref(cc.pkt) }

// receive takes the next decoded picture into f.
func (cc codecCtx) receive(f *astiav.Frame) (decodeResult, error) {
	ret := C.avcodec_receive_frame(cc.c, (*C.AVFrame)(f.UnsafePointer()))
	r := sortResult(ret)
	if r == decodeFailed {
		return r, astiav.Error(ret)
	}
	return r, nil
}

func (cc codecCtx) free() { C.lk_dec_free(cc.c, cc.pkt) }

// scale converts f into dst, whose Pix must have some spare capacity after
// its last row (player.FramePool's images have).
func (s *scaler) scale(f *astiav.Frame, dst *image.RGBA) error {
	dstW, dstH := dst.Rect.Dx(), dst.Rect.Dy()
	if twoSteps(f, dstW, dstH) {
		mid, err := s.shrinkTo(f, dstW, dstH)
		if err != nil {
			return err
		}
		f = mid
	}
	cs, fr, _ := frameInfo(f)
	key := scalerKey{f.Width(), f.Height(), int(f.PixelFormat()), dstW, dstH, cs, fr}
	if s.ctx == nil || key != s.key {
		ctx := C.lk_sws_get(s.ctx, C.int(key.srcW), C.int(key.srcH), C.int(key.srcFmt),
			C.int(dstW), C.int(dstH), C.int(cs), C.int(fr))
		if ctx == nil {
			// sws_getCachedContext freed the old context on failure.
			s.ctx = nil
			return errors.New("swscale: no conversion from " + f.PixelFormat().String() + " to rgba")
		}
		s.ctx, s.key = ctx, key
	}
	if dstW <= 0 || dstH <= 0 || len(dst.Pix) < dst.Stride*dstH {
		return errors.New("swscale: destination too small")
	}
	ret := C.lk_sws_scale(s.ctx, (*C.AVFrame)(f.UnsafePointer()), (*C.uint8_t)(unsafe.Pointer(&dst.Pix[0])), C.int(dst.Stride))
	if ret <= 0 {
		return errors.New("swscale: scaling failed")
	}
	return nil
}

// twoSteps reports whether f is scaled to dstW x dstH in two steps.
func twoSteps(f *astiav.Frame, dstW, dstH int) bool {
	pf := f.PixelFormat()
	return (pf == astiav.PixelFormatYuv420P || pf == astiav.PixelFormatYuvj420P) &&
		dstH%2 == 0 && dstW > 0 && dstH > 0 && (dstW != f.Width() || dstH != f.Height())
}

// shrinkTo is the first of two steps: f shrunk to w x h in its own format,
// in a frame the scaler keeps.
func (s *scaler) shrinkTo(f *astiav.Frame, w, h int) (*astiav.Frame, error) {
	pf := f.PixelFormat()
	if s.mid == nil || s.mid.Width() != w || s.mid.Height() != h || s.mid.PixelFormat() != pf {
		if s.mid != nil {
			s.mid.Free()
		}
		s.mid = astiav.AllocFrame()
		s.mid.SetWidth(w)
		s.mid.SetHeight(h)
		s.mid.SetPixelFormat(pf)
		if err := s.mid.AllocBuffer(0); err != nil {
			s.mid.Free()
			s.mid = nil
			return nil, err
		}
	}
	key := scalerKey{srcW: f.Width(), srcH: f.Height(), srcFmt: int(pf), dstW: w, dstH: h}
	if s.shrink == nil || key != s.shrinkKey {
		ctx := C.lk_shrink_get(s.shrink, C.int(key.srcW), C.int(key.srcH), C.int(key.srcFmt), C.int(w), C.int(h))
		if ctx == nil {
			s.shrink = nil // freed by sws_getCachedContext
			return nil, errors.New("swscale: cannot shrink " + pf.String())
		}
		s.shrink, s.shrinkKey = ctx, key
	}
	if ret := C.lk_shrink(s.shrink, (*C.AVFrame)(f.UnsafePointer()), (*C.AVFrame)(s.mid.UnsafePointer())); ret <= 0 {
		return nil, errors.New("swscale: shrinking failed")
	}
	return s.mid, nil
}

func (s *scaler) free() {
	if s.mid != nil {
		s.mid.Free()
		s.mid = nil
	}
	if s.shrink != nil {
		C.sws_freeContext(s.shrink)
		s.shrink = nil
	}
	if s.ctx != nil {
		C.sws_freeContext(s.ctx)
		s.ctx = nil
	}
}

// fillYUV420 copies a 4:2:0 picture into f, making f writable first.
func fillYUV420(f *astiav.Frame, img *image.YCbCr, w, h int) error {
	yOff := img.YOffset(img.Rect.Min.X, img.Rect.Min.Y)
	cOff := img.COffset(img.Rect.Min.X, img.Rect.Min.Y)
	ret := C.lk_fill_yuv420((*C.AVFrame)(f.UnsafePointer()),
		(*C.uint8_t)(unsafe.Pointer(&img.Y[yOff])), C.int(img.YStride),
		(*C.uint8_t)(unsafe.Pointer(&img.Cb[cOff])), (*C.uint8_t)(unsafe.Pointer(&img.Cr[cOff])),
		C.int(img.CStride), C.int(w), C.int(h))
	if ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}
