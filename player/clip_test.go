package player

import (
	"context"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeClip is a clip of pictures every 40 ms and 20 ms runs of sound,
// keyframes every 10 pictures; Seek waits for gate when set.
type fakeClip struct {
	dur  time.Duration
	gate chan struct{}
	next time.Duration // the next item's time, in 20 ms steps
}

func (c *fakeClip) Duration() time.Duration { return c.dur }

func (c *fakeClip) Seek(t time.Duration) error {
	if c.gate != nil {
		<-c.gate
	}
	c.next = t / (400 * time.Millisecond) * (400 * time.Millisecond)
	return nil
}

func (c *fakeClip) Next() (ClipMedia, error) {
	if c.next >= c.dur {
		return ClipMedia{}, io.EOF
	}
	at := c.next
	c.next += 20 * time.Millisecond
	if at%(40*time.Millisecond) == 0 {
		return ClipMedia{PTS: at, Frame: &Frame{PTS: at}}, nil
	}
	return ClipMedia{PTS: at, Audio: make([]int16, 160)}, nil
}

type ptsSink struct {
	mu  sync.Mutex
	pts []time.Duration
}

func (s *ptsSink) PutFrame(f *Frame) {
	s.mu.Lock()
	s.pts = append(s.pts, f.PTS)
	s.mu.Unlock()
}

func (s *ptsSink) shown() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.pts...)
}

// TestClipPlayerPacesPausesAndSeeks (under synctest's clock): the player
// opens paused on the first picture; playing, each picture shows at its
// time and the sound goes out with it; paused, nothing shows and the
// position stands; a seek shows the last picture at or before its target,
// and the position is the target while the seek is under way; the clip
// ends at its length, and Play after the end starts over.
func TestClipPlayerPacesPausesAndSeeks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeClip{dur: 2 * time.Second}
		sink := &ptsSink{}
		var sound int
		p := NewClipPlayer(src, ClipConfig{Sink: sink, Audio: func(pcm []int16) { sound += len(pcm) }})
		defer p.Close()
		_ = p.WaitSeek(context.Background())
		if got := sink.shown(); len(got) != 1 || got[0] != 0 || p.Playing() || p.Position() != 0 {
			t.Fatalf("opened showing %v at %v, playing %v", got, p.Position(), p.Playing())
		}
		p.Play()
		time.Sleep(130 * time.Millisecond)
		synctest.Wait()
		if got := sink.shown(); len(got) != 4 || got[3] != 120*time.Millisecond || p.Position() != 130*time.Millisecond {
			t.Fatalf("130 ms into playing: shown %v, position %v", got, p.Position())
		}
		if sound != 3*160 {
			t.Fatalf("130 ms into playing: %d samples of sound, want 3 runs", sound)
		}
		p.Pause()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := sink.shown(); len(got) != 4 || p.Position() != 130*time.Millisecond {
			t.Fatalf("paused for 1 s: shown %v, position %v", got, p.Position())
		}

		// A seek between keyframes, held up in the source.
		src.gate = make(chan struct{})
		p.Seek(1030 * time.Millisecond)
		synctest.Wait()
		if p.Position() != 1030*time.Millisecond {
			t.Fatalf("during the seek the position is %v", p.Position())
		}
		close(src.gate)
		_ = p.WaitSeek(context.Background())
		src.gate = nil
		if got := sink.shown(); got[len(got)-1] != time.Second || p.Position() != 1030*time.Millisecond {
			t.Fatalf("after seeking to 1.03 s: showing %v at %v", got[len(got)-1], p.Position())
		}
		// Playing on from there, to the end.
		p.Play()
		time.Sleep(time.Second)
		synctest.Wait()
		if !p.Ended() || p.Playing() || p.Position() != 2*time.Second {
			t.Fatalf("1 s after playing from 1.03 s: ended %v, playing %v, position %v", p.Ended(), p.Playing(), p.Position())
		}
		got := sink.shown()
		if last := got[len(got)-1]; last != 1960*time.Millisecond {
			t.Fatalf("the last picture shown is %v", last)
		}
		p.Play()
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if got := sink.shown(); got[len(got)-1] != 40*time.Millisecond || !p.Playing() {
			t.Fatalf("replayed for 50 ms: showing %v", got[len(got)-1])
		}
	})
}
