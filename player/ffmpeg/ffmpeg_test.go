package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/player"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// requireFFmpeg skips tests that need the ffmpeg CLI for fixtures.
func requireFFmpeg(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Skip("the ffmpeg CLI is not installed; it makes the fixtures and reference decodes")
	}
}

func runFFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// makeClip encodes testsrc2 with the given encoder arguments into dir/name.
func makeClip(tb testing.TB, dir, name, size string, seconds float64, enc ...string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	args := []string{"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30", "-t", fmt.Sprint(seconds)}
	args = append(args, enc...)
	runFFmpeg(tb, append(args, path)...)
	return path
}

// referenceRGBA decodes a clip with the ffmpeg CLI into RGBA frames.
func referenceRGBA(tb testing.TB, clip string, w, h int, filter string) [][]byte {
	tb.Helper()
	out := filepath.Join(filepath.Dir(clip), filepath.Base(clip)+fmt.Sprintf(".%dx%d.rgba", w, h))
	args := []string{"-i", clip}
	if filter != "" {
		args = append(args, "-vf", filter)
	}
	runFFmpeg(tb, append(args, "-f", "rawvideo", "-pix_fmt", "rgba", out)...)
	raw, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	n := w * h * 4
	if len(raw)%n != 0 {
		tb.Fatalf("reference is %d bytes, not a multiple of %d", len(raw), n)
	}
	var frames [][]byte
	for i := 0; i < len(raw); i += n {
		frames = append(frames, raw[i:i+n])
	}
	return frames
}

// h264AccessUnits reads an Annex-B file with pion's h264reader and groups its
// NAL units into access units: a new one starts at an AUD, at parameter sets
// or SEI after a slice, or at a slice with first_mb_in_slice == 0 after a slice.
func h264AccessUnits(tb testing.TB, path string) [][]byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := h264reader.NewReaderWithOptions(f, h264reader.WithIncludeSEI(true))
	if err != nil {
		tb.Fatal(err)
	}
	var aus [][]byte
	var cur []byte
	sawSlice := false
	flush := func() {
		if len(cur) > 0 {
			aus = append(aus, cur)
		}
		cur, sawSlice = nil, false
	}
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		switch t := nal.UnitType; {
		case t == h264reader.NalUnitTypeAUD:
			flush()
		case t == h264reader.NalUnitTypeSPS || t == h264reader.NalUnitTypePPS || t == h264reader.NalUnitTypeSEI:
			if sawSlice {
				flush()
			}
		case t == h264reader.NalUnitTypeCodedSliceIdr || t == h264reader.NalUnitTypeCodedSliceNonIdr:
			if mb, _, ok := player.H264SliceHeader(nal.Data); ok && mb == 0 && sawSlice {
				flush()
			}
			sawSlice = true
		}
		cur = append(cur, 0, 0, 0, 1)
		cur = append(cur, nal.Data...)
	}
	flush()
	return aus
}

// packetize turns access units into RTP packets, one timestamp per unit.
func packetize(aus [][]byte, payloader rtp.Payloader) []*rtp.Packet {
	p := rtp.NewPacketizer(1200, 96, 0x5eed, payloader, rtp.NewFixedSequencer(65500), 90000)
	var out []*rtp.Packet
	for _, au := range aus {
		for _, pkt := range p.Packetize(au, 3000) {
			b, err := pkt.Marshal()
			if err != nil {
				panic(err)
			}
			var q rtp.Packet
			if err := q.Unmarshal(b); err != nil {
				panic(err)
			}
			out = append(out, &q)
		}
	}
	return out
}

// sliceSource replays packets and ends with io.EOF. It moves a fake clock to
// each packet's send time (its RTP timestamp), as a camera sending in real
// time over a perfect network would.
type sliceSource struct {
	pkts []*rtp.Packet
	i    int
	base time.Time
	now  time.Time
}

