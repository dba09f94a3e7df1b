// Package aec cleans a microphone for a call, as a browser does for every
// WebRTC microphone: acoustic echo cancellation against what the speaker
// plays, noise suppression and automatic gain. It binds, through cgo, the
// Speex DSP library (libspeexdsp: echo canceller and preprocessor) and
// WebRTC's audio processing module (libwebrtc-audio-processing 0.3); cgo of
// those libraries lives here and nowhere else.
//
// A Processor works on mono 16-bit frames of 10 ms. The player side hands
// it what it sends to the speaker (Playing, any format: downmixed and
// resampled to the microphone's rate); the talk side cleans each microphone
// block in place (Clean) before encoding it.
package aec

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/lookout-app/lookout/audio"
)

// Engine names the library that does the work.
type Engine string

const (
	// Speex is libspeexdsp's MDF echo canceller with its preprocessor
	// (residual echo suppression, denoise, AGC). It is the default: see
	// README.md's dependency list for the measurements behind the choice.
	Speex Engine = "speex"
	// WebRTC is libwebrtc-audio-processing 0.3's AEC (extended filter,
	// delay-agnostic), noise suppression and adaptive digital gain.
	WebRTC Engine = "webrtc"
)

// Options choose what a Processor does. The zero value cleans a 48 kHz
// microphone with every stage on.
type Options struct {
	// Engine is Speex when empty.
	Engine Engine
	// SampleRate of the mono microphone; 48000 when 0. WebRTC takes 8000,
	// 16000, 32000 or 48000.
	SampleRate int
	// Tail is the longest echo path the canceller models, from the
	// moment Playing is called to the echo's arrival in the microphone
	// (speaker buffer, room, capture buffer); 300 ms when 0 (Speex only:
	// WebRTC's extended filter finds the delay itself).
	Tail time.Duration
	// NoEcho turns echo cancellation off.
	NoEcho bool
	// NoDenoise turns noise suppression off (some users feed a mixer).
	NoDenoise bool
	// NoAGC turns automatic gain control off.
	NoAGC bool
}

// engine is one library's state; only the goroutine in Clean touches it.
type engine interface {
	// process cleans mic in place against ref (one frame each; ref is
	// nil when echo cancellation is off).
	process(mic, ref []int16) error
	close()
}

// Processor cleans microphone frames against the speaker's reference.
// Playing may be called from any goroutine; Clean and Reset from one talk
// at a time (they serialize).
type Processor struct {
	opt   Options
	rate  int
	frame int // samples per 10 ms

	refMu   sync.Mutex
	ref     []int16 // mono reference at rate, oldest first
	maxRef  int
	resampl resampler

	mu       sync.Mutex // Clean, Reset, Close
	eng      engine
	carryIn  []int16 // microphone samples waiting for a whole frame
	outQ     []int16 // cleaned samples waiting to be handed back
	buffered bool    // a block was not whole frames: output runs a frame late
	refBuf   []int16
	closed   bool
}

