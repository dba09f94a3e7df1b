// Package miniaudio opens capture and playback devices through miniaudio
// (github.com/gen2brain/malgo) and exposes them as audio.Capturer and
// audio.Player. Samples cross the audio thread through preallocated
// audio.Ring buffers: the device callbacks only copy, never allocate, lock,
// block or log.
package miniaudio

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"

	"github.com/lookout-app/lookout/audio"
)

// backendNull is miniaudio's ma_backend_null: NULL capture and playback
// devices paced at real time. malgo.BackendNull (13) is really
// ma_backend_custom, which fails without callbacks.
const backendNull = malgo.Backend(14)

// Backend names Open accepts.
const (
	// BackendAuto tries the platform's real audio systems in order.
	BackendAuto = "auto"
	// BackendNull uses miniaudio's null devices, for CI and machines without
	// sound: playback is discarded and capture yields silence, both at the
	// real-time rate.
	BackendNull = "null"
)

// namedBackends are the real backends Open accepts by name.
var namedBackends = map[string]malgo.Backend{
	"wasapi":     malgo.BackendWasapi,
	"dsound":     malgo.BackendDsound,
	"winmm":      malgo.BackendWinmm,
	"coreaudio":  malgo.BackendCoreaudio,
	"sndio":      malgo.BackendSndio,
	"audio4":     malgo.BackendAudio4,
	"oss":        malgo.BackendOss,
	"pulseaudio": malgo.BackendPulseaudio,
	"alsa":       malgo.BackendAlsa,
	"jack":       malgo.BackendJack,
	"aaudio":     malgo.BackendAaudio,
	"opensl":     malgo.BackendOpensl,
}

// autoBackends lists the real backends of this platform in miniaudio's
// order of preference. The null backend is left out on purpose: "auto"
// never falls back to silence without the caller asking for it.
func autoBackends() []string {
	switch runtime.GOOS {
	case "windows":
		return []string{"wasapi", "dsound", "winmm"}
	case "darwin", "ios":
		return []string{"coreaudio"}
	case "android":
		return []string{"aaudio", "opensl"}
	case "linux":
		return []string{"pulseaudio", "alsa", "jack"}
	case "freebsd", "dragonfly":
		return []string{"oss", "pulseaudio", "alsa", "jack"}
	case "openbsd", "netbsd":
		return []string{"sndio", "audio4", "oss", "pulseaudio"}
	}
	return []string{"pulseaudio", "alsa", "jack", "oss"}
}

// Context is an initialized miniaudio context: one audio system, its device
// lists, and the devices opened from it. Its methods are safe for
// concurrent use.
type Context struct {
	backend string
	ctx     *malgo.AllocatedContext
	log     *slog.Logger

	mu      sync.Mutex
	closed  bool
	devices map[*device]struct{}
	watches map[*watch]struct{}
}

// Open initializes the named backend: "auto" (the first of the platform's
// audio systems that loads and lists a device: PulseAudio, ALSA, JACK on
// Linux), "null", or one backend by miniaudio's name ("alsa", "pulseaudio",
// "wasapi", ...). When no real backend loads with a device, Open returns an
// error wrapping audio.ErrNoDevice that says what each backend answered; it
// never falls back to "null" by itself: choosing it is up to the caller. log receives miniaudio's own messages
// at debug level; nil discards them.
func Open(backend string, log *slog.Logger) (*Context, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var names []string
	switch backend = strings.ToLower(strings.TrimSpace(backend)); backend {
	case "", BackendAuto:
		names = autoBackends()
	case BackendNull:
		names = []string{BackendNull}
	default:
		if _, ok := namedBackends[backend]; !ok {
			return nil, fmt.Errorf("miniaudio: backend %q: %w", backend, ErrUnknownBackend)
		}
		names = []string{backend}
	}
	var errs []string
	for _, name := range names {
		b, ok := namedBackends[name]
		if name == BackendNull {
			b, ok = backendNull, true
		}
		if !ok {
			continue
		}
		l := log.With("backend", name)
		mctx, err := malgo.InitContext([]malgo.Backend{b}, malgo.ContextConfig{}, func(msg string) {
			l.Debug("miniaudio", "msg", strings.TrimSpace(msg))
		})
		if err != nil {
			errs = append(errs, name+": "+err.Error())
			continue
		}
		c := &Context{
			backend: name,
			ctx:     mctx,
			log:     log,
			devices: make(map[*device]struct{}),
			watches: make(map[*watch]struct{}),
		}
		if name != BackendNull {
			// A backend that loads but lists nothing (ALSA without a card)
			// is no audio system for us: try the next one.
			capt, play, err := c.Devices()
			if err == nil && len(capt)+len(play) == 0 {
				err = errors.New("no devices")
			}
			if err != nil {
				errs = append(errs, name+": "+err.Error())
				c.Close()
				continue
			}
		}
		log.Debug("audio backend ready", "backend", name)
		return c, nil
	}
	return nil, fmt.Errorf("miniaudio: no audio system works (%s): %w", strings.Join(errs, "; "), audio.ErrNoDevice)
}

