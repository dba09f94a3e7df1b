package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
	rec.SetLength(*duration)
	err = recordSpan(ctx, acc, source, id, q, rec, *duration, *timeout, g)
	if cerr := rec.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if paths := rec.Paths(); len(paths) > 1 {
		g.log.Warn("record: the stream changed and could not go on in one file", "files", paths)
	}
	if err != nil {
		return &failure{source: source, err: err}
	}
	return nil
}

// errNoMedia is the reason of a recording cut short while its session was
// still connected.
var errNoMedia = errors.New("the camera sent nothing more")

// recordSpan records source into rec for d from the first keyframe. Until
// that keyframe it fails as every command does: the first attempt that
// fails within timeout ends it (exit 1 with the reason). From then on the
// recording is the user's until d: the session is supervised as a wall
// tile's is, so after a dropped connection, a stall or a camera reboot the
// next attempts feed the same recorder, which resumes at the next keyframe
// with a gap in its timeline. It ends when the recording's own clock has d,
// or, should the media be away at the end, d after the first picture on the
// wall clock plus record.DefaultGapAfter; a recording whose media stopped
// more than that before d was cut short (an error, the file kept).
func recordSpan(ctx context.Context, acc *account, source, id string, q session.Quality, rec *record.Recorder, d, timeout time.Duration, g *globals) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var sw record.Switch
	sw.Set(rec)
	var last atomic.Pointer[error] // the latest session error, for a cut-short message
	failed := make(chan error, 1)  // an attempt failed before the first picture
	cfg := oneShot(acc, source, id, q, timeout, g)
	cfg.MaxAttempts = 0
	cfg.Tap = &sw
	cfg.OnStatus = func(st session.Status) {
		if st.Err != nil {
			last.Store(&st.Err)
		}
		switch st.State {
		case session.StateStalled, session.StateRetrying, session.StateFailed, session.StateClosed:
			sw.Gap() // what the next attempt sends starts at its keyframe
			if st.Err != nil && rec.Status().Phase == record.PhaseWaiting {
				select {
				case failed <- st.Err:
				default:
				}
			}
		}
	}
	done := make(chan error, 1)
	run := func(f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done <- f(ctx)
		}()
	}
	s, err := session.New(cfg)
	if err != nil {
		return err
	}
	run(s.Run)
	select {
	case <-rec.Started():
	case <-rec.Ended(): // the file could not be made
		return rec.Err()
	case err := <-failed:
		return err
	case err := <-done:
		if err == nil {
			err = errors.New("the connection ended before the first picture")
		}
		return err
	}
	bound := time.NewTimer(d + record.DefaultGapAfter)
	defer bound.Stop()
	for {
		select {
		case <-rec.Ended():
			if err := rec.Err(); err != nil {
				return err
			}
			return cutShort(rec, d, &last)
		case <-bound.C:
			g.log.Warn("record: the media was away at the end", "file", rec.Path(), "recorded", rec.Elapsed())
			return cutShort(rec, d, &last)
		case err := <-done:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			run(func(ctx context.Context) error { return reconnect(ctx, cfg, err, g) })
		}
	}
}

// reconnect runs new sessions of cfg until ctx is cancelled, after one
// that gave up with err (the service said not found or unauthorized, as a
// media server does while the camera behind it reboots); each starts
// giveUpWait after the last gave up.
func reconnect(ctx context.Context, cfg session.Config, err error, g *globals) error {
	for {
		g.log.Warn("record: the source refused; trying again", "reason", reasonOf(err), "in", giveUpWait)
		t := time.NewTimer(giveUpWait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		s, serr := session.New(cfg)
		if serr != nil {
			return serr
		}
		if err = s.Run(ctx); ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// giveUpWait is the pause before a new session after one that gave up.
const giveUpWait = 5 * time.Second

// cutShort is nil when rec holds media up to about d (within
// record.DefaultGapAfter, or half of a short d), and else says why it
// stopped: the latest session error in last, or errNoMedia.
func cutShort(rec *record.Recorder, d time.Duration, last *atomic.Pointer[error]) error {
	got := rec.Elapsed()
	if got >= d-min(record.DefaultGapAfter, d/2) {
		return nil
	}
	why := errNoMedia
	if e := last.Load(); e != nil {
		why = *e
	}
	return fmt.Errorf("recording cut short: the media stopped at %s of %s: %w", got.Round(100*time.Millisecond), d, why)
}

// newFileMuxer makes a recording's muxer: player/ffmpeg's, writing MKV or
// MP4 by the file's extension.
func newFileMuxer(s record.Streams) (record.Muxer, error) {
	m, err := ffmpeg.NewMuxer(ffmpeg.MuxConfig{Path: s.Path, VideoMime: s.VideoMime,
		AudioMime: s.AudioMime, AudioRate: s.AudioRate, AudioChannels: s.AudioChannels})
	if err != nil {
		return nil, err
	}
	return fileMuxer{m}, nil
}

// fileMuxer tells the recorder when a keyframe cannot go on in the file
// (record.ErrStreamChanged): it then goes on in the next numbered file.
type fileMuxer struct{ *ffmpeg.Muxer }

func (m fileMuxer) WriteVideo(au []byte, pts time.Duration, key bool) error {
	err := m.Muxer.WriteVideo(au, pts, key)
	if errors.Is(err, ffmpeg.ErrStreamChanged) {
		return fmt.Errorf("%w: %w", record.ErrStreamChanged, err)
	}
	return err
}

// noAudioStream tells the audio errors of a muxer made before any audio
// arrived, which has no audio stream: a recording skips that audio.
func noAudioStream(err error) bool { return errors.Is(err, ffmpeg.ErrInvalidConfig) }
