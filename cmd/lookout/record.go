package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
	"github.com/lookout-app/lookout/session/wall"
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
	if err := recordSpan(ctx, acc, source, id, q, *out, *duration, *timeout, g); err != nil {
		return &failure{source: source, err: err}
	}
	return nil
}

// errNoMedia is the reason of a recording cut short while its session was
// still connected.
var errNoMedia = errors.New("the camera sent nothing more")

// recordSpan records source to out for d from the first keyframe, as one
// tile of the wall model (session/wall: the code the window's tiles run,
// and `lookout snapshot`'s). Until that keyframe it fails as every command
// does: the first attempt that fails within timeout ends it (exit 1 with
// the reason). From then on the recording is the user's until d, as a
// tile's is: after a dropped connection, a stall or a camera reboot the
// tile's next sessions feed the same recording, which resumes at the next
// keyframe with a gap in its timeline, and a session that gives up (the
// service said not found or unauthorized, as a media server does while the
// camera behind it reboots) is retried giveUpWait later. It ends when the
// recording's own clock has d, or, should the media be away at the end, d
// after the first picture on the wall clock plus record.DefaultGapAfter; a
// recording whose media stopped more than that before d was cut short (an
// error, the file kept).
func recordSpan(ctx context.Context, acc *account, source, id string, q session.Quality, out string, d, timeout time.Duration, g *globals) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := oneShot(acc, source, id, q, timeout, g)
	cfg.MaxAttempts = 0 // the session retries what is worth retrying; the tile retries the rest
	m := wall.New(ctx.Done(), wall.Config{Logger: g.log, Factory: func(string, session.Quality) (session.Config, error) {
		return cfg, nil
	}})
	defer m.Close() // finalises the recording, if still open
	var (
		last    atomic.Pointer[error]           // the latest session error, for a cut-short message
		cur     atomic.Pointer[record.Recorder] // set once recording
		failed  = make(chan error, 1)           // an attempt failed before the first picture
		gaveUp  = make(chan struct{}, 1)        // a session gave up after it
		endedCh = make(chan error, 1)           // the recording ended by itself, finalised
	)
	waiting := func() bool {
		r := cur.Load()
		return r == nil || r.Status().Phase == record.PhaseWaiting
	}
	t, err := m.Open(source, wall.TileConfig{Quality: q, Sink: player.NewLatest(),
		OnStatus: func(st session.Status) {
			if st.Err != nil {
				last.Store(&st.Err)
			}
			switch st.State {
			case session.StateStalled, session.StateRetrying, session.StateFailed, session.StateClosed:
				if st.Err != nil && waiting() {
					select {
					case failed <- st.Err:
					default:
					}
					return
				}
			}
			if st.State == session.StateFailed {
				select {
				case gaveUp <- struct{}{}:
				default:
				}
			}
		},
		OnRecordingEnded: func(_ string, err error) { endedCh <- err },
	})
	if err != nil {
		return err
	}
	rec, err := t.RecordFor(d, out, newFileMuxer, noAudioStream)
	if err != nil {
		return err
	}
	cur.Store(rec)
	defer func() {
		if paths := rec.Paths(); len(paths) > 1 {
			g.log.Warn("record: the stream changed and could not go on in one file", "files", paths)
		}
	}()
	// finish stops the recording and waits for its file.
	finish := func() error {
		if r := t.StopRecord(); r != nil {
			return r.Close()
		}
		return nil
	}
	select {
	case <-rec.Started():
	case err := <-endedCh: // the file could not be made
		if err == nil {
			err = errors.New("the recording ended before the first picture")
		}
		return err
	case err := <-failed:
		return errors.Join(err, finish())
	case <-ctx.Done():
		return errors.Join(ctx.Err(), finish())
	}
	bound := time.NewTimer(d + record.DefaultGapAfter)
	defer bound.Stop()
	retry := time.NewTimer(giveUpWait)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case err := <-endedCh: // d reached (nil), or the file failed
			if err != nil {
				return err
			}
			return cutShort(rec, d, &last)
		case <-bound.C:
			g.log.Warn("record: the media was away at the end", "file", rec.Path(), "recorded", rec.Elapsed())
			if err := finish(); err != nil {
				return err
			}
			return cutShort(rec, d, &last)
		case <-gaveUp:
			why := errNoMedia
			if e := last.Load(); e != nil {
				why = *e
			}
			g.log.Warn("record: the source refused; trying again", "reason", reasonOf(why), "in", giveUpWait)
			retry.Reset(giveUpWait)
		case <-retry.C:
			t.Retry()
		case <-ctx.Done():
			return errors.Join(ctx.Err(), finish())
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
