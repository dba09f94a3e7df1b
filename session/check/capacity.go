package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/demo"
)

const (
	// CapacityFPS is the frame rate of the capacity clips and of the camera
	// streams the tile counts are for.
	CapacityFPS = 30
	// CapacityFrames is the length of each capacity clip: 2 s at 30 fps,
	// one keyframe interval of the encoder.
	CapacityFrames = 2 * CapacityFPS
	// TileWidth and TileHeight are the size every decoded picture is scaled
	// to while measuring, as the wall scales a stream to its tile.
	TileWidth, TileHeight = 640, 360
	// PaintCoresPerTile is the CPU, in cores, the UI spends painting one
	// 640x360 tile at 30 fps: 4 such tiles took 57% of one core with Fyne
	// under Xvfb and Mesa's llvmpipe (STACK.md). A machine with a GPU paints
	// for less, so the tile counts err on the safe side.
	PaintCoresPerTile = 0.15
	// ReservedCores is the CPU kept for everything besides decoding and
	// painting tiles: the window, the network, audio and talk.
	ReservedCores = 0.5
)

// measureWindow is how long each resolution is decoded, at least once over
// the whole clip.
var measureWindow = time.Second

// capacityEpoch is the clock the capacity clips show, fixed so that the
// clips are the same on every run.
var capacityEpoch = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// MeasureCapacity measures how fast this PC decodes H.264 camera streams
// and how many tiles it can show. For 720p and 1080p in turn it encodes a
// test clip (CapacityClip, CapacityFrames frames: the clips are generated
// in memory from the demo site's moving test picture rather than shipped as
// files, so nothing large sits in the repository), then runs as many
// ffmpeg.Decoders in parallel as the machine has cores (runtime.NumCPU),
// each on its own goroutine decoding the clip over and over and scaling
// every picture to a TileWidth x TileHeight RGBA tile as the wall does, for
// about a second, and reports the frames all of them decoded per second:
// the measured decoding rate of the whole machine, nothing multiplied. The
// tile counts follow Tiles, whose formula adds only the cost of painting
// and the reserve. progress, when set, is called before each step.
func MeasureCapacity(ctx context.Context, progress func(step string)) (*Capacity, error) {
	c := &Capacity{}
	cores := runtime.NumCPU()
	for _, r := range []struct {
		name  string
		w, h  int
		fps   *float64
		tiles *int
	}{
		{"720p", 1280, 720, &c.DecodeFPS720p, &c.Tiles720p30},
		{"1080p", 1920, 1080, &c.DecodeFPS1080p, &c.Tiles1080p30},
	} {
		if progress != nil {
			progress(fmt.Sprintf("encoding a %s test clip", r.name))
		}
		aus, err := clipAUs(ctx, r.w, r.h, CapacityFrames)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(fmt.Sprintf("decoding %s as fast as possible", r.name))
		}
		fps, _, err := decodeFPS(ctx, aus, measureWindow, cores)
		if err != nil {
			return nil, err
		}
		*r.fps = round1(fps)
		*r.tiles = Tiles(fps, cores)
	}
	return c, nil
}

// Tiles returns how many 30 fps streams of a resolution this PC can show
// when its cores, all decoding at once, decode and scale fps frames per
// second of it (MeasureCapacity's measured rate). Decoding a tile takes
// 30/fps of the machine, that is 30*cores/fps cores; the formula adds only
// what was not measured, PaintCoresPerTile to paint each tile, and keeps
// ReservedCores free for the rest of the app:
//
//	tiles = floor((cores - ReservedCores) / (30*cores/fps + PaintCoresPerTile))
//
// On 2 cores decoding 600 fps together, that is floor(1.5 / 0.25) = 6
// tiles. It returns 0 for fps or cores that are not positive.
func Tiles(fps float64, cores int) int {
	if fps <= 0 || cores <= 0 || math.IsNaN(fps) {
		return 0
	}
	budget := float64(cores) - ReservedCores
	if budget <= 0 {
		return 0
	}
	perTile := CapacityFPS*float64(cores)/fps + PaintCoresPerTile
	// A hair of slack keeps exact quotients (1.5/0.25) from flooring low.
	return int(math.Floor(budget/perTile + 1e-9))
}