// Backend returns the name of the backend in use ("pulseaudio", "alsa",
// "null", ...).
func (c *Context) Backend() string { return c.backend }

// Close stops every watch, closes every device opened from c, and frees the
// context. Later calls return ErrClosed.
func (c *Context) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.closed = true
	devs := make([]*device, 0, len(c.devices))
	for d := range c.devices {
		devs = append(devs, d)
	}
	ws := make([]*watch, 0, len(c.watches))
	for w := range c.watches {
		ws = append(ws, w)
	}
	c.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
	var errs []error
	for _, d := range devs {
		errs = append(errs, d.close())
	}
	if err := c.ctx.Uninit(); err != nil {
		errs = append(errs, fmt.Errorf("miniaudio: uninit: %w", err))
	}
	c.ctx.Free()
	return errors.Join(errs...)
}

// Devices lists the capture and playback devices, with their names and
// which is the default.
func (c *Context) Devices() (capture, playback []audio.DeviceInfo, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, fmt.Errorf("miniaudio: devices: %w", audio.ErrClosed)
	}
	return c.devicesLocked()
}

func (c *Context) devicesLocked() (capture, playback []audio.DeviceInfo, err error) {
	for _, kind := range []malgo.DeviceType{malgo.Capture, malgo.Playback} {
		infos, err := c.ctx.Devices(kind)
		if err != nil {
			return nil, nil, fmt.Errorf("miniaudio: %s devices: %w", c.backend, err)
		}
		list := make([]audio.DeviceInfo, 0, len(infos))
		for i := range infos {
			id := encodeID(infos[i].ID)
			if c.backend == "alsa" && id == "null" {
				// ALSA's "null" PCM discards without pacing to real time:
				// it is not a device, and it misleads "auto" on machines
				// without a sound card.
				continue
			}
			list = append(list, audio.DeviceInfo{
				ID:      id,
				Name:    infos[i].Name(),
				Default: infos[i].IsDefault != 0,
				Capture: kind == malgo.Capture,
			})
		}
		if kind == malgo.Capture {
			capture = list
		} else {
			playback = list
		}
	}
	return capture, playback, nil
}

// encodeID turns a backend's device ID into a string: the ID itself when it
// is printable text (ALSA "hw:0,0", PulseAudio sink names), otherwise "x:"
// and the hex of its bytes without trailing zeros (WASAPI's UTF-16, the
// null backend's number).
func encodeID(id malgo.DeviceID) string {
	end := len(id)
	for end > 0 && id[end-1] == 0 {
		end--
	}
	text := end > 0
	for _, b := range id[:end] {
		if b < 0x20 || b > 0x7e {
			text = false
			break
		}
	}
	if text && !strings.HasPrefix(string(id[:end]), "x:") {
		return string(id[:end])
	}
	return "x:" + hex.EncodeToString(id[:max(end, 1)])
}

// decodeID reverses encodeID.
func decodeID(s string) (malgo.DeviceID, error) {
	var id malgo.DeviceID
	b := []byte(s)
	if rest, ok := strings.CutPrefix(s, "x:"); ok {
		var err error
		if b, err = hex.DecodeString(rest); err != nil {
			return id, fmt.Errorf("miniaudio: device %q: %w", s, ErrUnknownDevice)
		}
	}
	if len(b) > len(id) {
		return id, fmt.Errorf("miniaudio: device %q: %w", s, ErrUnknownDevice)
	}
	copy(id[:], b)
	return id, nil
}

// OpenCapture opens the capture device id ("" for the default) delivering
// format f, converted by miniaudio from whatever the device records, and
// starts it. The Capturer buffers one second.
func (c *Context) OpenCapture(id string, f audio.Format) (audio.Capturer, error) {
	d, err := c.open(malgo.Capture, id, f)
	if err != nil {
		return nil, err
	}
	return &Capture{d}, nil
}

