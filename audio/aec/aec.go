// Package aec cleans a microphone for a call, as a browser does for every
// WebRTC microphone: acoustic echo cancellation against what the speaker
// plays, noise suppression and automatic gain. It binds, through cgo, the
// Speex DSP library (libspeexdsp: echo canceller and preprocessor) and
// WebRTC's audio processing module (libwebrtc-audio-processing 0.3); cgo of
// those libraries lives here and nowhere else.
//
// A Processor works on mono 16-bit frames of 10 ms, by default at 16 kHz
// between band filters (see Options.FullBand). The player side hands it
// what it sends to the speaker and when that leaves the speaker (Playing,
// any format: downmixed and resampled; Tee wraps an audio.Player to do
// it); the talk side cleans each microphone block in place, with its
// capture time (Clean), before encoding it.
package aec

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
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
	// Tail is the longest echo path the canceller models, from the time
	// Playing gives for a sample to its echo's capture time as Clean
	// takes it (the room, and device latencies the clocks do not see);
	// 300 ms when 0 (Speex only: WebRTC's extended filter finds the delay
	// itself).
	Tail time.Duration
	// NoEcho turns echo cancellation off.
	NoEcho bool
	// NoDenoise turns noise suppression off (some users feed a mixer).
	NoDenoise bool
	// NoAGC turns automatic gain control off.
	NoAGC bool
	// FullBand runs the engine at the microphone's rate. Otherwise a 32 or
	// 48 kHz microphone is cleaned at 16 kHz (wideband speech, as a phone
	// call carries), a third of the cost: the cleaned microphone carries
	// nothing above about 7 kHz.
	FullBand bool
}

// engine is one library's state; only the goroutine in Clean touches it.
type engine interface {
	// stages turns noise suppression and automatic gain on or off.
	stages(denoise, agc bool) error
	// process cleans mic in place against ref (one frame each; ref is
	// nil when echo cancellation is off).
	process(mic, ref []int16) error
	close()
}

// Processor cleans microphone frames against the speaker's reference.
// Playing may be called from any goroutine; Clean and Reset from one talk
// at a time (they serialize).
//
// The reference is kept on a timeline: Playing says when its samples
// leave the speaker, Clean when its samples were captured, and each
// microphone frame is cleaned against what the speaker played at that
// moment. So a speaker that runs dry and restarts, or a microphone read
// late, keeps the echo where the canceller expects it. Times within
// resyncSlack of the running position are taken as contiguous, absorbing
// the coarse clocks of real devices.
type Processor struct {
	opt   Options
	rate  int
	frame int // samples per 10 ms of microphone
	ratio int // microphone rate / engine rate
	work  int // samples per 10 ms at the engine's rate
	epoch time.Time

	referenced atomic.Int64 // frames handed to Playing

	refMu   sync.Mutex
	ring    []refSample // the reference at the engine's rate, by index
	writeAt int64       // index of the next reference sample; -1: none yet
	resampl resampler
	refMono []int16
	refWork []int16
	refDec  *decimator // nil when ratio is 1

	mu       sync.Mutex // Clean, Reset, Close
	eng      engine
	readAt   int64   // index of the next reference sample to clean against; -1: none yet
	carryIn  []int16 // microphone samples waiting for a whole frame
	carryAt  time.Time
	outQ     []int16 // cleaned samples waiting to be handed back
	buffered bool    // a block was not whole frames: output runs a frame late
	refBuf   []int16
	micDec   *decimator
	micUp    *interpolator
	workBuf  []int16
	erle     erleMeter
	closed   bool
}

// refSample is one reference sample and the index it belongs to (a slot
// holding another index holds nothing for this one).
type refSample struct {
	at int64
	v  int16
}

// resyncSlack is how far a time may stray from the running position
// before the position jumps to it: 30 ms.
const resyncSlack = 30 * time.Millisecond

