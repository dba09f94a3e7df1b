package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"
)

// TestDemoTestPicturesAreNoMotion: the demo cameras' test pictures,
// encoded, sent and decoded for real, light no tile at the default
// sensitivity over 3.5 s (their clocks tick over three times).
func TestDemoTestPicturesAreNoMotion(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := openDemoWindow(t, fyne.NewSize(900, 600))
	defer d.close()
	a, b := d.live(t, "demo/cam1"), d.live(t, "demo/cam2")
	until := time.Now().Add(3500 * time.Millisecond)
	for drainUI(); time.Now().Before(until); drainUI() {
		if a.MotionShown() || b.MotionShown() {
			t.Fatalf("a test picture lit its tile (cam1 %v, cam2 %v)", a.MotionShown(), b.MotionShown())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
