//go:build linux && !android && !wayland

package x11

/*
#cgo pkg-config: xcb xcb-shm xcb-shape
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <xcb/xcb.h>
#include <xcb/shm.h>
#include <xcb/shape.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

// lk_pres_open connects to $DISPLAY and checks that pictures can be put
// into children of parent: MIT-SHM and SHAPE present, the parent's visual
// a 24-bit TrueColor one (0xRRGGBB in 32-bit little-endian pixels).
// Returns 0 and fills *out, *depth; or an error code (see presentErr).
static int lk_pres_open(uint32_t parent, xcb_connection_t **out, uint8_t *depth) {
	int screen;
	xcb_connection_t *c = xcb_connect(NULL, &screen);
	if (c == NULL || xcb_connection_has_error(c)) {
		if (c) xcb_disconnect(c);
		return 1;
	}
	const xcb_query_extension_reply_t *shm = xcb_get_extension_data(c, &xcb_shm_id);
	if (!shm || !shm->present) { xcb_disconnect(c); return 2; }
	xcb_shm_query_version_reply_t *v = xcb_shm_query_version_reply(c, xcb_shm_query_version(c), NULL);
	if (!v) { xcb_disconnect(c); return 2; }
	free(v);
	const xcb_query_extension_reply_t *shape = xcb_get_extension_data(c, &xcb_shape_id);
	if (!shape || !shape->present) { xcb_disconnect(c); return 3; }
	xcb_get_window_attributes_reply_t *wa = xcb_get_window_attributes_reply(c, xcb_get_window_attributes(c, parent), NULL);
	xcb_get_geometry_reply_t *g = xcb_get_geometry_reply(c, xcb_get_geometry(c, parent), NULL);
	if (!wa || !g) { free(wa); free(g); xcb_disconnect(c); return 4; }
	xcb_visualid_t vis = wa->visual;
	uint8_t d = g->depth;
	free(wa);
	free(g);
	const xcb_setup_t *setup = xcb_get_setup(c);
	if (setup->image_byte_order != XCB_IMAGE_ORDER_LSB_FIRST) { xcb_disconnect(c); return 5; }
	int bpp = 0;
	xcb_format_iterator_t fi = xcb_setup_pixmap_formats_iterator(setup);
	for (; fi.rem; xcb_format_next(&fi)) {
		if (fi.data->depth == d) bpp = fi.data->bits_per_pixel;
	}
	int ok = 0;
	xcb_screen_iterator_t si = xcb_setup_roots_iterator(setup);
	for (; si.rem && !ok; xcb_screen_next(&si)) {
		xcb_depth_iterator_t di = xcb_screen_allowed_depths_iterator(si.data);
		for (; di.rem && !ok; xcb_depth_next(&di)) {
			if (di.data->depth != d) continue;
			xcb_visualtype_iterator_t vi = xcb_depth_visuals_iterator(di.data);
			for (; vi.rem; xcb_visualtype_next(&vi)) {
				xcb_visualtype_t *t = vi.data;
				if (t->visual_id == vis && t->_class == XCB_VISUAL_CLASS_TRUE_COLOR &&
				    t->red_mask == 0xff0000 && t->green_mask == 0xff00 && t->blue_mask == 0xff) {
					ok = 1;
					break;
				}
			}
		}
	}
	if (!ok || bpp != 32 || (d != 24 && d != 32)) { xcb_disconnect(c); return 5; }
	*out = c;
	*depth = d;
	return 0;
}

// lk_child makes an unmapped child window of parent with a graphics
// context. It selects no events: the pointer's buttons and motion over it
// go on to the parent, Fyne's window.
static void lk_child(xcb_connection_t *c, uint32_t parent, uint32_t bg, uint32_t *win, uint32_t *gc) {
	*win = xcb_generate_id(c);
	uint32_t vals[] = {bg};
	xcb_create_window(c, XCB_COPY_FROM_PARENT, *win, parent, 0, 0, 1, 1, 0,
		XCB_WINDOW_CLASS_INPUT_OUTPUT, XCB_COPY_FROM_PARENT, XCB_CW_BACK_PIXEL, vals);
	*gc = xcb_generate_id(c);
	uint32_t gvals[] = {0};
	xcb_create_gc(c, *gc, *win, XCB_GC_GRAPHICS_EXPOSURES, gvals);
}

// lk_shm makes a shared memory segment of size bytes and attaches it to
// the server; 0 on success.
static int lk_shm(xcb_connection_t *c, size_t size, uint32_t *seg, void **addr) {
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	if (id < 0) return 1;
	void *p = shmat(id, NULL, 0);
	if (p == (void *)-1) { shmctl(id, IPC_RMID, NULL); return 1; }
	uint32_t s = xcb_generate_id(c);
	xcb_generic_error_t *err = xcb_request_check(c, xcb_shm_attach_checked(c, s, id, 0));
	// Removed now: the segment lives while this process and the server
	// have it attached, and goes with them (even after a crash).
	shmctl(id, IPC_RMID, NULL);
	if (err) { free(err); shmdt(p); return 2; }
	*seg = s;
	*addr = p;
	return 0;
}

static void lk_shm_free(xcb_connection_t *c, uint32_t seg, void *addr) {
	xcb_shm_detach(c, seg);
	shmdt(addr);
}

static void lk_place(xcb_connection_t *c, uint32_t win, int x, int y, int w, int h) {
	uint32_t vals[] = {(uint32_t)x, (uint32_t)y, (uint32_t)w, (uint32_t)h};
	xcb_configure_window(c, win, XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT, vals);
}

// lk_shape gives win the shape of its w x h area without the n holes
// (x, y, w, h each); no holes removes the shape.
static void lk_shape(xcb_connection_t *c, uint32_t win, int w, int h, const int16_t *holes, int n) {
	if (n == 0) {
		xcb_shape_mask(c, XCB_SHAPE_SO_SET, XCB_SHAPE_SK_BOUNDING, win, 0, 0, XCB_NONE);
		return;
	}
	xcb_rectangle_t all = {0, 0, (uint16_t)w, (uint16_t)h};
	xcb_shape_rectangles(c, XCB_SHAPE_SO_SET, XCB_SHAPE_SK_BOUNDING, XCB_CLIP_ORDERING_UNSORTED, win, 0, 0, 1, &all);
	xcb_rectangle_t *r = malloc(sizeof(xcb_rectangle_t) * n);
	for (int i = 0; i < n; i++) {
		r[i].x = holes[4*i];
		r[i].y = holes[4*i+1];
		r[i].width = (uint16_t)holes[4*i+2];
		r[i].height = (uint16_t)holes[4*i+3];
	}
	xcb_shape_rectangles(c, XCB_SHAPE_SO_SUBTRACT, XCB_SHAPE_SK_BOUNDING, XCB_CLIP_ORDERING_UNSORTED, win, 0, 0, n, r);
	free(r);
}

// lk_bgrx is one RGBA pixel (read as a little-endian word) as BGRX.
static inline uint32_t lk_bgrx(uint32_t v) {
	return 0xff000000u | (v & 0xff00u) | (v << 16 & 0xff0000u) | (v >> 16 & 0xffu);
}

// lk_row writes n RGBA pixels as BGRX, four at a time where SSE2 is there
// (every x86-64): the copy runs at about the speed of a memcpy.
static void lk_row(const uint8_t *s, uint32_t *d, int n) {
	int x = 0;
#ifdef __SSE2__
	const __m128i keep = _mm_set1_epi32(0xff00ff00u), r = _mm_set1_epi32(0xff0000), b = _mm_set1_epi32(0xff);
	for (; x + 4 <= n; x += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + 4 * x));
		__m128i o = _mm_or_si128(_mm_or_si128(_mm_and_si128(v, keep), _mm_set1_epi32((int)0xff000000u)),
			_mm_or_si128(_mm_and_si128(_mm_slli_epi32(v, 16), r), _mm_and_si128(_mm_srli_epi32(v, 16), b)));
		_mm_storeu_si128((__m128i *)(d + x), o);
	}
#endif
	for (; x < n; x++) {
		uint32_t v;
		memcpy(&v, s + 4 * x, 4);
		d[x] = lk_bgrx(v);
	}
}

// lk_copy writes the RGBA picture src (sw x sh, stride bytes a row) into
// dst, a dw x dh BGRX image, scaled to fill it (nearest pixel; a plain
// copy when the sizes match, which is the usual case: the decoder scales
// to the picture's place, one column wider when that is odd, a column
// the copy leaves out).
static void lk_copy(const uint8_t *src, int stride, int sw, int sh, uint8_t *dst, int dw, int dh) {
	if (sw <= 0 || sh <= 0) return;
	if (sw == dw || sw == dw + 1) {
		for (int y = 0; y < dh; y++) {
			lk_row(src + (size_t)((int64_t)y * sh / dh) * stride, (uint32_t *)(dst + (size_t)y * dw * 4), dw);
		}
		return;
	}
	int xs[dw];
	for (int x = 0; x < dw; x++) xs[x] = (int)((int64_t)x * sw / dw) * 4;
	for (int y = 0; y < dh; y++) {
		const uint8_t *s = src + (size_t)((int64_t)y * sh / dh) * stride;
		uint32_t *d = (uint32_t *)(dst + (size_t)y * dw * 4);
		for (int x = 0; x < dw; x++) {
			uint32_t v;
			memcpy(&v, s + xs[x], 4);
			d[x] = lk_bgrx(v);
		}
	}
}

static void lk_put(xcb_connection_t *c, uint32_t win, uint32_t gc, uint32_t seg, int w, int h, uint8_t depth) {
	xcb_shm_put_image(c, win, gc, w, h, 0, 0, w, h, 0, 0, depth, XCB_IMAGE_FORMAT_Z_PIXMAP, 0, seg, 0);
}

// lk_sync waits until the server has done every request sent (so the
// segments it read may be written again) and returns how many of them
// failed, or -1 when the connection broke.
static int lk_sync(xcb_connection_t *c) {
	free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), NULL));
	if (xcb_connection_has_error(c)) return -1;
	int n = 0;
	xcb_generic_event_t *e;
	while ((e = xcb_poll_for_event(c)) != NULL) {
		if (e->response_type == 0) n++;
		free(e);
	}
	return n;
}

// lk_grab reads w x h pixels of the root window at (x, y) into dst
// (BGRX); 0 on success.
static int lk_grab(int x, int y, int w, int h, uint8_t *dst) {
	int screen;
	xcb_connection_t *c = xcb_connect(NULL, &screen);
	if (xcb_connection_has_error(c)) { xcb_disconnect(c); return 1; }
	xcb_screen_iterator_t si = xcb_setup_roots_iterator(xcb_get_setup(c));
	for (int i = 0; i < screen && si.rem; i++) xcb_screen_next(&si);
	xcb_get_image_reply_t *r = xcb_get_image_reply(c,
		xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, si.data->root, x, y, w, h, ~0u), NULL);
	int res = 1;
	if (r && r->depth >= 24 && xcb_get_image_data_length(r) == w * h * 4) {
		memcpy(dst, xcb_get_image_data(r), (size_t)w * h * 4);
		res = 0;
	}
	free(r);
	xcb_disconnect(c);
	return res;
}

static void lk_unmap(xcb_connection_t *c, uint32_t w) { xcb_unmap_window(c, w); }
static void lk_map(xcb_connection_t *c, uint32_t w) { xcb_map_window(c, w); }
static void lk_destroy(xcb_connection_t *c, uint32_t w, uint32_t gc) { xcb_free_gc(c, gc); xcb_destroy_window(c, w); }
*/
import "C"

