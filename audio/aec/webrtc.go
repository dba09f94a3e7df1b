package aec

/*
#cgo pkg-config: webrtc-audio-processing
#cgo CXXFLAGS: -std=c++11
#cgo LDFLAGS: -lstdc++
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// webrtcEngine is WebRTC's audio processing module through shim.h.
type webrtcEngine struct {
	w    *C.lookout_wapm
	echo bool
}

func newWebRTC(o Options, frame int) (engine, error) {
	switch o.SampleRate {
	case 8000, 16000, 32000, 48000:
	default:
		return nil, fmt.Errorf("aec: webrtc at %d Hz: %w", o.SampleRate, ErrUnsupported)
	}
	w := C.lookout_wapm_new(C.int(o.SampleRate), cbool(!o.NoEcho), cbool(!o.NoDenoise), cbool(!o.NoAGC))
	if w == nil {
		return nil, fmt.Errorf("aec: webrtc: %w", ErrUnsupported)
	}
	return &webrtcEngine{w: w, echo: !o.NoEcho}, nil
}

func (e *webrtcEngine) process(mic, ref []int16) error {
	if e.echo && ref != nil {
		if rc := C.lookout_wapm_reverse(e.w, (*C.int16_t)(unsafe.Pointer(&ref[0])), C.int(len(ref))); rc != 0 {
			return fmt.Errorf("aec: webrtc reverse stream: %d: %w", int(rc), ErrEngine)
		}
	}
	if rc := C.lookout_wapm_process(e.w, (*C.int16_t)(unsafe.Pointer(&mic[0])), C.int(len(mic)), 0); rc != 0 {
		return fmt.Errorf("aec: webrtc stream: %d: %w", int(rc), ErrEngine)
	}
	return nil
}

func (e *webrtcEngine) stages(denoise, agc bool) error {
	if rc := C.lookout_wapm_stages(e.w, cbool(denoise), cbool(agc)); rc != 0 {
		return fmt.Errorf("aec: webrtc stages: %d: %w", int(rc), ErrEngine)
	}
	return nil
}

func (e *webrtcEngine) close() {
	if e.w != nil {
		C.lookout_wapm_free(e.w)
		e.w = nil
	}
}
