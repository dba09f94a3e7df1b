package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

func newAudioDecoder(mime string, clockRate, channels int, out audio.Format) (session.AudioDecoder, error) {
	return ffmpeg.NewAudioDecoder(mime, clockRate, channels, out)
}

func newAudioEncoder(mime string, in audio.Format, frameSamples int) (session.AudioEncoder, error) {
	return ffmpeg.NewAudioEncoder(mime, in, frameSamples)
}

// cmdTalk connects and sends a WAV file as talk audio in real time, as a
// held push-to-talk button would; with --out it records what the device
// sends meanwhile.
func cmdTalk(ctx context.Context, g *globals, args []string, _, _ io.Writer) error {
	fs := newFlags(g, "talk")
	in := fs.String("in", "", "WAV file to send (any rate, mono or stereo)")
	out := fs.String("out", "", "WAV file to record the device's audio into")
	timeout := fs.Duration("timeout", 20*time.Second, "give up connecting after this long")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one SOURCE, got %d (usage: lookout talk SOURCE --in FILE.wav [--out FILE.wav])", len(pos))
	}
	if *in == "" {
		return usagef("--in FILE.wav is required")
	}
	if *out != "" && !strings.EqualFold(filepath.Ext(*out), ".wav") {
		return usagef("--out must name a .wav file")
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	source := pos[0]
	f, err := os.Open(*in)
	if err != nil {
		return usagef("--in: %v", err)
	}
	samples, format, err := audio.ReadWAV(f)
	_ = f.Close()
	if err != nil {
		return usagef("--in %s: %v", *in, err)
	}
	ws, acc, id, err := openSource(ctx, g, source)
	if err != nil {
		return err
	}
	defer func() { _ = ws.Close() }()
	var rec *wavRecorder
	if *out != "" {
		rec = &wavRecorder{path: *out}
	}
	err = talkOnce(ctx, acc, source, id, audio.NewWAVCapturer(samples, format, false), rec, *timeout, g)
	if rec != nil {
		if cerr := rec.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return &failure{source: source, err: err}
	}
	return nil
}

// talkOnce connects, waits until talk is possible, sends c to its end and
// hangs up. A service that caps session length (EEN: 10 minutes) gets a
// new session before the cap, through a session.Relay.
func talkOnce(ctx context.Context, acc *account, source, id string, c audio.Capturer, rec *wavRecorder, timeout time.Duration, g *globals) error {
	cfg := oneShot(acc, source, id, session.QualitySub, timeout, g)
	cfg.NewAudioEncoder = newAudioEncoder
	if rec != nil {
		cfg.Audio, cfg.NewAudioDecoder = rec, newAudioDecoder
	}
	r, err := session.NewRelay(cfg, 0)
	if err != nil {
		return err
	}
	return r.Talk(ctx, c)
}

// wavRecorder is an AudioSink writing a WAV file in the format of the first
// audio it gets; Close finalizes the header, so even a failed talk leaves a
// valid file of what arrived.
type wavRecorder struct {
	path string
	mu   sync.Mutex
	f    *os.File
	w    *audio.WAVWriter
	err  error
}

// PlayAudio implements session.AudioSink.
func (r *wavRecorder) PlayAudio(pcm []int16, f audio.Format) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if r.w == nil {
		if r.f, r.err = os.OpenFile(r.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); r.err != nil {
			return
		}
		if r.w, r.err = audio.NewWAVWriter(r.f, f); r.err != nil {
			return
		}
	}
	if f != r.w.Format() {
		r.err = fmt.Errorf("%s: the device changed its audio format to %s", r.path, f)
		return
	}
	r.err = r.w.Write(pcm)
}

// Close finalizes the file; with no audio at all it writes an empty WAV.
func (r *wavRecorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil && r.err == nil {
		if r.f, r.err = os.Create(r.path); r.err == nil {
			r.w, r.err = audio.NewWAVWriter(r.f, audio.Format{SampleRate: 8000, Channels: 1})
		}
	}
	var errs []error
	if r.w != nil {
		errs = append(errs, r.w.Close())
	}
	if r.f != nil {
		errs = append(errs, r.f.Close())
	}
	return errors.Join(append(errs, r.err)...)
}