// OpenPlayback opens the playback device id ("" for the default) taking
// format f and starts it. The Player buffers one second; until samples
// arrive, and whenever they run out, it plays silence.
func (c *Context) OpenPlayback(id string, f audio.Format) (audio.Player, error) {
	d, err := c.open(malgo.Playback, id, f)
	if err != nil {
		return nil, err
	}
	return &Playback{d}, nil
}

// ringDuration is how much audio a device's ring buffer holds.
const ringDuration = time.Second

func (c *Context) open(kind malgo.DeviceType, id string, f audio.Format) (*device, error) {
	what := "playback"
	if kind == malgo.Capture {
		what = "capture"
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("miniaudio: open %s: %w", what, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("miniaudio: open %s: %w", what, audio.ErrClosed)
	}
	d := &device{
		ctx:    c,
		kind:   kind,
		f:      f,
		ring:   audio.NewRing(f.Samples(ringDuration)),
		signal: make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
	cfg := malgo.DefaultDeviceConfig(kind)
	cfg.SampleRate = uint32(f.SampleRate)
	// 10 ms periods: talk latency matters more than wakeups.
	cfg.PeriodSizeInMilliseconds = 10
	sub := malgo.SubConfig{Format: malgo.FormatS16, Channels: uint32(f.Channels)}
	if id != "" {
		mid, err := decodeID(id)
		if err != nil {
			return nil, err
		}
		d.id = &mid
		// miniaudio keeps the pointer in the device config; pin it while the
		// device lives.
		d.pin.Pin(d.id)
		sub.DeviceID = unsafe.Pointer(d.id)
	}
	callbacks := malgo.DeviceCallbacks{}
	if kind == malgo.Capture {
		cfg.Capture = sub
		callbacks.Data = d.onCapture
	} else {
		cfg.Playback = sub
		callbacks.Data = d.onPlayback
		// Silence before the first Write is not an underrun.
		d.starving.Store(true)
	}
	dev, err := malgo.InitDevice(c.ctx.Context, cfg, callbacks)
	if err != nil {
		d.pin.Unpin()
		return nil, fmt.Errorf("miniaudio: open %s device %q on %s: %w: %w", what, id, c.backend, audio.ErrNoDevice, err)
	}
	d.dev = dev
	if err := dev.Start(); err != nil {
		dev.Uninit()
		d.pin.Unpin()
		return nil, fmt.Errorf("miniaudio: start %s device %q on %s: %w: %w", what, id, c.backend, audio.ErrNoDevice, err)
	}
	c.devices[d] = struct{}{}
	c.log.Debug("audio device open", "kind", what, "id", id, "format", f.String())
	return d, nil
}

// Watch polls the device lists every interval (at least 100 ms) and calls
// onChange from its own goroutine when they differ from the previous poll,
// as when a headset is plugged in or removed. The first poll only records
// the lists. The returned stop func ends the watch and waits for it; it is
// safe to call more than once, and Close calls it too. onChange must not
// call stop or Close (they wait for it to return).
func (c *Context) Watch(interval time.Duration, onChange func(capture, playback []audio.DeviceInfo)) (stop func()) {
	interval = max(interval, 100*time.Millisecond)
	w := &watch{quit: make(chan struct{}), done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		close(w.done)
		return func() {}
	}
	c.watches[w] = struct{}{}
	c.mu.Unlock()
	go func() {
		defer close(w.done)
		prevC, prevP, prevErr := c.Devices()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-w.quit:
				return
			case <-t.C:
			}
			capt, play, err := c.Devices()
			if err != nil {
				if errors.Is(err, audio.ErrClosed) {
					return
				}
				if prevErr == nil {
					c.log.Warn("listing audio devices failed", "backend", c.backend, "err", err)
				}
				prevErr = err
				continue
			}
			changed := prevErr != nil || !slices.Equal(capt, prevC) || !slices.Equal(play, prevP)
			prevC, prevP, prevErr = capt, play, nil
			if changed && onChange != nil {
				onChange(capt, play)
			}
		}
	}()
	return func() {
		w.stop()
		c.mu.Lock()
		delete(c.watches, w)
		c.mu.Unlock()
	}
}

// watch is one Watch goroutine.
type watch struct {
	once sync.Once
	quit chan struct{}
	done chan struct{}
}

func (w *watch) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}
