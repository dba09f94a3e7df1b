package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
)

func TestTiles(t *testing.T) {
	for _, c := range []struct {
		name  string
		fps   float64
		cores int
		want  int
	}{
		{"doc example", 600, 2, 6},                    // 1.5 / (30*2/600 + 0.15)
		{"fast 8 cores", 6496, 8, 40},                 // 7.5 / (0.037 + 0.15)
		{"painting bounds a fast decoder", 1e9, 2, 9}, // 1.5 / (0.15 + 6e-8), just under 10
		{"decoding barely keeps up", 60, 2, 1},        // 1.5 / (1 + 0.15)
		{"too slow for one tile", 40, 2, 0},           // 1.5 / (1.5 + 0.15)
		{"one core", 300, 1, 2},                       // 0.5 / 0.25
		{"no fps", 0, 4, 0},
		{"negative fps", -5, 4, 0},
		{"no cores", 300, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Tiles(c.fps, c.cores); got != c.want {
				t.Errorf("Tiles(%v, %d) = %d, want %d", c.fps, c.cores, got, c.want)
			}
		})
	}
}

func TestCapacityClip(t *testing.T) {
	clip, err := CapacityClip(320, 180, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(clip, []byte{0, 0, 0, 1}) {
		t.Fatalf("clip starts % x, want an Annex-B start code", clip[:8])
	}
	again, err := CapacityClip(320, 180, 10)
	if err != nil || !bytes.Equal(clip, again) {
		t.Errorf("second clip differs (%v)", err)
	}
	// The stream decodes to 10 pictures of the asked size.
	aus, err := clipAUs(context.Background(), 320, 180, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.Join(aus, nil), clip) {
		t.Fatal("access units do not make the clip")
	}
	dec, err := ffmpeg.NewDecoder(player.MimeTypeH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var frames []*player.Frame
	for _, au := range aus {
		if err := dec.Decode(player.AccessUnit{Data: au}, func(f *player.Frame) { f.Retain(); frames = append(frames, f) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(frames) != 10 || frames[0].SourceWidth != 320 || frames[0].SourceHeight != 180 || !frames[0].Key {
		t.Fatalf("%d frames, first %+v", len(frames), frames[0])
	}

	for _, bad := range []struct{ w, h, n int }{{0, 180, 1}, {321, 180, 1}, {320, 181, 1}, {320, 180, 0}, {-2, 180, 1}} {
		if _, err := CapacityClip(bad.w, bad.h, bad.n); !errors.Is(err, ErrInvalidClip) {
			t.Errorf("CapacityClip(%d, %d, %d): %v, want ErrInvalidClip", bad.w, bad.h, bad.n, err)
		}
	}
}

func TestMeasureCapacity(t *testing.T) {
	defer func(w time.Duration) { measureWindow = w }(measureWindow)
	measureWindow = 300 * time.Millisecond
	// A bound against a hang, generous for the race detector on a loaded
	// machine: encoding the 1080p clip and decoding it on every core.
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	var steps []string
	c, err := MeasureCapacity(ctx, func(s string) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	t.Logf("%s", b)
	if c.DecodeFPS720p <= 0 || c.DecodeFPS1080p <= 0 || c.Tiles720p30 < 1 || c.Tiles1080p30 < 1 {
		t.Errorf("%s", b)
	}
	want := []string{"encoding a 720p test clip", "decoding 720p as fast as possible",
		"encoding a 1080p test clip", "decoding 1080p as fast as possible"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %q", steps)
	}
}

// TestDecodeFPSRunsDecodersInParallel: the capacity is measured with one
// decoder per core running at once, each of which decodes pictures, and the
// rate is the sum of what they decoded over the wall time.
func TestDecodeFPSRunsDecodersInParallel(t *testing.T) {
	aus, err := clipAUs(context.Background(), 320, 180, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d decoders", workers), func(t *testing.T) {
			start := time.Now()
			fps, per, err := decodeFPS(context.Background(), aus, 200*time.Millisecond, workers)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if len(per) != workers {
				t.Fatalf("%d decoders ran, want %d", len(per), workers)
			}
			total := 0
			for i, n := range per {
				if n < len(aus) {
					t.Errorf("decoder %d decoded %d pictures, less than one pass of %d", i, n, len(aus))
				}
				total += n
			}
			if upper := float64(total) / (200 * time.Millisecond).Seconds(); fps <= 0 || fps > upper || fps < float64(total)/elapsed.Seconds() {
				t.Errorf("rate %.1f fps for %d pictures in %v", fps, total, elapsed)
			}
		})
	}
}

func TestMeasureCapacityCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := MeasureCapacity(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
}

func TestCheckCodecs(t *testing.T) {
	c := CheckCodecs()
	if !slices.Contains(c.Decoders, "h264") || !slices.Contains(c.Decoders, "opus") || !slices.Contains(c.Encoders, "opus") {
		t.Errorf("%+v", c)
	}
	if c.HWAccel == nil {
		t.Fatal("HWAccel is nil, want [] at least")
	}
	b, err := json.Marshal(c)
	if err != nil || strings.Contains(string(b), "null") {
		t.Fatalf("%s %v", b, err)
	}
	t.Logf("%s", b)
	// Without a render node, VAAPI (the only GPU path on a Linux box
	// without proprietary drivers) cannot open.
	if _, err := os.Stat("/dev/dri"); os.IsNotExist(err) && slices.Contains(c.HWAccel, "vaapi") {
		t.Errorf("vaapi listed with no /dev/dri: %v", c.HWAccel)
	}
}

// BenchmarkCapacityDecode720p decodes the 720p capacity clip and scales it
// to a tile, as MeasureCapacity does; compare with the ffmpeg CLI on the
// same clip (see CapacityClip).
func BenchmarkCapacityDecode720p(b *testing.B) {
	aus, err := clipAUs(context.Background(), 1280, 720, CapacityFrames)
	if err != nil {
		b.Fatal(err)
	}
	if path := os.Getenv("LOOKOUT_CAPACITY_CLIP"); path != "" {
		if err := os.WriteFile(path, bytes.Join(aus, nil), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	dec, err := ffmpeg.NewDecoder(player.MimeTypeH264)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	dec.SetOutputSize(TileWidth, TileHeight)
	frames := 0
	emit := func(*player.Frame) { frames++ }
	for i := 0; b.Loop(); i++ {
		if err := dec.Decode(player.AccessUnit{Data: aus[i%len(aus)]}, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}
