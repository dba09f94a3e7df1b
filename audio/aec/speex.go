package aec

/*
#cgo pkg-config: speexdsp
#include <stdlib.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static int lookout_speex_setup(SpeexEchoState *echo, SpeexPreprocessState *pp, int rate, int denoise, int agc) {
	int on;
	if (echo != NULL) {
		if (speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate) != 0) return -1;
		if (speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_ECHO_STATE, echo) != 0) return -1;
	}
	on = denoise;
	if (speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_DENOISE, &on) != 0) return -1;
	on = agc;
	if (speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_AGC, &on) != 0) return -1;
	if (agc) {
		float level = 8000; // about -12 dBFS RMS
		if (speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level) != 0) return -1;
	}
	return 0;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// speexEngine is libspeexdsp's echo canceller followed by its
// preprocessor (residual echo suppression, denoise, AGC).
type speexEngine struct {
	echo  *C.SpeexEchoState // nil when echo cancellation is off
	pp    *C.SpeexPreprocessState
	out   []int16
	usePP bool
	// linear is the energy of the last frame after the linear canceller,
	// before the preprocessor: what the echo filter did not explain.
	linear float64
	echoed bool // the last frame went through the canceller
}

func newSpeex(o Options, frame int) (engine, error) {
	e := &speexEngine{out: make([]int16, frame)}
	if !o.NoEcho {
		tail := int(int64(o.SampleRate) * int64(o.Tail) / 1e9)
		e.echo = C.speex_echo_state_init(C.int(frame), C.int(tail))
		if e.echo == nil {
			return nil, fmt.Errorf("aec: speex echo: %w", ErrUnsupported)
		}
	}
	e.pp = C.speex_preprocess_state_init(C.int(frame), C.int(o.SampleRate))
	if e.pp == nil {
		e.close()
		return nil, fmt.Errorf("aec: speex preprocess: %w", ErrUnsupported)
	}
	if C.lookout_speex_setup(e.echo, e.pp, C.int(o.SampleRate), cbool(!o.NoDenoise), cbool(!o.NoAGC)) != 0 {
		e.close()
		return nil, fmt.Errorf("aec: speex setup: %w", ErrUnsupported)
	}
	e.usePP = e.echo != nil || !o.NoDenoise || !o.NoAGC
	return e, nil
}

func (e *speexEngine) stages(denoise, agc bool) error {
	if C.lookout_speex_setup(nil, e.pp, 0, cbool(denoise), cbool(agc)) != 0 {
		return fmt.Errorf("aec: speex stages: %w", ErrEngine)
	}
	e.usePP = e.echo != nil || denoise || agc
	return nil
}

func (e *speexEngine) process(mic, ref []int16) error {
	e.echoed = e.echo != nil && ref != nil
	if e.echoed {
		C.speex_echo_cancellation(e.echo, (*C.spx_int16_t)(unsafe.Pointer(&mic[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&ref[0])), (*C.spx_int16_t)(unsafe.Pointer(&e.out[0])))
		copy(mic, e.out)
		e.linear = energy(mic)
	}
	if e.usePP {
		C.speex_preprocess_run(e.pp, (*C.spx_int16_t)(unsafe.Pointer(&mic[0])))
	}
	return nil
}

// residual reports the energy the linear canceller left in the last
// frame (Speex has no ERLE of its own: see erle.go).
func (e *speexEngine) residual() (float64, bool) { return e.linear, e.echoed }

func (e *speexEngine) close() {
	if e.pp != nil {
		C.speex_preprocess_state_destroy(e.pp)
		e.pp = nil
	}
	if e.echo != nil {
		C.speex_echo_state_destroy(e.echo)
		e.echo = nil
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
