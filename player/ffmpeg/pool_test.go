package ffmpeg

import (
	"fmt"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
)

// TestDecodeAllocatesNothing decodes and scales to a tile's size into a
// Latest that a painter reads with Acquire, as a tile does, and counts the
// Go allocations per access unit once the pool is warm: there must be none.
func TestDecodeAllocatesNothing(t *testing.T) {
	requireFFmpeg(t)
	clip := makeClip(t, t.TempDir(), "clip.h264", "640x360", 2,
		"-c:v", "libx264", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p", "-f", "h264")
	aus := h264AccessUnits(t, clip)
	dec, err := NewDecoder(player.MimeTypeH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dec.SetOutputSize(320, 180)
	sink := player.NewLatest()
	frames := 0
	emit := func(f *player.Frame) {
		frames++
		sink.PutFrame(f)
	}
	i := 0
	step := func() {
		// The clip starts with an IDR, so looping it is a valid stream.
		if err := dec.Decode(player.AccessUnit{Data: aus[i%len(aus)], PTS: time.Duration(i) * time.Second / 25}, emit); err != nil {
			t.Errorf("decode %d: %v", i, err)
		}
		i++
		shown := sink.Acquire()
		shown.Release()
	}
	for range 10 {
		step() // warm the pool, the scaler and the decoder
	}
	frames = 0
	allocs := testing.AllocsPerRun(2*len(aus), step)
	if frames == 0 {
		t.Fatal("no frames decoded")
	}
	if allocs != 0 {
		t.Errorf("%.2f Go allocations per access unit decoded, scaled and shown, want 0", allocs)
	}
	f := sink.Acquire()
	defer f.Release()
	if f.Image.Rect.Dx() != 320 || f.Image.Rect.Dy() != 180 || f.SourceWidth != 640 {
		t.Errorf("frame %v from %dx%d, want 320x180 from 640x360", f.Image.Rect, f.SourceWidth, f.SourceHeight)
	}
}

// TestDecodePooledWhilePainting runs a real decoder into a Latest on one
// goroutine while a painter on another acquires the newest picture, hashes
// it twice with a pause between and releases it (run it with -race): a
// buffer reused while held would change under the painter.
func TestDecodePooledWhilePainting(t *testing.T) {
	requireFFmpeg(t)
	clip := makeClip(t, t.TempDir(), "clip.h264", "320x240", 2,
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-pix_fmt", "yuv420p", "-f", "h264")
	aus := h264AccessUnits(t, clip)
	dec, err := NewDecoder(player.MimeTypeH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dec.SetOutputSize(160, 120)
	sink := player.NewLatest()
	var wg sync.WaitGroup
	errs := make(chan error, len(aus))
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, au := range aus {
			if err := dec.Decode(player.AccessUnit{Data: au, PTS: time.Duration(i) * time.Second / 25}, sink.PutFrame); err != nil {
				errs <- err
			}
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	painted, changed := 0, 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-sink.Ready():
		}
		f := sink.Acquire()
		if f == nil {
			continue
		}
		before := crc32.ChecksumIEEE(f.Image.Pix)
		time.Sleep(200 * time.Microsecond)
		if crc32.ChecksumIEEE(f.Image.Pix) != before {
			changed++
		}
		f.Release()
		painted++
	}
	close(errs)
	for err := range errs {
		t.Errorf("decode: %v", err)
	}
	if painted == 0 {
		t.Fatal("the painter saw no picture")
	}
	if changed > 0 {
		t.Errorf("%d of %d held pictures changed while painted", changed, painted)
	}
}

// TestDecoderThreads decodes a clip coded in four slices (as cameras often
// send) with one and with several slice threads, as player.DecoderThreads
// hands out, and compares every picture with FFmpeg's own decode.
func TestDecoderThreads(t *testing.T) {
	requireFFmpeg(t)
	clip := makeClip(t, t.TempDir(), "sliced.h264", "640x360", 1,
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-x264-params", "slices=4", "-pix_fmt", "yuv420p", "-f", "h264")
	ref := referenceRGBA(t, clip, 320, 180, "scale=320:180:flags=area,format=yuv420p") // as scaler shrinks 4:2:0
	aus := h264AccessUnits(t, clip)
	for _, threads := range []int{0, 1, 2, 4} {
		t.Run(fmt.Sprintf("%d threads", threads), func(t *testing.T) {
			dec, err := NewDecoderThreads(player.MimeTypeH264, threads)
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
			dec.SetOutputSize(320, 180)
			var got []*player.Frame
			emit := func(f *player.Frame) { f.Retain(); got = append(got, f) }
			for i, au := range aus {
				if err := dec.Decode(player.AccessUnit{Data: au, PTS: time.Duration(i) * time.Second / 30}, emit); err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
			}
			if len(got) != len(aus) {
				t.Fatalf("%d frames from %d access units", len(got), len(aus))
			}
			checkFrames(t, got, ref, 320, 180, 30)
		})
	}
}