import (
	"errors"
	"image"
	"sync"
	"unsafe"
)

// Errors of the presenting path: each means the caller shows its
// pictures some other way.
var (
	// ErrNoShm: the X server has no MIT-SHM (a remote display, say).
	ErrNoShm = errors.New("x11: the X server shares no memory with this process (MIT-SHM)")
	// ErrNoShape: the X server has no SHAPE extension.
	ErrNoShape = errors.New("x11: the X server has no SHAPE extension")
	// ErrVisual: the window's pixels are not 32-bit 0xRRGGBB.
	ErrVisual = errors.New("x11: the window's visual is not 24-bit TrueColor")
	// ErrRequest: the X server refused a request.
	ErrRequest = errors.New("x11: the X server refused a request")
)

// presentErr maps lk_pres_open's codes.
var presentErr = map[C.int]error{1: ErrNoDisplay, 2: ErrNoShm, 3: ErrNoShape, 4: ErrNoWindow, 5: ErrVisual}

// Presenter puts pictures into child windows of one window through its
// own connection to the X server, as shared-memory images: no copy
// through the socket, no GL. It is safe for concurrent use.
type Presenter struct {
	mu     sync.Mutex
	c      *C.xcb_connection_t
	parent C.uint32_t
	depth  C.uint8_t
	err    error // the first failure; every later call returns it
}

