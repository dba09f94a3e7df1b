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
	// Paced puts the room on the wall clock, as a real or null device is:
	// the speaker plays in real time whether or not anyone listens (running
	// dry plays silence), and Read waits until its samples would have been
	// captured, starting at the present on the first Read. Unpaced, time
	// moves only as the microphone is read: each Read plays as much of the
	// speaker's queue as it returns, and returns at once.
	Paced bool
	// SpeakerBuffer is how much the speaker queues at most; 500 ms when 0.
	SpeakerBuffer time.Duration
}

// PlayClock is implemented by Players that know when a sample written now
// will leave the speaker (an echo canceller's reference is timed by it).
type PlayClock interface {
	PlaysAt() time.Time
}

// CaptureClock is implemented by Capturers that know when the first
// sample of the last Read was captured.
type CaptureClock interface {
	CapturedAt() time.Time
}

// Room is a simulated room: a speaker (Player) and a microphone
// (Capturer) sharing one acoustic path and one sample clock (see
// RoomOptions.Paced).
type Room struct {
	o     RoomOptions
	mu    sync.Mutex
	queue []int16 // speaker queue, interleaved in o.Speaker
	max   int
	// played is what the speaker played (mono), by frame index modulo
	// its length; frames before playedTo are played.
	played   []float64
	playedTo int64
	delay    int64 // frames
	micAt    int64 // frame index of the microphone's next sample; -1 before the first Read
	lastRead int64 // frame index of the last Read's first sample
	epoch    time.Time
	gain     float64
	nearPos  int
	noiseAmp float64
	rng      *rand.Rand
	closed   chan struct{}
	once     sync.Once
	started  bool // the speaker has played something
	dry      bool // the speaker has run dry since it last played
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
	delay := int64(o.Mic.Samples(o.Delay) / o.Mic.Channels)
	r := &Room{
		o: o,
		// The microphone may lag the speaker by up to 2 s (a slow reader).
		played: make([]float64, delay+int64(o.Mic.SampleRate)*2),
		delay:  delay,
		micAt:  -1,
		epoch:  time.Now(),
		max:    o.Speaker.Samples(o.SpeakerBuffer),
		gain:   math.Pow(10, o.EchoGain/20),
		rng:    rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		closed: make(chan struct{}),
	}
	if o.NoiseDBFS != 0 {
		r.noiseAmp = fullScale * math.Pow(10, o.NoiseDBFS/20)
	}
	return r, nil
}

// Speaker returns a handle on the room's speaker; closing it leaves the
// room and its other handles open.
func (r *Room) Speaker() Player { return &roomSpeaker{r: r, closed: make(chan struct{})} }

// Microphone returns a handle on the room's microphone; closing it leaves
// the room and its other handles open.
func (r *Room) Microphone() Capturer { return &roomMic{r: r, closed: make(chan struct{})} }

// Room device IDs, as Devices lists them.
const (
	RoomMicrophoneID = "room-microphone"
	RoomSpeakerID    = "room-speaker"
)

// Devices lists the room as a sound system (the window's --audio room):
// one microphone and one speaker, both the default.
func (r *Room) Devices() (capture, playback []DeviceInfo, err error) {
	return []DeviceInfo{{ID: RoomMicrophoneID, Name: "Simulated room microphone", Default: true, Capture: true}},
		[]DeviceInfo{{ID: RoomSpeakerID, Name: "Simulated room speaker", Default: true}}, nil
}

// OpenCapture opens the room's microphone ("" or RoomMicrophoneID) in the
// room's microphone format, or with more channels at its rate when the
// microphone is mono (each channel carries it, as a sound system carries
// a mono microphone; the pre-check records in stereo).
func (r *Room) OpenCapture(id string, f Format) (Capturer, error) {
	if id != "" && id != RoomMicrophoneID {
		return nil, fmt.Errorf("audio: room: microphone %q: %w", id, ErrNoDevice)
	}
	if f == r.o.Mic {
		return r.Microphone(), nil
	}
	if r.o.Mic.Channels == 1 && f.SampleRate == r.o.Mic.SampleRate && f.Channels > 1 {
		return &wideMic{roomMic: r.Microphone().(*roomMic), f: f}, nil
	}
	return nil, fmt.Errorf("audio: room microphone is %v, not %v: %w", r.o.Mic, f, ErrInvalidFormat)
}

// wideMic is the room's mono microphone copied onto f.Channels channels.
type wideMic struct {
	*roomMic
	f    Format
	mono []int16
}

func (w *wideMic) Format() Format { return w.f }

func (w *wideMic) Read(ctx context.Context, p []int16) (int, error) {
	ch := w.f.Channels
	if cap(w.mono) < len(p)/ch {
		w.mono = make([]int16, len(p)/ch)
	}
	n, err := w.roomMic.Read(ctx, w.mono[:len(p)/ch])
	for i := n - 1; i >= 0; i-- {
		for c := range ch {
			p[i*ch+c] = w.mono[i]
		}
	}
	return n * ch, err
}

// OpenPlayback opens the room's speaker ("" or RoomSpeakerID) in the
// room's speaker format only.
func (r *Room) OpenPlayback(id string, f Format) (Player, error) {
	if id != "" && id != RoomSpeakerID {
		return nil, fmt.Errorf("audio: room: speaker %q: %w", id, ErrNoDevice)
	}
	if f != r.o.Speaker {
		return nil, fmt.Errorf("audio: room speaker is %v, not %v: %w", r.o.Speaker, f, ErrInvalidFormat)
	}
	return r.Speaker(), nil
}

