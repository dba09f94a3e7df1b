package ui

import (
	"image"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
)

// countingSpeaker is a speaker that keeps count of what it is given.
type countingSpeaker struct {
	mu      sync.Mutex
	samples int
}

func (s *countingSpeaker) Format() audio.Format { return SpeakerFormat }
func (s *countingSpeaker) Write(p []int16) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples += len(p)
	return len(p), nil
}
func (s *countingSpeaker) Buffered() time.Duration { return 0 }
func (s *countingSpeaker) Close() error            { return nil }
func (s *countingSpeaker) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

func openTestClip(path string, out audio.Format) (ClipFile, error) {
	r, err := ffmpeg.OpenClip(path, out)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// TestEventClipPlaysInTheClipPlayer: Save clip on the demo's cam1 writes
// an event's clip (with the camera's G.711 sound); its ▶ opens the clip
// player, a window the size of the tile (at least 480 wide), paused on the clip's first
// picture with its position and length; Play advances the position and
// gives the speaker the clip's sound instead of the heard tile; Pause stops
// the position and gives the speaker back; a tap on the seek slider moves
// the clip there and shows the picture at that time; ▶ again brings the
// same window forward; its desktop button opens the file with the
// desktop's player; closing the window frees it.
func TestEventClipPlaysInTheClipPlayer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(1280, 720))
	defer d.close()
	d.win.opt.Actions.OpenClip = openTestClip
	spk := &countingSpeaker{}
	d.win.snd.speaker = spk
	d.win.snd.router.setSpeaker(spk)
	tile := d.live(t, "demo/cam1")
	d.live(t, "demo/cam2")
	d.win.snd.router.setHeard("demo/cam2")
	mt := tile.ctrl.(*runner).mt
	waitFor(t, "3 s of pre-roll", func() bool { return mt.Preroll().Span() >= 3*time.Second })
	ev := d.win.eventsOf()
	ev.after = 2 * time.Second
	d.win.saveClip("demo/cam1", tile)
	e := ev.list[0]
	for end := time.Now().Add(30 * time.Second); !e.written && !e.err; drainUI() {
		if time.Now().After(end) {
			t.Fatal("the clip was not written in 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e.err {
		t.Fatal(e.note)
	}
	// The clip, pictures and G.711 sound stamped as they arrived, reads
	// with no error in ffmpeg's CLI with its default options.
	path := e.clip.Path()
	if out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).CombinedOutput(); err != nil || strings.Fields(string(out))[1] != "pcm_alaw" {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg -v error: %v\n%s", err, out)
	}

	test.Tap(e.row.play)
	if len(ev.players) != 1 {
		t.Fatalf("▶ opened %d players", len(ev.players))
	}
	cv := ev.players[0]
	waitFor(t, "the clip's first picture", func() bool { return cv.img.Image != nil })
	// The clip's 16:9 picture at the largest size within the tile, and
	// at least minClipWidth wide.
	ts, b := tile.Size(), cv.img.Image.Bounds()
	want := ts.Width
	if ts.Width*9 > ts.Height*16 {
		want = ts.Height * 16 / 9
	}
	want = max(want, minClipWidth)
	if d := float32(b.Dx()) - want; d < -1 || d > 1 || b.Dx()*9 < b.Dy()*16-16 || b.Dx()*9 > b.Dy()*16+16 {
		t.Fatalf("the player decodes %v for a tile of %v, want %.0f wide and 16:9", b, ts, want)
	}
	if s := cv.w.Canvas().Size(); s.Width < float32(b.Dx())-1 || s.Width > float32(b.Dx())+1 || s.Height < float32(b.Dy()) {
		t.Fatalf("the player window is %v for a picture of %v", s, b)
	}
	dur := cv.p.Duration()
	if dur < 4*time.Second || cv.p.Playing() || cv.p.Position() != 0 || cv.p.Shown() != 0 {
		t.Fatalf("opened a clip of %v at %v (playing %v), showing %v", dur, cv.p.Position(), cv.p.Playing(), cv.p.Shown())
	}
	if want := "0:00 / " + clipClock(dur); cv.pos.Text != want || cv.play.Text != "Play" {
		t.Fatalf("the controls say %q and %q, want %q and Play", cv.pos.Text, cv.play.Text, want)
	}
	if cv.silent || cv.sound.Text != "sound while it plays" {
		t.Fatalf("the player says %q about the clip's sound", cv.sound.Text)
	}
	first := cv.img.Image
	if m := meanLevel(first.(*image.RGBA)); m < 60 {
		t.Fatalf("the first picture is dark (mean %d): not the demo's colour bars", m)
	}

	// Play: the position advances, the pictures change, the speaker
	// plays the clip.
	test.Tap(cv.play)
	if cv.play.Text != "Pause" || d.win.snd.router.Heard() != cv.heard {
		t.Fatalf("playing: the button says %q, the speaker plays %q", cv.play.Text, d.win.snd.router.Heard())
	}
	heardBefore := spk.count()
	waitFor(t, "the position past 1 s", func() bool { return cv.p.Position() >= time.Second && cv.slider.Value >= 0.9 })
	waitFor(t, "the clip's sound", func() bool { return spk.count() > heardBefore })
	if cv.p.Shown() == 0 || cv.img.Image == first && cv.shown.PTS == 0 {
		t.Fatalf("playing shows the picture of %v", cv.p.Shown())
	}

	// Pause: nothing moves, the speaker is the heard tile's again.
	test.Tap(cv.play)
	paused, shown := cv.p.Position(), cv.p.Shown()
	time.Sleep(300 * time.Millisecond)
	drainUI()
	if cv.p.Position() != paused || cv.p.Shown() != shown || cv.play.Text != "Play" {
		t.Fatalf("paused at %v showing %v: now %v showing %v (%q)", paused, shown, cv.p.Position(), cv.p.Shown(), cv.play.Text)
	}
	if h := d.win.snd.router.Heard(); h != "demo/cam2" {
		t.Fatalf("paused, the speaker plays %q, want the heard tile back", h)
	}
	if v := cv.slider.Value; v < paused.Seconds()-0.01 || v > paused.Seconds()+0.01 {
		t.Fatalf("the slider stands at %.2f s, paused at %v", v, paused)
	}

	// A tap at three quarters of the slider seeks there.
	sz := cv.slider.Size()
	test.TapAt(cv.slider, fyne.NewPos(sz.Width*3/4, sz.Height/2))
	target := time.Duration(cv.slider.Value * float64(time.Second))
	if target < dur/2 || target <= paused {
		t.Fatalf("a tap at 3/4 of the slider sets %v of %v", target, dur)
	}
	waitFor(t, "the seek", func() bool { return cv.p.Shown() <= target && cv.p.Shown() > target-200*time.Millisecond })
	if cv.p.Position() != target || cv.p.Playing() {
		t.Fatalf("sought to %v: position %v, playing %v", target, cv.p.Position(), cv.p.Playing())
	}
	drainUI()
	if want := clipClock(target) + " / " + clipClock(dur); cv.pos.Text != want {
		t.Fatalf("after the seek the position says %q, want %q", cv.pos.Text, want)
	}

	// ▶ again: the same window.
	test.Tap(e.row.play)
	if len(ev.players) != 1 || ev.players[0] != cv {
		t.Fatalf("a second ▶ made %d players", len(ev.players))
	}
	// The desktop's player, from the player's own button.
	open := openURL
	var opened *url.URL
	openURL = func(_ fyne.App, u *url.URL) error { opened = u; return nil }
	test.Tap(cv.desk)
	openURL = open
	if opened == nil || opened.Scheme != "file" || opened.Path != path {
		t.Fatalf("the desktop button opened %v, want file://%s", opened, path)
	}
	cv.w.Close()
	if len(ev.players) != 0 || !cv.closed {
		t.Fatalf("closing the window left %d players", len(ev.players))
	}
}

// meanLevel is the mean of a picture's RGB samples.
func meanLevel(m *image.RGBA) int {
	sum, n := 0, 0
	for i := 0; i+3 < len(m.Pix); i += 4 {
		sum += int(m.Pix[i]) + int(m.Pix[i+1]) + int(m.Pix[i+2])
		n += 3
	}
	return sum / max(n, 1)
}
