package ffmpeg

// The few things go-astiav v0.16.0 cannot do: scale a frame straight into Go
// memory with the source's colorspace, read a frame's error flags, and write
// raw pixels into a frame.

/*
#cgo pkg-config: libavcodec libavutil libswscale
#include <string.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>

static struct SwsContext *lk_sws_get(struct SwsContext *ctx, int sw, int sh, int sfmt,
		int dw, int dh, int colorspace, int full_range) {
	ctx = sws_getCachedContext(ctx, sw, sh, (enum AVPixelFormat)sfmt, dw, dh, AV_PIX_FMT_RGBA,
		SWS_BILINEAR, NULL, NULL, NULL);
	if (ctx == NULL) {
		return NULL;
	}
	// Best effort: formats swscale treats specially keep their own defaults.
	sws_setColorspaceDetails(ctx, sws_getCoefficients(colorspace), full_range,
		sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
	return ctx;
}

static int lk_sws_scale(struct SwsContext *ctx, const AVFrame *src, uint8_t *dst, int stride) {
	uint8_t *dsts[4] = {dst, NULL, NULL, NULL};
	int strides[4] = {stride, 0, 0, 0};
	return sws_scale(ctx, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
		dsts, strides);
}

static void lk_frame_info(const AVFrame *f, int *colorspace, int *full_range, int *corrupt) {
	*colorspace = f->colorspace;
	*full_range = f->color_range == AVCOL_RANGE_JPEG ||
		f->format == AV_PIX_FMT_YUVJ420P || f->format == AV_PIX_FMT_YUVJ422P ||
		f->format == AV_PIX_FMT_YUVJ444P;
	*corrupt = (f->flags & AV_FRAME_FLAG_CORRUPT) != 0 || f->decode_error_flags != 0;
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
type scaler struct {
	ctx *C.struct_SwsContext
	key scalerKey
}

type scalerKey struct {
	srcW, srcH, srcFmt, dstW, dstH, colorspace, fullRange int
}

// frameInfo returns a frame's colorspace, whether it is full range, and
// whether the decoder flagged it as corrupt.
func frameInfo(f *astiav.Frame) (colorspace, fullRange int, corrupt bool) {
	var cs, fr, bad C.int
	C.lk_frame_info((*C.AVFrame)(f.UnsafePointer()), &cs, &fr, &bad)
	return int(cs), int(fr), bad != 0
}

// scale converts f into a new RGBA image of dstW x dstH.
func (s *scaler) scale(f *astiav.Frame, dstW, dstH int) (*image.RGBA, error) {
	cs, fr, _ := frameInfo(f)
	key := scalerKey{f.Width(), f.Height(), int(f.PixelFormat()), dstW, dstH, cs, fr}
	if s.ctx == nil || key != s.key {
		ctx := C.lk_sws_get(s.ctx, C.int(key.srcW), C.int(key.srcH), C.int(key.srcFmt),
			C.int(dstW), C.int(dstH), C.int(cs), C.int(fr))
		if ctx == nil {
			// sws_getCachedContext freed the old context on failure.
			s.ctx = nil
			return nil, errors.New("swscale: no conversion from " + f.PixelFormat().String() + " to rgba")
		}
		s.ctx, s.key = ctx, key
	}
	stride := 4 * dstW
	n := stride * dstH
	// Slack after the last row: SIMD converters may write a few bytes past a row's end.
	pix := make([]byte, n, n+64)
	ret := C.lk_sws_scale(s.ctx, (*C.AVFrame)(f.UnsafePointer()), (*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(stride))
	if ret <= 0 {
		return nil, errors.New("swscale: scaling failed")
	}
	return &image.RGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, dstW, dstH)}, nil
}

func (s *scaler) free() {
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
