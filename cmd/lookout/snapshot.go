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
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
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

// firstPicture runs one session until its first decoded picture.
func firstPicture(ctx context.Context, acc *account, source, id string, q session.Quality, timeout time.Duration, g *globals) (*player.Frame, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sink := player.NewLatest()
	cfg := oneShot(acc, source, id, q, timeout, g)
	cfg.Sink = sink
	s, err := session.New(cfg)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-sink.Ready():
		cancel()
		<-done
		return sink.Load(), nil
	case err := <-done:
		if f := sink.Load(); f != nil {
			return f, nil
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no picture within %s (stuck at %s)", timeout, s.Status().State)
		}
		return nil, err
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
