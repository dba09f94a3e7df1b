package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

func newDecoder(mime string) (player.Decoder, error) { return ffmpeg.NewDecoder(mime) }

// cmdSnapshot connects, decodes the first complete picture, writes it at the
// stream's own size and hangs up.
func cmdSnapshot(ctx context.Context, g *globals, args []string, _, _ io.Writer) error {
	fs := newFlags(g, "snapshot")
	out := fs.String("o", "", "output file (.png, .jpg or .jpeg)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after this long")
	quality := fs.String("quality", "main", "main or sub")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one SOURCE, got %d (usage: lookout snapshot SOURCE -o FILE)", len(pos))
	}
	if *out == "" {
		return usagef("-o FILE is required")
	}
	encode, err := imageEncoder(*out)
	if err != nil {
		return err
	}
	q, err := qualityFlag(*quality)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive")
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
	f, err := firstPicture(ctx, acc, source, id, q, *timeout, g)
	if err != nil {
		return &failure{source: source, err: err}
	}
	if err := writeImage(*out, f.Image, encode); err != nil {
		return &failure{source: source, err: err}
	}
	g.log.Info("snapshot written", "file", *out, "width", f.Image.Rect.Dx(), "height", f.Image.Rect.Dy())
	return nil
}

// firstPicture opens source as one tile of the wall model (session/wall:
// the code the window's tiles run) and waits for its first decoded picture
// at the stream's own size, or its failure.
func firstPicture(ctx context.Context, acc *account, source, id string, q session.Quality, timeout time.Duration, g *globals) (*player.Frame, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m := wall.New(ctx.Done(), wall.Config{Logger: g.log, Factory: func(string, session.Quality) (session.Config, error) {
		return oneShot(acc, source, id, q, timeout, g), nil
	}})
	defer m.Close()
	sink := newFirstSink()
	failed := make(chan error, 1)
	t, err := m.Open(source, wall.TileConfig{Quality: q, Sink: sink, OnStatus: func(st session.Status) {
		if st.State == session.StateFailed {
			select {
			case failed <- st.Err:
			default:
			}
		}
	}})
	if err != nil {
		return nil, err
	}
	select {
	case <-sink.ready:
		return sink.frame, nil
	case err := <-failed:
		if f := sink.got(); f != nil {
			return f, nil
		}
		return nil, err
	case <-ctx.Done():
		if f := sink.got(); f != nil {
			return f, nil
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no picture within %s (stuck at %s)", timeout, t.Status().State)
		}
		return nil, ctx.Err()
	}
}

// firstSink keeps a copy of the first picture it is given. A snapshot is
// the picture the stream started with: whichever one was newest when the
// command got to run would be seconds later on a busy machine, and no
// longer the picture the camera's keyframe carried.
type firstSink struct {
	once  sync.Once
	frame *player.Frame
	ready chan struct{}
}

func newFirstSink() *firstSink { return &firstSink{ready: make(chan struct{})} }

// PutFrame implements player.Sink.
func (s *firstSink) PutFrame(f *player.Frame) {
	s.once.Do(func() {
		s.frame = f.Clone()
		close(s.ready)
	})
}

// got returns the picture kept, or nil before the first.
func (s *firstSink) got() *player.Frame {
	select {
	case <-s.ready:
		return s.frame
	default:
		return nil
	}
}

type encodeFunc func(io.Writer, image.Image) error

func imageEncoder(path string) (encodeFunc, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return png.Encode, nil
	case ".jpg", ".jpeg":
		return func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 92}) }, nil
	default:
		return nil, usagef("cannot tell the image format of %q: use .png, .jpg or .jpeg", path)
	}
}

// writeImage writes through a temporary file so a failed write leaves no
// half-written picture behind.
func writeImage(path string, m image.Image, encode encodeFunc) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lookout-snapshot-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := encode(tmp, m); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
