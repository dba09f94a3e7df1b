package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
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
	rec := record.New(*out, newFileMuxer, noAudioStream)
	err = recordOnce(ctx, acc, source, id, q, rec, *duration, *timeout, g)
	if cerr := rec.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return &failure{source: source, err: err}
	}
	return nil
}

// recordOnce runs a session into rec until the recording's own clock has
// reached the duration from the first keyframe, or the recording failed.
// Should the media stop
// meanwhile, the recording ends anyway once the duration and the timeout
// have passed on the wall clock.
func recordOnce(ctx context.Context, acc *account, source, id string, q session.Quality, rec *record.Recorder, d, timeout time.Duration, g *globals) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := oneShot(acc, source, id, q, timeout, g)
	cfg.Tap = rec
	rec.SetLength(d)
	s, err := session.New(cfg)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-rec.Started():
	case <-rec.Ended(): // the file could not be made
		return rec.Err()
	case err := <-done:
		if err == nil {
			err = errors.New("the connection ended before the first picture")
		}
		return err
	}
	if ended, err := awaitRecorded(rec, done, d+timeout, g.log); ended { // cut short: what was recorded is kept
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("recording cut short: %w", err)
	}
	cancel()
	<-done
	return rec.Err()
}

// awaitRecorded waits, from the first picture, until rec has ended (its
// length recorded, or a write failed), or, should the media stop, until wall
// has passed; ended is true, with the session's error, when the session ends
// first.
func awaitRecorded(rec *record.Recorder, done <-chan error, wall time.Duration, log *slog.Logger) (ended bool, err error) {
	stalled := time.NewTimer(wall)
	defer stalled.Stop()
	select {
	case <-rec.Ended():
		return false, nil
	case <-stalled.C:
		log.Warn("record: the media stopped before the end", "file", rec.Path(), "recorded", rec.Elapsed())
		return false, nil
	case err := <-done:
		return true, err
	}
}

// newFileMuxer makes a recording's muxer: player/ffmpeg's, writing MKV or
// MP4 by the file's extension.
func newFileMuxer(s record.Streams) (record.Muxer, error) {
	return ffmpeg.NewMuxer(ffmpeg.MuxConfig{Path: s.Path, VideoMime: s.VideoMime,
		AudioMime: s.AudioMime, AudioRate: s.AudioRate, AudioChannels: s.AudioChannels})
}

// noAudioStream tells the audio errors of a muxer made before any audio
// arrived, which has no audio stream: a recording skips that audio.
func noAudioStream(err error) bool { return errors.Is(err, ffmpeg.ErrInvalidConfig) }
