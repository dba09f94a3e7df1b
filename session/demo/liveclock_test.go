package demo

import (
	"image"
	"image/draw"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
)

// toRGBA converts a demo picture as a tile would see it.
func toRGBA(img *image.YCbCr) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	draw.Draw(out, out.Rect, img, img.Rect.Min, draw.Src)
	return out
}

// TestDemoPicturesAreNoMotionButTheYardIs: 8 s of the test picture at 25
// fps, at the sub stream's size and at a 4x4 tile's, never trips the
// motion detector at the default sensitivity (the clock ticks, the
// background drifts); the Yard's scene does while its object crosses.
func TestDemoPicturesAreNoMotionButTheYardIs(t *testing.T) {
	at := time.Date(2026, 12, 6, 20, 59, 58, 300e6, time.UTC)
	for _, size := range []image.Point{{SubWidth, SubHeight}, {MainWidth, MainHeight}} {
		det := player.NewMotionDetector(player.MotionConfigFor(player.SensitivityMedium))
		img := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio420)
		for i := range 200 {
			now := at.Add(time.Duration(i) * 40 * time.Millisecond)
			DrawPicture(img, "Front door", now, int64(i))
			if det.Observe(toRGBA(img), now) {
				t.Fatalf("%v: the test picture is motion at %v (frame %d, %d blocks changed)", size, now, i, det.Changed())
			}
		}
	}
	det := player.NewMotionDetector(player.MotionConfigFor(player.SensitivityMedium))
	img := image.NewYCbCr(image.Rect(0, 0, SubWidth, SubHeight), image.YCbCrSubsampleRatio420)
	moved := false
	for i := range 50 {
		now := at.Add(time.Duration(i) * 40 * time.Millisecond)
		DrawStill(img, "Yard", now, float64(i)/50)
		moved = det.Observe(toRGBA(img), now) || moved
	}
	if !moved {
		t.Fatal("the Yard's crossing is no motion: the detector sees nothing")
	}
}

// clockBox is where DrawPicture puts its clock in a w x h picture.
func clockBox(w, h int) image.Rectangle {
	scale := max(min(h/45, (w*9/10)/(8*glyphCell))&^1, 2)
	tw, th := textSize("00:00:00", scale)
	x, y := (w-tw)/2&^1, (h*2/5-th/2)&^1
	return image.Rect(x, y, x+tw, y+th)
}

// clockMismatch counts the pixels of the clock box that are light in one
// picture and dark in the other: decoded (RGBA from the decoder) against
// the test picture drawn for time at.
func clockMismatch(got *image.RGBA, at time.Time) int {
	w, h := got.Rect.Dx(), got.Rect.Dy()
	ref := NewPicture(w, h, "Front door", at, 0)
	box := clockBox(w, h)
	n := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			light := got.Pix[got.PixOffset(x, y)+1] > 128 // green follows luma
			if light != (ref.Y[y*ref.YStride+x] > 128) {
				n++
			}
		}
	}
	return n
}

// decodeSink decodes what a subscription sends and keeps the latest
// picture with the time it arrived.
type decodeSink struct {
	dec  *ffmpeg.Decoder
	mu   sync.Mutex
	last *image.RGBA
	at   time.Time
	err  error
}

func (d *decodeSink) WriteSample(s media.Sample, _ time.Time) error {
	err := d.dec.Decode(player.AccessUnit{Data: s.Data}, func(f *player.Frame) {
		img := image.NewRGBA(f.Image.Rect)
		copy(img.Pix, f.Image.Pix)
		d.mu.Lock()
		d.last, d.at = img, time.Now()
		d.mu.Unlock()
	})
	if err != nil {
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
	}
	return nil
}

// TestDemoClockIsLive: a demo camera's picture, decoded six seconds after
// its feed started (past the four seconds the feed used to record and
// replay), shows the second it was sent in, not one seconds old.
func TestDemoClockIsLive(t *testing.T) {
	s := startSite(t, Config{Cameras: 1})
	dec, err := ffmpeg.NewDecoder("video/H264")
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	sink := &decodeSink{dec: dec}
	sub, err := s.video.Subscribe(s.Camera("cam1").picture(false), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub.Connected()
	time.Sleep(6500 * time.Millisecond) // the old loop was 4 s long
	sub.Close()
	sink.mu.Lock()
	last, arrived, derr := sink.last, sink.at, sink.err
	sink.mu.Unlock()
	if last == nil {
		t.Fatalf("no picture decoded (%v)", derr)
	}
	best, bestAt := -1, time.Time{}
	for d := -6 * time.Second; d <= time.Second; d += time.Second {
		at := arrived.Add(d)
		if n := clockMismatch(last, at); best < 0 || n < best {
			best, bestAt = n, at
		}
	}
	box := clockBox(last.Rect.Dx(), last.Rect.Dy())
	t.Logf("the picture of %s shows %s (%d of %d clock pixels differ)", arrived.Format("15:04:05.000"), bestAt.Format("15:04:05"), best, box.Dx()*box.Dy())
	if age := arrived.Truncate(time.Second).Sub(bestAt.Truncate(time.Second)); age < 0 || age > time.Second {
		t.Fatalf("the picture that arrived at %s shows %s", arrived.Format("15:04:05.000"), bestAt.Format("15:04:05"))
	}
	if best > box.Dx()*box.Dy()/20 {
		t.Fatalf("no clock matches the picture: %d of %d pixels differ at best", best, box.Dx()*box.Dy())
	}
}

// TestYardIsTheMotionScene: a site started the plain way (as "lookout
// demo" and every test start it) shows the Yard's still scene with its
// crossing, and the other cameras the test picture.
func TestYardIsTheMotionScene(t *testing.T) {
	s := startSite(t, Config{Cameras: 4})
	yard := s.Camera("cam4")
	if yard.name != "Yard" || !yard.scene.still.Load() || yard.scene.every.Load() <= 0 || yard.scene.cross.Load() <= 0 {
		t.Fatalf("cam4 %q: still %v, crossing %v every %v", yard.name, yard.scene.still.Load(),
			time.Duration(yard.scene.cross.Load()), time.Duration(yard.scene.every.Load()))
	}
	for _, id := range []string{"cam1", "cam2", "cam3"} {
		if s.Camera(id).scene.still.Load() {
			t.Errorf("%s shows the still scene", id)
		}
	}
}
