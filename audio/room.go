package audio

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// RoomOptions describe a simulated room for tests: what the speaker plays
// comes back into the microphone after Delay, weakened by EchoGain dB,
// mixed with a near-end voice and optional white noise.
type RoomOptions struct {
	// Mic is the microphone's format; mono is the usual. Its rate is the
	// room's rate.
	Mic Format
	// Speaker is the format Write takes: any channel count at Mic's rate.
	Speaker Format
	// Delay is the acoustic path from speaker to microphone.
	Delay time.Duration
	// EchoGain is the echo's level relative to what is played, in dB
	// (-6 halves it). Use math.Inf(-1) for a room with no echo.
	EchoGain float64
	// Near is the near-end voice, mono at Mic's rate, looped; nil is
	// silence.
	Near []int16
	// NoiseDBFS is the RMS level of white noise added to the microphone,
	// in dB relative to full scale (as Measure reports it); 0 adds none.
	NoiseDBFS float64
	// Seed makes the noise repeatable.
	Seed uint64
	// Paced makes Read wait until its samples would have been captured, as
	// a real or null device does; unpaced, Read returns at once, so a test
	// drives time by reading.
	Paced bool
	// SpeakerBuffer is how much the speaker queues at most; 500 ms when 0.
	SpeakerBuffer time.Duration
}

// Room is a simulated room: a speaker (Player) and a microphone
// (Capturer) sharing one acoustic path. The speaker plays at the rate the
// microphone is read: each Read consumes as much queued speaker audio as
// it returns, so both share the microphone's clock.
type Room struct {
	o        RoomOptions
	mu       sync.Mutex
	queue    []int16 // speaker queue, interleaved in o.Speaker
	max      int
	line     []float64 // delay line of mono speaker output
	linePos  int
	gain     float64
	nearPos  int
	noiseAmp float64
	rng      *rand.Rand
	start    time.Time
	got      int64
	closed   chan struct{}
	once     sync.Once
	played   int64 // speaker frames played
	underrun uint64
}

// NewRoom returns a room, or ErrInvalidFormat when the formats do not fit
// (different rates, invalid formats).
func NewRoom(o RoomOptions) (*Room, error) {
	if err := o.Mic.Validate(); err != nil {
		return nil, err
	}
	if o.Speaker.Channels == 0 {
		o.Speaker = Format{SampleRate: o.Mic.SampleRate, Channels: 1}
	}
	if err := o.Speaker.Validate(); err != nil {
		return nil, err
	}
	if o.Speaker.SampleRate != o.Mic.SampleRate || o.Delay < 0 {
		return nil, fmt.Errorf("audio: room: speaker %v, microphone %v, delay %v: %w", o.Speaker, o.Mic, o.Delay, ErrInvalidFormat)
	}
	if o.SpeakerBuffer <= 0 {
		o.SpeakerBuffer = 500 * time.Millisecond
	}
	r := &Room{
		o:      o,
		max:    o.Speaker.Samples(o.SpeakerBuffer),
		line:   make([]float64, max(o.Mic.Samples(o.Delay)/o.Mic.Channels, 1)),
		gain:   math.Pow(10, o.EchoGain/20),
		rng:    rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		closed: make(chan struct{}),
	}
	if o.Delay == 0 {
		r.line = nil
	}
	if o.NoiseDBFS != 0 {
		r.noiseAmp = fullScale * math.Pow(10, o.NoiseDBFS/20)
	}
	return r, nil
}

// Speaker returns the room's speaker.
func (r *Room) Speaker() Player { return roomSpeaker{r} }

// Microphone returns the room's microphone.
func (r *Room) Microphone() Capturer { return roomMic{r} }

// Close closes both sides; later calls return ErrClosed.
func (r *Room) Close() error {
	err := fmt.Errorf("audio: room: %w", ErrClosed)
	r.once.Do(func() {
		close(r.closed)
		err = nil
	})
	return err
}

func (r *Room) isClosed() bool {
	select {
	case <-r.closed:
		return true
	default:
		return false
	}
}

type roomSpeaker struct{ r *Room }

func (s roomSpeaker) Format() Format { return s.r.o.Speaker }

// Write queues p for the speaker; what exceeds the buffer is dropped.
func (s roomSpeaker) Write(p []int16) (int, error) {
	r := s.r
	if r.isClosed() {
		return 0, fmt.Errorf("audio: room speaker: %w", ErrClosed)
	}
	if len(p)%r.o.Speaker.Channels != 0 {
		return 0, fmt.Errorf("audio: room speaker: %d samples: %w", len(p), ErrInvalidFormat)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(p), r.max-len(r.queue))
	n -= n % r.o.Speaker.Channels
	r.queue = append(r.queue, p[:n]...)
	return n, nil
}

func (s roomSpeaker) Buffered() time.Duration {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.r.o.Speaker.Duration(len(s.r.queue))
}

// Underruns counts microphone frames during which the speaker had
// nothing left after having played.
func (s roomSpeaker) Underruns() uint64 {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.r.underrun
}

func (s roomSpeaker) Close() error { return s.r.Close() }

type roomMic struct{ r *Room }

func (m roomMic) Format() Format { return m.r.o.Mic }

// Read fills p with what the microphone hears: the delayed, weakened
// speaker, the near-end voice and the noise.
func (m roomMic) Read(ctx context.Context, p []int16) (int, error) {
	r := m.r
	if r.isClosed() {
		return 0, fmt.Errorf("audio: room microphone: %w", ErrClosed)
	}
	mch, sch := r.o.Mic.Channels, r.o.Speaker.Channels
	if len(p)%mch != 0 {
		return 0, fmt.Errorf("audio: room microphone: %d samples: %w", len(p), ErrInvalidFormat)
	}
	r.mu.Lock()
	frames := len(p) / mch
	starved := false
	for i := range frames {
		// What the speaker plays now (mono mix), or silence.
		var out float64
		if len(r.queue) >= sch {
			for c := range sch {
				out += float64(r.queue[c])
			}
			out /= float64(sch)
			r.queue = r.queue[sch:]
			r.played++
		} else if r.played > 0 {
			starved = true
		}
		echo := out
		if r.line != nil {
			echo = r.line[r.linePos]
			r.line[r.linePos] = out
			r.linePos = (r.linePos + 1) % len(r.line)
		}
		v := echo * r.gain
		if len(r.o.Near) > 0 {
			v += float64(r.o.Near[r.nearPos])
			r.nearPos = (r.nearPos + 1) % len(r.o.Near)
		}
		if r.noiseAmp > 0 {
			// Uniform noise of RMS noiseAmp: amplitude √3 times it.
			v += (r.rng.Float64()*2 - 1) * math.Sqrt(3) * r.noiseAmp
		}
		s := int16(max(-32768, min(32767, math.Round(v))))
		for c := range mch {
			p[i*mch+c] = s
		}
	}
	if starved {
		r.underrun++
	}
	if len(r.queue) == 0 {
		r.queue = r.queue[:0:0] // let a long run's backing array go
	}
	if r.start.IsZero() {
		r.start = time.Now()
	}
	due := r.start.Add(r.o.Mic.Duration(int(r.got) + len(p)))
	r.got += int64(len(p))
	r.mu.Unlock()
	if !r.o.Paced {
		return len(p), nil
	}
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return len(p), ctx.Err()
		case <-r.closed:
			return len(p), fmt.Errorf("audio: room microphone: %w", ErrClosed)
		}
	}
	return len(p), nil
}

func (m roomMic) Close() error { return m.r.Close() }