// OpenPresenter connects to $DISPLAY for pictures over the window with X
// id parent.
func OpenPresenter(parent uintptr) (*Presenter, error) {
	if lost() {
		return nil, ErrConnectionLost
	}
	var c *C.xcb_connection_t
	var depth C.uint8_t
	if code := C.lk_pres_open(C.uint32_t(parent), &c, &depth); code != 0 {
		return nil, presentErr[code]
	}
	return &Presenter{c: c, parent: C.uint32_t(parent), depth: depth}, nil
}

// Surface is a child window showing pictures at a place of the parent.
type Surface struct {
	p       *Presenter
	win, gc C.uint32_t
	seg     C.uint32_t
	buf     unsafe.Pointer
	bw, bh  int // the shared image's size
	at      image.Rectangle
	holes   []image.Rectangle
	mapped  bool
	closed  bool
}

// usable returns the presenter's failure, if any; call under mu.
func (p *Presenter) usable() error {
	if p.err != nil {
		return p.err
	}
	if p.c == nil {
		return ErrClosed
	}
	if lost() {
		p.err = ErrConnectionLost
	}
	return p.err
}

// NewSurface makes an unmapped child window whose background is the
// colour bg (0xRRGGBB).
func (p *Presenter) NewSurface(bg uint32) (*Surface, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return nil, err
	}
	s := &Surface{p: p}
	C.lk_child(p.c, p.parent, C.uint32_t(bg), &s.win, &s.gc)
	return s, nil
}

