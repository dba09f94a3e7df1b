package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

// cmdRecord writes what a source sends to MKV or MP4 for a duration,
// copying the video as it came.
func cmdRecord(ctx context.Context, g *globals, args []string, _, _ io.Writer) error {
	fs := newFlags(g, "record")
	out := fs.String("o", "", "output file (.mkv or .mp4)")
	duration := fs.Duration("duration", 0, "how long to record, from the first picture")
	timeout := fs.Duration("timeout", 20*time.Second, "give up connecting after this long")
	quality := fs.String("quality", "main", "main or sub")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("want one SOURCE, got %d (usage: lookout record SOURCE -o FILE --duration D)", len(pos))
	case *out == "":
		return usagef("-o FILE is required")
	case *duration <= 0:
		return usagef("--duration must be positive, e.g. --duration 30s")
	case *timeout <= 0:
		return usagef("--timeout must be positive")
	}
	q, err := qualityFlag(*quality)
	if err != nil {
		return err
	}
	if ext := strings.ToLower(filepath.Ext(*out)); ext != ".mkv" && ext != ".mp4" {
		return usagef("cannot tell the container of %q: use .mkv or .mp4", *out)
	}
	source := pos[0]
	ws, acc, id, err := openSource(ctx, g, source)
	if err != nil {
		return err
	}
	defer func() { _ = ws.Close() }()
	if err := pictureSource(acc, source); err != nil {
		return err
	}
	rec := &recorder{path: *out, started: make(chan struct{})}
	err = recordOnce(ctx, acc, source, id, q, rec, *duration, *timeout, g)
	if cerr := rec.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return &failure{source: source, err: err}
	}
	return nil
}

// recordOnce runs a session into rec until the duration has been recorded
// from the first keyframe.
func recordOnce(ctx context.Context, acc *account, source, id string, q session.Quality, rec *recorder, d, timeout time.Duration, g *globals) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := oneShot(acc, source, id, q, timeout, g)
	cfg.Tap = rec
	s, err := session.New(cfg)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-rec.started:
	case err := <-done:
		if err == nil {
			err = errors.New("the connection ended before the first picture")
		}
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		cancel()
		<-done
		return rec.failure()
	case err := <-done: // cut short: what was recorded is kept
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("recording cut short: %w", err)
	}
}

// recorder is a session.MediaTap feeding an ffmpeg.Muxer, created at the
// first keyframe with the audio codec seen by then.
type recorder struct {
	path    string
	started chan struct{} // closed at the first keyframe written

	mu        sync.Mutex
	mux       *ffmpeg.Muxer
	audio     *webrtc.RTPCodecParameters
	t0        time.Time
	err       error
	closed    bool
	startOnce sync.Once
}

// VideoUnit implements session.MediaTap.
func (r *recorder) VideoUnit(codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed {
		return
	}
	if r.mux == nil {
		if !key {
			return
		}
		cfg := ffmpeg.MuxConfig{Path: r.path, VideoMime: codec.MimeType}
		if a := r.audio; a != nil {
			cfg.AudioMime, cfg.AudioRate, cfg.AudioChannels = a.MimeType, int(a.ClockRate), int(a.Channels)
		}
		if r.mux, r.err = ffmpeg.NewMuxer(cfg); r.err != nil {
			return
		}
		r.t0 = at
	}
	if r.err = r.mux.WriteVideo(au, at.Sub(r.t0), key); r.err == nil {
		r.startOnce.Do(func() { close(r.started) })
	}
}

// AudioPacket implements session.MediaTap.
func (r *recorder) AudioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.audio == nil {
		c := codec
		r.audio = &c
	}
	if r.mux == nil || r.err != nil || r.closed || at.Before(r.t0) {
		return
	}
	// A muxer made before any audio arrived has no audio stream: skip it.
	if err := r.mux.WriteAudio(payload, at.Sub(r.t0)); err != nil && !errors.Is(err, ffmpeg.ErrInvalidConfig) {
		r.err = err
	}
}

func (r *recorder) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return fmt.Errorf("recording %s: %w", r.path, r.err)
	}
	return nil
}

// Close finalizes the file (also after a failure, so what was recorded
// plays).
func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.mux == nil {
		return nil
	}
	if err := r.mux.Close(); err != nil {
		return fmt.Errorf("finalizing %s: %w", r.path, err)
	}
	return nil
}
