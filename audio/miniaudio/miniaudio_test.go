package miniaudio

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/gen2brain/malgo"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func openNull(t *testing.T) *Context {
	t.Helper()
	c, err := Open(BackendNull, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("Open(null): %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNullDevices(t *testing.T) {
	c := openNull(t)
	if c.Backend() != "null" {
		t.Fatalf("Backend = %q", c.Backend())
	}
	capt, play, err := c.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(capt) == 0 || len(play) == 0 {
		t.Fatalf("null backend lists %d capture and %d playback devices", len(capt), len(play))
	}
	for _, d := range append(capt, play...) {
		if d.Name == "" {
			t.Errorf("device %+v has no name", d)
		}
		if _, err := decodeID(d.ID); err != nil {
			t.Errorf("device ID %q does not decode: %v", d.ID, err)
		}
	}
	if !capt[0].Capture || play[0].Capture {
		t.Fatalf("Capture flags wrong: %+v %+v", capt[0], play[0])
	}
	t.Logf("capture %+v, playback %+v", capt, play)
}

// TestNullPlayCapture opens the null devices at 8 and 48 kHz, plays 300 ms
// and captures 300 ms, both paced at real time.
func TestNullPlayCapture(t *testing.T) {
	c := openNull(t)
	_, play, err := c.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []audio.Format{{SampleRate: 8000, Channels: 1}, {SampleRate: 48000, Channels: 2}} {
		t.Run(f.String(), func(t *testing.T) {
			p, err := c.OpenPlayback(play[0].ID, f)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.Format() != f {
				t.Fatalf("Format = %v", p.Format())
			}
			tone := audio.Tone(440, -6, f, 300*time.Millisecond)
			start := time.Now()
			if n, err := p.Write(tone); n != len(tone) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
			for p.Buffered() > 0 && time.Since(start) < 3*time.Second {
				time.Sleep(5 * time.Millisecond)
			}
			el := time.Since(start)
			if p.Buffered() > 0 {
				t.Fatalf("playback stuck with %v buffered", p.Buffered())
			}
			// The null device consumes at real time, give or take its
			// buffered periods: a sanity bound, not a speed target.
			if el < 150*time.Millisecond || el > 2*time.Second {
				t.Fatalf("300 ms played in %v", el)
			}
			time.Sleep(50 * time.Millisecond)
			if u := p.(audio.UnderrunCounter).Underruns(); u != 1 {
				t.Fatalf("Underruns = %d after running dry once", u)
			}
			t.Logf("300 ms played in %v", el)

			cp, err := c.OpenCapture("", f)
			if err != nil {
				t.Fatal(err)
			}
			defer cp.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			buf := make([]int16, f.Samples(300*time.Millisecond))
			start = time.Now()
			n, err := cp.Read(ctx, buf)
			el = time.Since(start)
			if err != nil || n != len(buf) {
				t.Fatalf("Read = %d, %v", n, err)
			}
			if el < 150*time.Millisecond || el > 2*time.Second {
				t.Fatalf("300 ms captured in %v", el)
			}
			if lv := audio.Measure(buf, f.Channels); !lv.Silent {
				t.Fatalf("null capture is not silent: %+v", lv)
			}
			// Reset drops the backlog that piled up while nobody read.
			capt := cp.(*Capture)
			backlog := func() int {
				capt.d.rmu.Lock()
				defer capt.d.rmu.Unlock()
				return capt.d.ring.Len()
			}
			for deadline := time.Now().Add(2 * time.Second); backlog() < f.Samples(100*time.Millisecond); {
				if time.Now().After(deadline) {
					t.Fatalf("no backlog built up: %d samples", backlog())
				}
				time.Sleep(10 * time.Millisecond)
			}
			capt.Reset()
			// The device may deliver a period meanwhile, never the backlog.
			if n := backlog(); n >= f.Samples(100*time.Millisecond) {
				t.Fatalf("%d samples kept after Reset", n)
			}
			if _, err := cp.Read(ctx, buf[:f.Samples(20*time.Millisecond)]); err != nil {
				t.Fatal(err)
			}
			t.Logf("300 ms captured in %v", el)
			if err := cp.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := cp.Read(ctx, buf); !errors.Is(err, audio.ErrClosed) {
				t.Fatalf("Read after Close = %v", err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Write(tone); !errors.Is(err, audio.ErrClosed) {
				t.Fatalf("Write after Close = %v", err)
			}
		})
	}
}

func TestCaptureReadCancelAndClose(t *testing.T) {
	c := openNull(t)
	f := audio.Format{SampleRate: 16000, Channels: 1}
	cp, err := c.OpenCapture("", f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := cp.Read(ctx, make([]int16, f.Samples(10*time.Second))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read past deadline = %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := cp.Read(context.Background(), make([]int16, f.Samples(10*time.Second)))
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	// Closing the context closes its devices and wakes the Read.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, audio.ErrClosed) {
			t.Fatalf("Read during Close = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not wake Read")
	}
	if err := c.Close(); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if _, _, err := c.Devices(); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("Devices after Close = %v", err)
	}
	if _, err := c.OpenPlayback("", f); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("OpenPlayback after Close = %v", err)
	}
}

// TestNullLoopLatency measures how long a sample written to the null
// playback device waits before the device takes it: the output latency
// the talk path adds on top of the network.
func TestNullLoopLatency(t *testing.T) {
	c := openNull(t)
	f := audio.Format{SampleRate: 48000, Channels: 1}
	p, err := c.OpenPlayback("", f)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var worst, total time.Duration
	const rounds = 10
	chunk := audio.Tone(1000, -20, f, 10*time.Millisecond)
	for range rounds {
		start := time.Now()
		p.Write(chunk)
		for p.Buffered() > 0 && time.Since(start) < time.Second {
			time.Sleep(time.Millisecond)
		}
		el := time.Since(start)
		total += el
		worst = max(worst, el)
	}
	t.Logf("10 ms chunk taken by the null device after %v on average, %v at worst", total/rounds, worst)
	if worst > 200*time.Millisecond {
		t.Fatalf("a 10 ms chunk waited %v", worst)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open("nope", nil); !errors.Is(err, ErrUnknownBackend) {
		t.Fatalf("Open(nope) = %v", err)
	}
	c := openNull(t)
	if _, err := c.OpenCapture("", audio.Format{}); !errors.Is(err, audio.ErrInvalidFormat) {
		t.Fatalf("OpenCapture(zero format) = %v", err)
	}
	if _, err := c.OpenPlayback("x:zz", audio.Format{SampleRate: 8000, Channels: 1}); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("OpenPlayback(bad id) = %v", err)
	}
}

// TestOpenAuto runs the real audio systems of this machine: it must either
// list devices or fail with audio.ErrNoDevice, never panic or hang.
func TestOpenAuto(t *testing.T) {
	c, err := Open(BackendAuto, nil)
	if err != nil {
		if !errors.Is(err, audio.ErrNoDevice) {
			t.Fatalf("Open(auto) = %v, want audio.ErrNoDevice", err)
		}
		t.Logf("no audio system: %v", err)
		return
	}
	defer c.Close()
	capt, play, err := c.Devices()
	t.Logf("auto chose %s: capture %+v, playback %+v, err %v", c.Backend(), capt, play, err)
	f := audio.Format{SampleRate: 48000, Channels: 2}
	p, err := c.OpenPlayback("", f)
	if err != nil {
		if !errors.Is(err, audio.ErrNoDevice) {
			t.Fatalf("OpenPlayback = %v, want audio.ErrNoDevice", err)
		}
		t.Logf("no playback device: %v", err)
		return
	}
	defer p.Close()
	if _, err := p.Write(audio.Tone(440, -40, f, 50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

func TestWatch(t *testing.T) {
	c := openNull(t)
	changes := make(chan int, 10)
	stop := c.Watch(100*time.Millisecond, func(capt, play []audio.DeviceInfo) { changes <- len(capt) + len(play) })
	time.Sleep(350 * time.Millisecond)
	stop()
	stop()
	// The null backend's lists never change: no calls.
	select {
	case n := <-changes:
		t.Fatalf("onChange called with %d devices though nothing changed", n)
	default:
	}
	// A watch still running is stopped by Close.
	c.Watch(time.Hour, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// After Close, Watch returns a no-op stop.
	c.Watch(time.Second, nil)()
}

func TestDeviceID(t *testing.T) {
	var num malgo.DeviceID
	num[0] = 1
	var wide malgo.DeviceID
	copy(wide[:], []byte{'h', 0, 'i', 0})
	var text malgo.DeviceID
	copy(text[:], "hw:0,0")
	var tricky malgo.DeviceID
	copy(tricky[:], "x:41")
	cases := []struct {
		name string
		id   malgo.DeviceID
		want string
	}{
		{"zero", malgo.DeviceID{}, "x:00"},
		{"number", num, "x:01"},
		{"utf-16", wide, "x:680069"},
		{"alsa", text, "hw:0,0"},
		{"text like hex", tricky, "x:783a3431"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := encodeID(c.id)
			if s != c.want {
				t.Fatalf("encodeID = %q, want %q", s, c.want)
			}
			back, err := decodeID(s)
			if err != nil || back != c.id {
				t.Fatalf("decodeID(%q) = %v, %v", s, back[:8], err)
			}
		})
	}
}

// TestOpenALSAHidesNull: ALSA's unpaced "null" PCM is never listed, so ALSA
// on a machine without a card reports audio.ErrNoDevice.
func TestOpenALSAHidesNull(t *testing.T) {
	c, err := Open("alsa", nil)
	if err != nil {
		if !errors.Is(err, audio.ErrNoDevice) {
			t.Fatalf("Open(alsa) = %v, want audio.ErrNoDevice", err)
		}
		return
	}
	defer c.Close()
	capt, play, err := c.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(capt, play...) {
		if d.ID == "null" {
			t.Fatalf("ALSA lists its null PCM: %+v", d)
		}
	}
}