// Place moves the surface to r (the parent's pixels) with holes (in r's
// coordinates) through which the parent shows, and maps or unmaps it.
// Nothing is sent for what did not change.
func (s *Surface) Place(r image.Rectangle, holes []image.Rectangle, mapped bool) error {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	if s.closed {
		return ErrClosed
	}
	if !mapped || r.Empty() {
		if s.mapped {
			C.lk_unmap(p.c, s.win)
			C.xcb_flush(p.c)
			s.mapped = false
		}
		return nil
	}
	// Sent at once: the parent may be about to draw where the surface
	// was (no put, and so no Sync, may follow soon).
	defer C.xcb_flush(p.c)
	if r != s.at {
		C.lk_place(p.c, s.win, C.int(r.Min.X), C.int(r.Min.Y), C.int(r.Dx()), C.int(r.Dy()))
	}
	if r.Dx() != s.bw || r.Dy() != s.bh {
		if s.buf != nil {
			C.lk_shm_free(p.c, s.seg, s.buf)
			s.buf = nil
		}
		if C.lk_shm(p.c, C.size_t(r.Dx()*r.Dy()*4), &s.seg, &s.buf) != 0 {
			p.err = ErrNoShm
			return p.err
		}
		s.bw, s.bh = r.Dx(), r.Dy()
	}
	if r.Size() != s.at.Size() || !sameRects(holes, s.holes) {
		flat := make([]C.int16_t, 0, 4*len(holes))
		for _, h := range holes {
			flat = append(flat, C.int16_t(h.Min.X), C.int16_t(h.Min.Y), C.int16_t(h.Dx()), C.int16_t(h.Dy()))
		}
		var ptr *C.int16_t
		if len(flat) > 0 {
			ptr = (*C.int16_t)(C.CBytes(unsafe.Slice((*byte)(unsafe.Pointer(&flat[0])), 2*len(flat))))
			defer C.free(unsafe.Pointer(ptr))
		}
		C.lk_shape(p.c, s.win, C.int(r.Dx()), C.int(r.Dy()), ptr, C.int(len(holes)))
		s.holes = append(s.holes[:0], holes...)
	}
	s.at = r
	if !s.mapped {
		C.lk_map(p.c, s.win)
		s.mapped = true
	}
	return nil
}