// Close closes the room and every handle on it; later calls return
// ErrClosed.
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

type roomSpeaker struct {
	r      *Room
	closed chan struct{}
	once   sync.Once
}

func (s *roomSpeaker) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return s.r.isClosed()
	}
}

func (s *roomSpeaker) Format() Format { return s.r.o.Speaker }

// Write queues p for the speaker; what exceeds the buffer is dropped.
func (s *roomSpeaker) Write(p []int16) (int, error) {
	r := s.r
	if s.isClosed() {
		return 0, fmt.Errorf("audio: room speaker: %w", ErrClosed)
	}
	if len(p)%r.o.Speaker.Channels != 0 {
		return 0, fmt.Errorf("audio: room speaker: %d samples: %w", len(p), ErrInvalidFormat)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.Paced {
		r.play(r.now())
	}
	n := min(len(p), r.max-len(r.queue))
	n -= n % r.o.Speaker.Channels
	r.queue = append(r.queue, p[:n]...)
	return n, nil
}

func (s *roomSpeaker) Buffered() time.Duration {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.o.Paced {
		s.r.play(s.r.now())
	}
	return s.r.o.Speaker.Duration(len(s.r.queue))
}

// Underruns counts the times the speaker ran dry after having played.
func (s *roomSpeaker) Underruns() uint64 {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.r.underrun
}

// PlaysAt is when a sample written now will leave the speaker, on the
// room's clock.
func (s *roomSpeaker) PlaysAt() time.Time {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.Paced {
		r.play(r.now())
	}
	return r.at(r.playedTo + int64(len(r.queue)/r.o.Speaker.Channels))
}

// Close closes this handle; later calls return ErrClosed.
func (s *roomSpeaker) Close() error { return closeHandle(&s.once, s.closed, "speaker") }

// closeHandle closes one handle's channel once.
func closeHandle(once *sync.Once, closed chan struct{}, what string) error {
	err := fmt.Errorf("audio: room %s: %w", what, ErrClosed)
	once.Do(func() {
		close(closed)
		err = nil
	})
	return err
}

type roomMic struct {
	r      *Room
	closed chan struct{}
	once   sync.Once
}

func (m *roomMic) Format() Format { return m.r.o.Mic }

// Read fills p with what the microphone hears: the delayed, weakened
// speaker, the near-end voice and the noise.
func (m *roomMic) Read(ctx context.Context, p []int16) (int, error) {
	r := m.r
	if r.isClosed() || isDone(m.closed) {
		return 0, fmt.Errorf("audio: room microphone: %w", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	mch := r.o.Mic.Channels
	if len(p)%mch != 0 {
		return 0, fmt.Errorf("audio: room microphone: %d samples: %w", len(p), ErrInvalidFormat)
	}
	frames := int64(len(p) / mch)
	r.mu.Lock()
	if r.micAt < 0 {
		r.micAt = 0
		if r.o.Paced {
			r.micAt = max(r.now()-frames, 0)
		}
	}
	from := r.micAt
	r.micAt += frames
	r.lastRead = from
	r.mu.Unlock()
	if r.o.Paced {
		due := r.at(from + frames)
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-r.closed:
				return 0, fmt.Errorf("audio: room microphone: %w", ErrClosed)
			case <-m.closed:
				return 0, fmt.Errorf("audio: room microphone: %w", ErrClosed)
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.play(from + frames)
	for i := range frames {
		at := from + i
		var echo float64
		if src := at - r.delay; src >= 0 && src >= r.playedTo-int64(len(r.played)) {
			echo = r.played[src%int64(len(r.played))]
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
			p[int(i)*mch+c] = s
		}
	}
	return len(p), nil
}

// at is the time of frame index i.
func (r *Room) at(i int64) time.Time {
	return r.epoch.Add(time.Duration(i) * time.Second / time.Duration(r.o.Mic.SampleRate))
}

// now is the frame index of the wall clock.
func (r *Room) now() int64 {
	return int64(time.Since(r.epoch) * time.Duration(r.o.Mic.SampleRate) / time.Second)
}

// play moves the speaker on to frame index to: each frame plays the
// queue's next (mono mix) or, when it ran dry, silence.
func (r *Room) play(to int64) {
	sch := r.o.Speaker.Channels
	for ; r.playedTo < to; r.playedTo++ {
		var out float64
		if len(r.queue) >= sch {
			for c := range sch {
				out += float64(r.queue[c])
			}
			out /= float64(sch)
			r.queue = r.queue[sch:]
			r.started = true
			r.dry = false
		} else if r.started && !r.dry {
			r.dry = true
			r.underrun++
		}
		r.played[r.playedTo%int64(len(r.played))] = out
	}
	if len(r.queue) == 0 {
		r.queue = r.queue[:0:0] // let a long run's backing array go
	}
}

// CapturedAt is when the first sample of the last Read was captured, on
// the room's clock (paced: the wall clock).
func (m *roomMic) CapturedAt() time.Time {
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at(r.lastRead)
}

// Close closes this handle and wakes its blocked Read; later calls return
// ErrClosed.
func (m *roomMic) Close() error { return closeHandle(&m.once, m.closed, "microphone") }

func isDone(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