func (s *sliceSource) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	if s.i >= len(s.pkts) {
		return nil, nil, io.EOF
	}
	p := s.pkts[s.i]
	s.i++
	s.now = s.base.Add(time.Duration(p.Timestamp-s.pkts[0].Timestamp) * time.Second / 90000)
	return p, nil, nil
}

type collectSink struct{ frames []*player.Frame }

// PutFrame keeps every frame, so it retains each (pooled frames are reused
// once released).
func (c *collectSink) PutFrame(f *player.Frame) {
	f.Retain()
	c.frames = append(c.frames, f)
}

type pipelineResult struct {
	frames   []*player.Frame
	stats    player.Stats
	requests int
}

// runPipeline feeds packets through player.Video and this package's decoder.
func runPipeline(t *testing.T, mime string, pkts []*rtp.Packet, outW, outH int) pipelineResult {
	t.Helper()
	dec, err := NewDecoder(mime)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dec.SetOutputSize(outW, outH)
	sink := &collectSink{}
	var res pipelineResult
	src := &sliceSource{pkts: pkts, base: time.Unix(1_700_000_000, 0)}
	src.now = src.base
	v, err := player.NewVideo(player.VideoConfig{
		MimeType:        mime,
		Sink:            sink,
		RequestKeyframe: func() { res.requests++ },
		Now:             func() time.Time { return src.now },
	}, dec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := v.Run(ctx, src); err != nil {
		t.Fatalf("Run: %v", err)
	}
	res.frames, res.stats = sink.frames, v.Stats()
	return res
}

// psnr compares the RGB channels of two RGBA buffers.
func psnr(a, b []byte) float64 {
	var sum float64
	n := 0
	for i := 0; i+3 < len(a) && i+3 < len(b); i += 4 {
		for c := range 3 {
			d := float64(a[i+c]) - float64(b[i+c])
			sum += d * d
			n++
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// frameIndex maps a PTS at 30 fps to the frame number.
func frameIndex(pts time.Duration) int {
	return int((pts + 5*time.Millisecond) * 30 / time.Second)
}

func checkFrames(t *testing.T, frames []*player.Frame, ref [][]byte, w, h int, minPSNR float64) {
	t.Helper()
	worst := math.Inf(1)
	for _, f := range frames {
		if f.Image.Rect.Dx() != w || f.Image.Rect.Dy() != h || f.Image.Stride != 4*w {
			t.Fatalf("frame is %v stride %d, want %dx%d", f.Image.Rect, f.Image.Stride, w, h)
		}
		i := frameIndex(f.PTS)
		if i < 0 || i >= len(ref) {
			t.Fatalf("frame PTS %v is outside the clip", f.PTS)
		}
		p := psnr(f.Image.Pix, ref[i])
		if p < minPSNR {
			t.Errorf("frame %d: PSNR %.1f dB, want >= %.0f", i, p, minPSNR)
		}
		worst = min(worst, p)
	}
	t.Logf("%d frames, worst PSNR %.1f dB", len(frames), worst)
}

func TestH264ThroughVideo(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	clip := makeClip(t, dir, "clip.h264", "640x360", 3,
		"-c:v", "libx264", "-bf", "0", "-g", "30", "-pix_fmt", "yuv420p", "-f", "h264")
	ref := referenceRGBA(t, clip, 640, 360, "")
	refSmall := referenceRGBA(t, clip, 320, 180, "scale=320:180")
	aus := h264AccessUnits(t, clip)
	if len(aus) != len(ref) {
		t.Fatalf("grouped %d access units, the CLI decoded %d frames", len(aus), len(ref))
	}
	for i, au := range aus {
		if key := player.IsKeyframe(player.MimeTypeH264, au); key != (i%30 == 0) {
			t.Fatalf("access unit %d: IsKeyframe = %v", i, key)
		}
	}
	pkts := packetize(aus, &codecs.H264Payloader{})
	n := len(ref)

	swapped := append([]*rtp.Packet(nil), pkts...)
	for i := 0; i+1 < len(swapped); i += 2 {
		swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
	}

	// Drop one packet of frame 40; the next keyframe is frame 60.
	var dropped []*rtp.Packet
	var droppedTS uint32
	lostFrame := 40
	for i, p := range pkts {
		if droppedTS == 0 && i > 0 && p.Timestamp-pkts[0].Timestamp == uint32(lostFrame*3000) {
			droppedTS = p.Timestamp
			continue
		}
		dropped = append(dropped, p)
	}

	cases := []struct {
		name       string
		pkts       []*rtp.Packet
		w, h       int
		ref        [][]byte
		minPSNR    float64
		want       []int
		lost       uint64
		minRequest int
	}{
		{"source size", pkts, 0, 0, ref, 30, seqInts(0, n), 0, 1},
		{"scaled to 320x180", pkts, 320, 180, refSmall, 25, seqInts(0, n), 0, 1},
		{"neighbours swapped", swapped, 0, 0, ref, 30, seqInts(0, n), 0, 1},
		{"one packet dropped", dropped, 0, 0, ref, 30, append(seqInts(0, lostFrame), seqInts(60, n)...), 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runPipeline(t, player.MimeTypeH264, tc.pkts, tc.w, tc.h)
			w, h := 640, 360
			if tc.w != 0 {
				w, h = tc.w, tc.h
			}
			var got []int
			for _, f := range res.frames {
				got = append(got, frameIndex(f.PTS))
				if f.SourceWidth != 640 || f.SourceHeight != 360 {
					t.Fatalf("source size %dx%d", f.SourceWidth, f.SourceHeight)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("decoded frames %v\nwant %v", got, tc.want)
			}
			checkFrames(t, res.frames, tc.ref, w, h, tc.minPSNR)
			if !res.frames[0].Key {
				t.Errorf("first frame not marked as key")
			}
			if res.stats.PacketsLost != tc.lost {
				t.Errorf("PacketsLost = %d, want %d", res.stats.PacketsLost, tc.lost)
			}
			if res.requests < tc.minRequest {
				t.Errorf("%d keyframe requests, want at least %d", res.requests, tc.minRequest)
			}
			if res.stats.Width != 640 || res.stats.Height != 360 || res.stats.Codec != "H264" {
				t.Errorf("stats %+v", res.stats)
			}
		})
	}
}

func seqInts(from, to int) []int {
	var r []int
	for i := from; i < to; i++ {
		r = append(r, i)
	}
	return r
}

func TestVP8ThroughVideo(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	clip := makeClip(t, dir, "clip.ivf", "320x240", 1,
		"-c:v", "libvpx", "-b:v", "2M", "-g", "15", "-deadline", "realtime", "-f", "ivf")
	ref := referenceRGBA(t, clip, 320, 240, "")
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var aus [][]byte
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		aus = append(aus, frame)
	}
	if len(aus) != len(ref) {
		t.Fatalf("%d IVF frames, %d reference frames", len(aus), len(ref))
	}
	if !player.IsKeyframe(player.MimeTypeVP8, aus[0]) || player.IsKeyframe(player.MimeTypeVP8, aus[1]) {
		t.Fatal("VP8 keyframe detection disagrees with the clip")
	}
	res := runPipeline(t, player.MimeTypeVP8, packetize(aus, &codecs.VP8Payloader{EnablePictureID: true}), 0, 0)
	if len(res.frames) != len(ref) {
		t.Fatalf("decoded %d frames, want %d (the last at its marker)", len(res.frames), len(ref))
	}
	checkFrames(t, res.frames, ref, 320, 240, 30)
	if res.stats.Codec != "VP8" || res.stats.PacketsLost != 0 {
		t.Errorf("stats %+v", res.stats)
	}
}

func TestDecoderRecoversAfterGarbage(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	clip := makeClip(t, dir, "clip.h264", "320x240", 1,
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-pix_fmt", "yuv420p", "-f", "h264")
	ref := referenceRGBA(t, clip, 320, 240, "")
	aus := h264AccessUnits(t, clip)
	dec, err := NewDecoder("video/h264")
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var got []*player.Frame
	emit := func(f *player.Frame) { f.Retain(); got = append(got, f) }
	for i := range 3 {
		if err := dec.Decode(player.AccessUnit{Data: aus[i], PTS: time.Duration(i) * time.Second / 30}, emit); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	garbage := append([]byte{0, 0, 0, 1, 0x65}, bytes.Repeat([]byte{0xff, 0x13, 0x7f}, 300)...)
	garbageErr := dec.Decode(player.AccessUnit{Data: garbage, PTS: 3 * time.Second / 30}, emit)
	if garbageErr == nil {
		t.Fatal("a garbage IDR decoded without error")
	}
	before := len(got)
	for i := 10; i < 13; i++ { // resume at the next IDR
		if err := dec.Decode(player.AccessUnit{Data: aus[i], PTS: time.Duration(i) * time.Second / 30}, emit); err != nil {
			t.Fatalf("frame %d after garbage: %v", i, err)
		}
	}
	if len(got)-before != 3 {
		t.Fatalf("%d frames after the next IDR, want 3", len(got)-before)
	}
	checkFrames(t, got[before:], ref, 320, 240, 30)
	if before != 3 {
		t.Errorf("garbage produced %d pictures", before-3)
	}
	if err := dec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dec.Close(); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if err := dec.Decode(player.AccessUnit{Data: aus[0]}, emit); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("Decode after Close = %v, want ErrClosed", err)
	}
}

func TestNewDecoder(t *testing.T) {
	for _, tc := range []struct {
		mime string
		ok   bool
	}{
		{"video/H264", true},
		{"video/H265", true},
		{"video/VP8", true},
		{"video/VP9", true},
		{"video/AV1", true},
		{"video/MP4V-ES", false},
		{"audio/opus", false},
	} {
		t.Run(tc.mime, func(t *testing.T) {
			d, err := NewDecoder(tc.mime)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if err := d.Close(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, player.ErrUnsupportedCodec) {
				t.Fatalf("err = %v, want ErrUnsupportedCodec", err)
			}
		})
	}
}

func TestOutputSize(t *testing.T) {
	d := &Decoder{}
	for _, tc := range []struct {
		w, h, srcW, srcH, wantW, wantH int
	}{
		{0, 0, 1920, 1080, 1920, 1080},
		{320, 180, 1920, 1080, 320, 180},
		{320, 0, 1920, 1080, 320, 180},
		{0, 360, 1920, 1080, 640, 360},
		{-5, -5, 640, 480, 640, 480},
	} {
		d.SetOutputSize(tc.w, tc.h)
		if w, h := d.out.resolve(tc.srcW, tc.srcH); w != tc.wantW || h != tc.wantH {
			t.Errorf("SetOutputSize(%d,%d) on %dx%d = %dx%d, want %dx%d", tc.w, tc.h, tc.srcW, tc.srcH, w, h, tc.wantW, tc.wantH)
		}
	}
}

func TestCodecs(t *testing.T) {
	dec, enc := Codecs()
	t.Logf("decoders %v encoders %v", dec, enc)
	want := map[string][]string{
		"decoders": {"h264", "hevc", "vp8", "vp9", "av1", "opus", "pcm_mulaw", "pcm_alaw", "aac"},
		"encoders": {"opus", "pcm_mulaw", "pcm_alaw"},
	}
	// Debian 12's FFmpeg has all of them.
	if fmt.Sprint(dec) != fmt.Sprint(want["decoders"]) {
		t.Errorf("decoders = %v, want %v", dec, want["decoders"])
	}
	if fmt.Sprint(enc) != fmt.Sprint(want["encoders"]) {
		t.Errorf("encoders = %v, want %v", enc, want["encoders"])
	}
}

// movingPicture draws a gradient with a bright square that moves each frame.
func movingPicture(w, h, i int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			v := 16 + (x+y+2*i)%200
			if x >= 10+4*i && x < 60+4*i && y >= 20+2*i && y < 70+2*i {
				v = 230
			}
			img.Y[y*img.YStride+x] = uint8(v)
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			img.Cb[y*img.CStride+x] = uint8(64 + (x*2+i)%128)
			img.Cr[y*img.CStride+x] = uint8(192 - (y*2)%128)
		}
	}
	return img
}

func nalTypes(au []byte) []int {
	var types []int
	for i := 0; i+3 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 {
			types = append(types, int(au[i+3]&0x1f))
			i += 3
		}
	}
	return types
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestH264Encoder(t *testing.T) {
	requireFFmpeg(t)
	const w, h, n = 320, 240, 30
	enc, err := NewH264Encoder(EncoderConfig{Width: w, Height: h, FPS: 30, BitrateKbps: 2000})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var stream []byte
	var src []*image.YCbCr
	for i := range n {
		img := movingPicture(w, h, i)
		src = append(src, img)
		aus, err := enc.Encode(img, i == 17)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if len(aus) != 1 {
			t.Fatalf("frame %d: %d access units, want 1 with zerolatency", i, len(aus))
		}
		types := nalTypes(aus[0])
		idr := contains(types, 5)
		if want := i == 0 || i == 17; idr != want {
			t.Errorf("frame %d: NAL types %v, IDR = %v, want %v", i, types, idr, want)
		}
		if idr && (!contains(types, 7) || !contains(types, 8)) {
			t.Errorf("frame %d: IDR without SPS/PPS in band: NAL types %v", i, types)
		}
		if !idr && (contains(types, 7) || contains(types, 8)) {
			t.Errorf("frame %d: parameter sets outside an IDR: %v", i, types)
		}
		stream = append(stream, aus[0]...)
	}
	if _, err := enc.Encode(movingPicture(w+2, h, 0), false); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("wrong size: err = %v, want ErrInvalidConfig", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "enc.h264")
	if err := os.WriteFile(path, stream, 0o600); err != nil {
		t.Fatal(err)
	}
	yuv := filepath.Join(dir, "enc.yuv")
	runFFmpeg(t, "-f", "h264", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", yuv)
	raw, err := os.ReadFile(yuv)
	if err != nil {
		t.Fatal(err)
	}
	size := w * h * 3 / 2
	if len(raw) != n*size {
		t.Fatalf("the CLI decoded %d bytes, want %d frames", len(raw), n)
	}
	for i := range n {
		p := psnrPlane(src[i].Y, raw[i*size:i*size+w*h])
		if p < 30 {
			t.Errorf("frame %d: luma PSNR %.1f dB, want >= 30", i, p)
		}
	}

	// The encoder's output also decodes through this package's decoder.
	dec, err := NewDecoder(player.MimeTypeH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	frames := 0
	for _, au := range h264AccessUnits(t, path) {
		if err := dec.Decode(player.AccessUnit{Data: au}, func(*player.Frame) { frames++ }); err != nil {
			t.Fatal(err)
		}
	}
	if frames != n {
		t.Fatalf("decoded %d frames, want %d", frames, n)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(src[0], false); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("Encode after Close = %v, want ErrClosed", err)
	}
}

func psnrPlane(a, b []byte) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(len(a))))
}

func TestNewH264EncoderConfig(t *testing.T) {
	for _, cfg := range []EncoderConfig{{}, {Width: 321, Height: 240}, {Width: 320, Height: -2}} {
		if _, err := NewH264Encoder(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewH264Encoder(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

// BenchmarkDecode720p decodes a 720p H.264 clip and scales it to 320x180,
// the work one wall tile does per frame.
func BenchmarkDecode720p(b *testing.B) {
	requireFFmpeg(b)
	clip := makeClip(b, b.TempDir(), "clip.h264", "1280x720", 2,
		"-c:v", "libx264", "-bf", "0", "-g", "60", "-b:v", "2M", "-pix_fmt", "yuv420p", "-f", "h264")
	aus := h264AccessUnits(b, clip)
	dec, err := NewDecoder(player.MimeTypeH264)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	dec.SetOutputSize(320, 180)
	frames := 0
	emit := func(f *player.Frame) {
		if f.Image.Rect.Dx() != 320 {
			b.Fatalf("frame width %d", f.Image.Rect.Dx())
		}
		frames++
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		// The clip starts with an IDR, so looping it is a valid stream.
		if err := dec.Decode(player.AccessUnit{Data: aus[i%len(aus)], PTS: time.Duration(i) * time.Second / 30}, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(frames)/time.Since(start).Seconds(), "frames/s")
}

// TestHWAccels: the list is never nil (the report reads []) and sorted; on
// a machine without a GPU it is empty, elsewhere it names real device types.
func TestHWAccels(t *testing.T) {
	got := HWAccels()
	if got == nil || !slices.IsSorted(got) {
		t.Fatalf("HWAccels() = %#v, want a sorted, non-nil list", got)
	}
	for _, name := range got {
		if astiav.FindHardwareDeviceTypeByName(name) == astiav.HardwareDeviceTypeNone {
			t.Errorf("%q is not an FFmpeg hardware device type", name)
		}
	}
}

// TestScaledLikeTheCLI: a camera's 640x360 picture shrunk to a 4x4 wall's
// tile (267x150 and 234x130 in a 1280x720 window) is, at an even height,
// the ffmpeg CLI's picture area-averaged in 4:2:0 and then converted to
// RGBA (the two steps of scaler), pixel for pixel but for rounding; its
// brightness is the CLI's one-step area-averaged picture's (above 40 dB on
// luma), its colour at 4:2:0's resolution. At an odd height, one step: the
// CLI's one-step picture.
func TestScaledLikeTheCLI(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	clip := makeClip(t, dir, "clip.h264", "640x360", 1,
		"-c:v", "libx264", "-bf", "0", "-g", "30", "-pix_fmt", "yuv420p", "-f", "h264")
	for _, size := range []image.Point{{267, 150}, {234, 130}, {234, 131}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			w, h := size.X, size.Y
			// referenceRGBA names its output after the clip and the size.
			link := func(name string) string {
				p := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.h264", name, w, h))
				if err := os.Link(clip, p); err != nil {
					t.Fatal(err)
				}
				return p
			}
			oneStep := referenceRGBA(t, link("one"), w, h, fmt.Sprintf("scale=%d:%d:flags=area", w, h))
			want := oneStep
			if h%2 == 0 {
				want = referenceRGBA(t, link("two"), w, h, fmt.Sprintf("scale=%d:%d:flags=area,format=yuv420p", w, h))
			}
			pkts := packetize(h264AccessUnits(t, clip), &codecs.H264Payloader{})
			res := runPipeline(t, player.MimeTypeH264, pkts, w, h)
			if len(res.frames) != len(want) {
				t.Fatalf("%d frames, the CLI made %d", len(res.frames), len(want))
			}
			checkFrames(t, res.frames, want, w, h, 50)
			worst := math.Inf(1)
			for i, f := range res.frames {
				worst = min(worst, lumaPSNR(f.Image.Pix, oneStep[i]))
				f.Release()
			}
			t.Logf("luma against the one-step picture: worst %.1f dB", worst)
			if worst < 40 {
				t.Errorf("luma against the CLI's one-step picture: worst %.1f dB, want >= 40", worst)
			}
		})
	}
}

// lumaPSNR compares the brightness (BT.601 weights) of two RGBA pictures.
func lumaPSNR(a, b []byte) float64 {
	var se float64
	n := 0
	for i := 0; i+3 < len(a) && i+3 < len(b); i += 4 {
		ya := 0.299*float64(a[i]) + 0.587*float64(a[i+1]) + 0.114*float64(a[i+2])
		yb := 0.299*float64(b[i]) + 0.587*float64(b[i+1]) + 0.114*float64(b[i+2])
		se += (ya - yb) * (ya - yb)
		n++
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}