func sameRects(a, b []image.Rectangle) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Put shows m in the surface, scaled to its size when the sizes differ.
// The server reads the image after Put returns: call Presenter.Sync before
// the next Put.
func (s *Surface) Put(m *image.RGBA) error {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	if s.closed || !s.mapped || s.buf == nil || m == nil || m.Rect.Empty() {
		return nil
	}
	C.lk_copy((*C.uint8_t)(unsafe.Pointer(&m.Pix[0])), C.int(m.Stride), C.int(m.Rect.Dx()), C.int(m.Rect.Dy()),
		(*C.uint8_t)(s.buf), C.int(s.bw), C.int(s.bh))
	C.lk_put(p.c, s.win, s.gc, s.seg, C.int(s.bw), C.int(s.bh), p.depth)
	return nil
}

// Mapped reports whether the surface shows.
func (s *Surface) Mapped() bool {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.mapped
}

// Window is the surface's X id.
func (s *Surface) Window() uintptr { return uintptr(s.win) }

// Close destroys the surface's window.
func (s *Surface) Close() error {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	if p.usable() != nil {
		return nil // the connection is gone or going: nothing to free there
	}
	if s.buf != nil {
		C.lk_shm_free(p.c, s.seg, s.buf)
		s.buf = nil
	}
	C.lk_destroy(p.c, s.win, s.gc)
	C.xcb_flush(p.c)
	return nil
}

// Sync waits until the server has done every request sent and returns
// ErrRequest if it refused any (a window gone with its parent, say): the
// presenter is then unusable.
func (p *Presenter) Sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	switch n := C.lk_sync(p.c); {
	case n < 0:
		p.err = ErrConnectionLost
	case n > 0:
		p.err = ErrRequest
	}
	return p.err
}

// Close ends the connection; the server destroys its windows with it.
func (p *Presenter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		return ErrClosed
	}
	if !lost() {
		C.xcb_disconnect(p.c)
	}
	p.c = nil
	if p.err == nil {
		p.err = ErrClosed
	}
	return nil
}

// Grab reads the screen's pixels in r (root window coordinates) through a
// connection of its own: what the X server shows there, child windows
// included. Tests use it to check what is on screen.
func Grab(r image.Rectangle) (*image.RGBA, error) {
	m := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	if r.Empty() {
		return m, nil
	}
	if C.lk_grab(C.int(r.Min.X), C.int(r.Min.Y), C.int(r.Dx()), C.int(r.Dy()), (*C.uint8_t)(unsafe.Pointer(&m.Pix[0]))) != 0 {
		return nil, ErrNoDisplay
	}
	for i := 0; i < len(m.Pix); i += 4 { // BGRX to RGBA
		m.Pix[i], m.Pix[i+2], m.Pix[i+3] = m.Pix[i+2], m.Pix[i], 0xff
	}
	return m, nil
}