// CapacityClip returns frames pictures of the demo site's moving test
// picture at w x h, with a light sensor-like grain so that it costs what a
// camera's picture costs, encoded at 30 fps with ffmpeg.NewH264Encoder
// (libx264 constrained baseline, a keyframe every 2 s, about 0.07 bit per
// pixel: 1.9 Mbit/s at 720p, 4.4 at 1080p, like a camera's main stream), as
// one Annex-B H.264 stream. The clip is the same on every call. Written to a
// file, it lets the ffmpeg CLI be compared with MeasureCapacity:
//
//	ffmpeg -benchmark -i clip.h264 -vf scale=640:360 -pix_fmt rgba -f null -
func CapacityClip(w, h, frames int) ([]byte, error) {
	aus, err := clipAUs(context.Background(), w, h, frames)
	if err != nil {
		return nil, err
	}
	return bytes.Join(aus, nil), nil
}

// clipAUs encodes the capacity clip and returns its access units.
func clipAUs(ctx context.Context, w, h, frames int) ([][]byte, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 || frames <= 0 {
		return nil, fmt.Errorf("check: capacity clip %dx%d, %d frames: %w", w, h, frames, ErrInvalidClip)
	}
	enc, err := ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{
		Width: w, Height: h, FPS: CapacityFPS,
		BitrateKbps: max(100, int(float64(w*h*CapacityFPS)*0.07/1000)),
	})
	if err != nil {
		return nil, fmt.Errorf("check: capacity clip: %w", err)
	}
	defer enc.Close()
	aus := make([][]byte, 0, frames)
	for i := range frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := capacityEpoch.Add(time.Duration(i) * time.Second / CapacityFPS)
		img := demo.NewPicture(w, h, "capacity", t, int64(i))
		addGrain(img.Y, uint64(i)+1)
		out, err := enc.Encode(img, i == 0)
		if err != nil {
			return nil, fmt.Errorf("check: capacity clip: %w", err)
		}
		aus = append(aus, out...)
	}
	if len(aus) == 0 {
		return nil, fmt.Errorf("check: capacity clip: the encoder produced nothing: %w", ErrInvalidClip)
	}
	return aus, nil
}

// addGrain adds deterministic noise of up to ±grainAmplitude to luma
// samples, like a camera sensor's: without it the test picture's flat areas
// cost the encoder almost nothing, and the decoder far less than a real
// camera's stream of the same bitrate.
func addGrain(y []byte, seed uint64) {
	s := seed*0x9e3779b97f4a7c15 | 1
	for i, v := range y {
		// xorshift64
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		n := int(s%(2*grainAmplitude+1)) - grainAmplitude
		y[i] = byte(max(16, min(235, int(v)+n)))
	}
}

// grainAmplitude is the largest luma change addGrain makes.
const grainAmplitude = 3

// decodeFPS runs workers decoders in parallel, each decoding aus over and
// over (the first is a keyframe with its parameter sets, so each pass
// starts clean) on its own goroutine for at least window and at least one
// pass, scaling to a tile. It returns the frames all of them emitted per
// second of wall time, and how many frames each emitted.
func decodeFPS(ctx context.Context, aus [][]byte, window time.Duration, workers int) (float64, []int, error) {
	workers = max(workers, 1)
	frames := make([]int, workers)
	errs := make([]error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frames[i], errs[i] = decodeLoop(ctx, aus, start, window)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	// The first decoder that failed cancelled the others: report its error.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return 0, nil, first
	}
	total := 0
	for _, n := range frames {
		total += n
	}
	if total == 0 {
		return 0, nil, fmt.Errorf("check: capacity: the decoder produced no picture: %w", ErrInvalidClip)
	}
	return float64(total) / elapsed.Seconds(), frames, nil
}

// decodeLoop is one decoder of decodeFPS: whole passes over aus until
// window has passed since start; it returns the frames emitted.
func decodeLoop(ctx context.Context, aus [][]byte, start time.Time, window time.Duration) (int, error) {
	dec, err := ffmpeg.NewDecoder(player.MimeTypeH264)
	if err != nil {
		return 0, fmt.Errorf("check: capacity: %w", err)
	}
	defer dec.Close()
	dec.SetOutputSize(TileWidth, TileHeight)
	frames := 0
	emit := func(*player.Frame) { frames++ }
	var n int64
	for {
		for _, au := range aus {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			pts := time.Duration(n) * time.Second / CapacityFPS
			n++
			if err := dec.Decode(player.AccessUnit{Data: au, PTS: pts}, emit); err != nil {
				return 0, fmt.Errorf("check: capacity: %w", err)
			}
		}
		if time.Since(start) >= window {
			return frames, nil
		}
	}
}