// New returns a Processor with o's stages, or ErrUnsupported when the
// engine refuses the rate.
func New(o Options) (*Processor, error) {
	if o.Engine == "" {
		o.Engine = Speex
	}
	if o.SampleRate == 0 {
		o.SampleRate = 48000
	}
	if o.Tail <= 0 {
		o.Tail = 300 * time.Millisecond
	}
	if o.SampleRate < 8000 || o.SampleRate > 48000 || o.SampleRate%100 != 0 {
		return nil, fmt.Errorf("aec: %d Hz: %w", o.SampleRate, ErrUnsupported)
	}
	p := &Processor{opt: o, rate: o.SampleRate, frame: o.SampleRate / 100}
	p.maxRef = p.rate / 5 // 200 ms of reference backlog at most
	p.refBuf = make([]int16, p.frame)
	var err error
	switch o.Engine {
	case Speex:
		p.eng, err = newSpeex(o, p.frame)
	case WebRTC:
		p.eng, err = newWebRTC(o, p.frame)
	default:
		err = fmt.Errorf("aec: engine %q: %w", o.Engine, ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Format is the microphone format Clean takes.
func (p *Processor) Format() audio.Format {
	return audio.Format{SampleRate: p.rate, Channels: 1}
}

// Playing is the player side's hook: pcm, interleaved in f, was just
// queued for the speaker. It never blocks on Clean.
func (p *Processor) Playing(pcm []int16, f audio.Format) {
	if p.opt.NoEcho || f.Channels <= 0 || f.SampleRate <= 0 {
		return
	}
	p.refMu.Lock()
	defer p.refMu.Unlock()
	p.ref = p.resampl.appendMono(p.ref, pcm, f, p.rate)
	if over := len(p.ref) - p.maxRef; over > 0 {
		p.ref = append(p.ref[:0], p.ref[over:]...)
	}
}

// Reset forgets the reference backlog and any partial frame: call it when
// a talk starts, after the microphone's own backlog was dropped.
func (p *Processor) Reset() {
	p.refMu.Lock()
	p.ref = p.ref[:0]
	p.refMu.Unlock()
	p.mu.Lock()
	p.carryIn = p.carryIn[:0]
	p.outQ = p.outQ[:0]
	p.buffered = false
	p.mu.Unlock()
}

// Clean cleans mono samples of the microphone in place. While every
// block is whole 10 ms frames they come back cleaned with no delay; from
// the first block that is not, until Reset, the output runs exactly one
// frame late (starting with a frame of silence).
func (p *Processor) Clean(mic []int16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.buffered && len(mic)%p.frame == 0 {
		for i := 0; i < len(mic); i += p.frame {
			if err := p.processFrame(mic[i : i+p.frame]); err != nil {
				return err
			}
		}
		return nil
	}
	if !p.buffered {
		p.buffered = true
		p.outQ = append(p.outQ[:0], make([]int16, p.frame)...)
	}
	p.carryIn = append(p.carryIn, mic...)
	for len(p.carryIn) >= p.frame {
		f := p.carryIn[:p.frame]
		if err := p.processFrame(f); err != nil {
			return err
		}
		p.outQ = append(p.outQ, f...)
		p.carryIn = append(p.carryIn[:0], p.carryIn[p.frame:]...)
	}
	// len(outQ)+len(carryIn) is a frame more than is owed, and carryIn
	// holds less than a frame: outQ covers mic.
	n := copy(mic, p.outQ)
	p.outQ = append(p.outQ[:0], p.outQ[n:]...)
	return nil
}

// processFrame runs one frame through the engine with the oldest
// reference frame (silence when the speaker side gave none).
func (p *Processor) processFrame(f []int16) error {
	var ref []int16
	if !p.opt.NoEcho {
		ref = p.refBuf
		p.refMu.Lock()
		n := copy(ref, p.ref)
		p.ref = append(p.ref[:0], p.ref[n:]...)
		p.refMu.Unlock()
		clear(ref[n:])
	}
	return p.eng.process(f, ref)
}

// Close frees the engine; later calls return ErrClosed.
func (p *Processor) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	p.eng.close()
	return nil
}

// resampler downmixes to mono and converts the rate by linear
// interpolation, keeping its phase across calls so the reference stays
// continuous.
type resampler struct {
	pos  float64 // position of the next output sample, in input samples after last
	last float64
}

func (r *resampler) appendMono(dst, pcm []int16, f audio.Format, rate int) []int16 {
	ch := f.Channels
	frames := len(pcm) / ch
	mono := func(i int) float64 {
		var s int
		for c := 0; c < ch; c++ {
			s += int(pcm[i*ch+c])
		}
		return float64(s) / float64(ch)
	}
	if f.SampleRate == rate {
		for i := 0; i < frames; i++ {
			dst = append(dst, int16(mono(i)))
		}
		return dst
	}
	step := float64(f.SampleRate) / float64(rate)
	// Position -1 is r.last, 0..frames-1 this block.
	for r.pos <= float64(frames-1) {
		i := int(math.Floor(r.pos))
		frac := r.pos - float64(i)
		a := r.last
		if i >= 0 {
			a = mono(i)
		}
		if frac > 0 {
			a += (mono(i+1) - a) * frac
		}
		dst = append(dst, int16(a))
		r.pos += step
	}
	if frames > 0 {
		r.last = mono(frames - 1)
		r.pos -= float64(frames)
	}
	return dst
}
