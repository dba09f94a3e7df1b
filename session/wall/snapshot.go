package wall

import (
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/lookout-app/lookout/player"
)

// snapSink passes every picture on to the tile's sink and hands a waiting
// snapshot the first one at the stream's own size (a copy: a picture is
// valid only during PutFrame, see player.Frame).
type snapSink struct {
	next    player.Sink
	waiting atomic.Bool
	mu      sync.Mutex
	want    chan *player.Frame
	zoom    atomic.Pointer[Zoom] // the part shown (zoom.go)
}

// PutFrame implements player.Sink.
func (s *snapSink) PutFrame(f *player.Frame) {
	if s.waiting.Load() && fullSize(f) {
		s.mu.Lock()
		if s.want != nil {
			s.want <- f.Clone()
			s.want = nil
			s.waiting.Store(false)
		}
		s.mu.Unlock()
	}
	s.next.PutFrame(f)
}

func fullSize(f *player.Frame) bool {
	return f != nil && f.Image != nil && f.Image.Rect.Dx() == f.SourceWidth && f.Image.Rect.Dy() == f.SourceHeight
}

// Snapshot returns the tile's next picture at the stream's own size (the
// part of it shown while the tile is zoomed, SetZoom): the decoder is
// asked for it, then set back to the tile's size.
func (t *Tile) Snapshot(ctx context.Context) (*player.Frame, error) {
	s := t.session()
	if s == nil {
		return nil, ErrNotPlaying
	}
	ch := make(chan *player.Frame, 1)
	t.snap.mu.Lock()
	t.snap.want = ch
	t.snap.waiting.Store(true)
	t.snap.mu.Unlock()
	defer func() {
		t.snap.mu.Lock()
		if t.snap.want == ch {
			t.snap.want = nil
			t.snap.waiting.Store(false)
		}
		t.snap.mu.Unlock()
		t.mu.Lock()
		w, h, cur := t.w, t.h, t.s
		t.mu.Unlock()
		if cur != nil {
			cur.SetOutputSize(w, h)
		}
	}()
	s.SetOutputSize(0, 0)
	select {
	case f := <-ch:
		return t.cropFrame(f), nil
	case <-ctx.Done():
		return nil, errors.New("no picture at the stream's size yet")
	}
}

// WritePNG writes m to path as PNG through a temporary file in the same
// folder (made if missing), so a reader never sees half a picture.
func WritePNG(path string, m image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".snapshot-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := png.Encode(tmp, m); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
