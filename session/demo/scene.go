package demo

import (
	"fmt"
	"image"
	"sync/atomic"
	"time"
)

// cameraScene is the still scene a camera may show instead of the test
// picture (a videofeed.Scene): an on-screen clock in which an object
// crosses now and then, like a real camera watching a quiet yard (the
// Yard's scene). It is drawn and encoded live, once per picture size for
// all the camera's viewers; the test picture (DrawPicture), whose
// background loops and whose clock is live, is one feed per size for
// every camera showing it.
type cameraScene struct {
	cam   *CameraSim
	still atomic.Bool
	// moveFrom and moveUntil bound the object's crossing (unix nanoseconds).
	moveFrom, moveUntil atomic.Int64
	// every, when positive, starts a crossing of cross every that often.
	every, cross atomic.Int64
}

// Yard's motion: an object crosses its still scene for yardCross every
// yardEvery.
const (
	yardEvery = 15 * time.Second
	yardCross = 2 * time.Second
)

// yardScene makes the camera the demo's motion scene: a still yard with
// its clock that someone crosses now and then. The site does it for the
// Yard (cam4) whether the window, "lookout demo" or a test starts it.
func (c *CameraSim) yardScene() {
	c.SetStill(true)
	c.MoveEvery(yardEvery, yardCross)
}

// SetStill switches the camera between the test picture (false) and a
// still scene with a running HH:MM:SS clock (true), for the streams that
// start after it.
func (c *CameraSim) SetStill(on bool) { c.scene.still.Store(on) }

// MoveObject makes an object cross the still scene from now, for d.
func (c *CameraSim) MoveObject(d time.Duration) {
	now := time.Now()
	c.scene.moveFrom.Store(now.UnixNano())
	c.scene.moveUntil.Store(now.Add(d).UnixNano())
}

// MoveEvery makes an object cross the still scene for cross every period
// (0 stops it).
func (c *CameraSim) MoveEvery(period, cross time.Duration) {
	c.scene.cross.Store(int64(cross))
	c.scene.every.Store(int64(period))
}

// Live implements videofeed.Scene: both pictures show the current time,
// so they are drawn live.
func (sc *cameraScene) Live() bool { return true }

// Draw implements videofeed.Scene: the camera's picture for the frame
// shown at now.
func (sc *cameraScene) Draw(img *image.YCbCr, now time.Time, frame int64) {
	if !sc.still.Load() {
		DrawPicture(img, sc.cam.name, now, frame)
		return
	}
	pos := -1.0
	from, until := sc.moveFrom.Load(), sc.moveUntil.Load()
	if n := now.UnixNano(); n >= from && n < until {
		pos = float64(n-from) / float64(until-from)
	} else if every, cross := sc.every.Load(), sc.cross.Load(); every > 0 && cross > 0 {
		if in := n % every; in < cross {
			pos = float64(in) / float64(cross)
		}
	}
	DrawStill(img, sc.cam.name, now, pos)
}

// DrawStill draws the still scene into img (4:2:0): a grey room with a
// dark window and a lighter floor, the camera name and a clock showing t
// as HH:MM:SS in the top right corner, and, when object is in [0, 1), a
// dark blue box that far across the picture. The result depends only on
// its arguments.
func DrawStill(img *image.YCbCr, name string, t time.Time, object float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || h <= 0 {
		return
	}
	for y := 0; y < h; y++ {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		for x := range row {
			v := 110 + x*30/w
			switch {
			case y > h*2/3:
				v = 150 + y*20/h // floor
			case x > w/10 && x < w/3 && y > h/6 && y < h/2:
				v = 50 // window
			}
			row[x] = uint8(v)
		}
	}
	for y := 0; y < (h+1)/2; y++ {
		fill(img.Cb[y*img.CStride:y*img.CStride+(w+1)/2], 128)
		fill(img.Cr[y*img.CStride:y*img.CStride+(w+1)/2], 128)
	}
	if object >= 0 && object < 1 {
		side := h / 4 &^ 1
		x0 := int(object*float64(w-side)) &^ 1
		y0 := (h/2 - side/4) &^ 1
		for y := y0; y < min(y0+side, h); y++ {
			for x := x0; x < min(x0+side, w); x++ {
				img.Y[y*img.YStride+x] = 40
			}
		}
		for y := y0 / 2; y < min((y0+side)/2, (h+1)/2); y++ {
			for x := x0 / 2; x < min((x0+side)/2, (w+1)/2); x++ {
				img.Cb[y*img.CStride+x] = 170
				img.Cr[y*img.CStride+x] = 110
			}
		}
	}
	cs := max((h/180)&^1, 2)
	clock := fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
	tw, _ := textSize(clock, cs)
	drawText(img, clock, (w-tw-cs*2)&^1, cs*2, cs)
	drawText(img, name, cs*2, cs*2, cs)
}