// refSpan is how much reference the timeline holds: 2 s.
const refSpan = 2 * time.Second

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
	p := &Processor{opt: o, rate: o.SampleRate, frame: o.SampleRate / 100, ratio: 1,
		epoch: time.Now(), writeAt: -1, readAt: -1}
	eo := o
	if r := o.SampleRate / workRate; !o.FullBand && o.SampleRate%workRate == 0 && (r == 2 || r == 3) {
		p.ratio = r
		h := lowpass(bandTaps, 7000/float64(o.SampleRate))
		p.refDec, p.micDec = newDecimator(h, r), newDecimator(h, r)
		p.micUp = newInterpolator(h, r)
		eo.SampleRate = workRate
	}
	p.work = eo.SampleRate / 100
	p.ring = make([]refSample, int64(eo.SampleRate)*int64(refSpan)/int64(time.Second))
	for i := range p.ring {
		p.ring[i].at = -1
	}
	p.refBuf = make([]int16, p.work)
	p.workBuf = make([]int16, 0, p.work)
	var err error
	switch o.Engine {
	case Speex:
		p.eng, err = newSpeex(eo, p.work)
	case WebRTC:
		p.eng, err = newWebRTC(eo, p.work)
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

// Playing is the player side's hook: pcm, interleaved in f, leaves the
// speaker from at on (now plus what the speaker still had queued). It
// never blocks on Clean.
func (p *Processor) Playing(pcm []int16, f audio.Format, at time.Time) {
	if p.opt.NoEcho || f.Channels <= 0 || f.SampleRate <= 0 {
		return
	}
	p.referenced.Add(int64(len(pcm) / f.Channels))
	p.refMu.Lock()
	defer p.refMu.Unlock()
	p.refMono = p.resampl.appendMono(p.refMono[:0], pcm, f, p.rate)
	w := p.refMono
	if p.refDec != nil {
		p.refWork = p.refDec.appendTo(p.refWork[:0], p.refMono)
		w = p.refWork
	}
	p.writeAt = p.resync(p.writeAt, at)
	n := int64(len(p.ring))
	for _, v := range w {
		p.ring[p.writeAt%n] = refSample{at: p.writeAt, v: v}
		p.writeAt++
	}
}

// Referenced counts the frames (samples per channel) handed to Playing
// so far: whether the canceller hears the speaker.
func (p *Processor) Referenced() int64 { return p.referenced.Load() }

// index is the engine-rate sample index of t.
func (p *Processor) index(t time.Time) int64 {
	return int64(t.Sub(p.epoch)) * int64(p.work*100) / int64(time.Second)
}

// resync returns the running position cur, or t's index when cur is
// unset or further from it than resyncSlack. Indexes stay positive.
func (p *Processor) resync(cur int64, t time.Time) int64 {
	at := p.index(t)
	slack := int64(p.work*100) * int64(resyncSlack) / int64(time.Second)
	if cur < 0 || at-cur > slack || cur-at > slack {
		cur = at
	}
	return max(cur, 0)
}

// Reset forgets any partial frame and the microphone's running position:
// call it when a talk starts.
func (p *Processor) Reset() {
	p.mu.Lock()
	p.carryIn = p.carryIn[:0]
	p.outQ = p.outQ[:0]
	p.buffered = false
	p.readAt = -1
	p.mu.Unlock()
}

// Clean cleans mono samples of the microphone, captured from at on, in
// place. While every block is whole 10 ms frames they come back cleaned
// with no delay; from the first block that is not, until Reset, the output
// runs exactly one frame late (starting with a frame of silence).
func (p *Processor) Clean(mic []int16, at time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.buffered && len(mic)%p.frame == 0 {
		for i := 0; i < len(mic); i += p.frame {
			if err := p.processFrame(mic[i:i+p.frame], at.Add(p.Format().Duration(i))); err != nil {
				return err
			}
		}
		return nil
	}
	if !p.buffered {
		p.buffered = true
		p.outQ = append(p.outQ[:0], make([]int16, p.frame)...)
	}
	if len(p.carryIn) == 0 {
		p.carryAt = at
	}
	p.carryIn = append(p.carryIn, mic...)
	for len(p.carryIn) >= p.frame {
		f := p.carryIn[:p.frame]
		if err := p.processFrame(f, p.carryAt); err != nil {
			return err
		}
		p.outQ = append(p.outQ, f...)
		p.carryIn = append(p.carryIn[:0], p.carryIn[p.frame:]...)
		p.carryAt = p.carryAt.Add(10 * time.Millisecond)
	}
	// len(outQ)+len(carryIn) is a frame more than is owed, and carryIn
	// holds less than a frame: outQ covers mic.
	n := copy(mic, p.outQ)
	p.outQ = append(p.outQ[:0], p.outQ[n:]...)
	return nil
}

// processFrame runs one frame, captured at at, through the engine with
// what the speaker played then (silence where it played nothing known).
func (p *Processor) processFrame(f []int16, at time.Time) error {
	var ref []int16
	if !p.opt.NoEcho {
		ref = p.refBuf
		p.readAt = p.resync(p.readAt, at)
		n := int64(len(p.ring))
		p.refMu.Lock()
		for i := range ref {
			s := p.ring[(p.readAt+int64(i))%n]
			if s.at == p.readAt+int64(i) {
				ref[i] = s.v
			} else {
				ref[i] = 0
			}
		}
		p.refMu.Unlock()
		p.readAt += int64(len(ref))
	}
	w := f
	if p.ratio != 1 {
		w = p.micDec.appendTo(p.workBuf[:0], f)
	}
	in := energy(w)
	if err := p.eng.process(w, ref); err != nil {
		return err
	}
	var linear float64
	measured := false
	if r, ok := p.eng.(interface{ residual() (float64, bool) }); ok {
		linear, measured = r.residual()
	}
	p.erle.add(farActive(ref), len(w), in, linear, energy(w), measured, at)
	if p.ratio != 1 {
		p.micUp.process(f, w)
	}
	return nil
}

// SetStages turns noise suppression and automatic gain on or off while
// the Processor runs (a setting changed during a call applies from the
// next frame).
func (p *Processor) SetStages(denoise, agc bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.eng.stages(denoise, agc); err != nil {
		return err
	}
	p.opt.NoDenoise, p.opt.NoAGC = !denoise, !agc
	return nil
}

// Stages reports whether noise suppression and automatic gain are on.
func (p *Processor) Stages() (denoise, agc bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.opt.NoDenoise, !p.opt.NoAGC
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
