package demo

import (
	"fmt"
	"image"
	"time"
)

// Sizes of the two streams every simulated camera offers, as its skill
// announces them (streamType 2 is the main stream, 4 the sub stream).
const (
	MainWidth  = 1280
	MainHeight = 720
	SubWidth   = 640
	SubHeight  = 360
)

// barColours are the eight colour bars (white, yellow, cyan, green, magenta,
// red, blue, black) as BT.601 limited-range Y, Cb, Cr.
var barColours = [8][3]uint8{
	{235, 128, 128},
	{210, 16, 146},
	{170, 166, 16},
	{145, 54, 34},
	{106, 202, 222},
	{81, 90, 240},
	{41, 240, 110},
	{16, 128, 128},
}

// NewPicture allocates a w x h 4:2:0 picture and draws the demo test picture
// into it with DrawPicture.
func NewPicture(w, h int, name string, t time.Time, frame int64) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	DrawPicture(img, name, t, frame)
	return img
}

// DrawPicture draws the demo test picture into img, which must be 4:2:0:
// the background, colour bars over the top two thirds and a grey ramp
// below, which steps one bar to the left each second and so loops every
// eight seconds; a large clock showing t as HH:MM:SS (in t's location) in
// the middle; and "LOOKOUT DEMO" and the picture size in the top left
// corner. Neither name nor frame is drawn: every camera and stream of one
// size shows the same picture, encoded once for all
// (videofeed.Config.NameBlind). The result depends only on its arguments.
//
// Nothing in it is motion at any sensitivity (player.MotionConfigFor):
// the picture changes once a second, background and clock together, and
// motion is change in three measurements in a row, 100 ms apart.
func DrawPicture(img *image.YCbCr, _ string, t time.Time, _ int64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || h <= 0 {
		return
	}
	cw, ch := (w+1)/2, (h+1)/2
	barsEnd := h * 2 / 3 &^ 1
	step := (t.Unix()%8 + 8) % 8
	shift := int(step) * w / 8

	// Every row of the bars (and of the ramp) is the same, so build one row
	// of each plane and copy it down.
	rowY := img.Y[:w]
	rowCb, rowCr := img.Cb[:cw], img.Cr[:cw]
	for x := 0; x < w; x++ {
		c := barColours[((x+shift)%w)*8/w]
		rowY[x] = c[0]
		if x%2 == 0 {
			rowCb[x/2], rowCr[x/2] = c[1], c[2]
		}
	}
	for y := 1; y < barsEnd; y++ {
		copy(img.Y[y*img.YStride:y*img.YStride+w], rowY)
	}
	for y := 1; y < barsEnd/2; y++ {
		copy(img.Cb[y*img.CStride:y*img.CStride+cw], rowCb)
		copy(img.Cr[y*img.CStride:y*img.CStride+cw], rowCr)
	}
	if barsEnd < h {
		ramp := img.Y[barsEnd*img.YStride : barsEnd*img.YStride+w]
		for x := 0; x < w; x++ {
			ramp[x] = uint8(16 + (x+w-shift)%w*219/w)
		}
		for y := barsEnd + 1; y < h; y++ {
			copy(img.Y[y*img.YStride:y*img.YStride+w], ramp)
		}
		for y := barsEnd / 2; y < ch; y++ {
			fill(img.Cb[y*img.CStride:y*img.CStride+cw], 128)
			fill(img.Cr[y*img.CStride:y*img.CStride+cw], 128)
		}
	}

	// The clock: 8 glyphs as large as the picture allows, on a black box.
	clock := fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
	scale := min(h/45, (w*9/10)/(len(clock)*glyphCell))
	scale = max(scale&^1, 2)
	tw, th := textSize(clock, scale)
	drawText(img, clock, (w-tw)/2&^1, (h*2/5-th/2)&^1, scale)

	// The caption: the size (a frame number would be motion, a name would
	// cost an encoder per camera).
	caption := fmt.Sprintf("LOOKOUT DEMO %dX%d", w, h)
	cs := max((h/180)&^1, 2)
	drawText(img, caption, cs*2, cs*2, cs)
}

func fill(b []uint8, v uint8) {
	for i := range b {
		b[i] = v
	}
}

// glyphCell is the width and glyphRows the height of a glyph cell of the
// built-in font, in font pixels (5x7 glyphs plus one pixel of spacing).
const (
	glyphCell = 6
	glyphRows = 8
)

// textSize returns the size of the box drawText paints for s at scale.
func textSize(s string, scale int) (w, h int) {
	return (len(s)*glyphCell + 1) * scale, (glyphRows + 1) * scale
}

// drawText paints s in white on a black box with its top left corner at
// (x0, y0), each font pixel scale x scale picture pixels, clipped to img.
func drawText(img *image.YCbCr, s string, x0, y0, scale int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	bw, bh := textSize(s, scale)
	for y := max(y0, 0); y < min(y0+bh, h); y++ {
		for x := max(x0, 0); x < min(x0+bw, w); x++ {
			img.Y[y*img.YStride+x] = 16
			if x%2 == 0 && y%2 == 0 {
				img.Cb[y/2*img.CStride+x/2] = 128
				img.Cr[y/2*img.CStride+x/2] = 128
			}
		}
	}
	for i := 0; i < len(s); i++ {
		g := glyph(s[i])
		gx := x0 + (i*glyphCell+1)*scale
		for row := 0; row < 7; row++ {
			for col := 0; col < 5; col++ {
				if g[row]&(0x10>>col) == 0 {
					continue
				}
				px, py := gx+col*scale, y0+(row+1)*scale
				for y := max(py, 0); y < min(py+scale, h); y++ {
					line := img.Y[y*img.YStride:]
					for x := max(px, 0); x < min(px+scale, w); x++ {
						line[x] = 235
					}
				}
			}
		}
	}
}

// glyph returns the 5x7 bitmap of c, one byte per row with the leftmost
// pixel in bit 4; lower-case letters use the capitals and characters
// without a glyph are drawn as '?'.
func glyph(c byte) [7]uint8 {
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	switch {
	case c >= '0' && c <= '9':
		return digitGlyphs[c-'0']
	case c >= 'A' && c <= 'Z':
		return letterGlyphs[c-'A']
	}
	if g, ok := otherGlyphs[c]; ok {
		return g
	}
	return otherGlyphs['?']
}

var digitGlyphs = [10][7]uint8{
	{0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},
	{0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
	{0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},
	{0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
	{0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},
	{0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
	{0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},
	{0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
	{0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},
	{0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
}

var letterGlyphs = [26][7]uint8{
	{0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}, // A
	{0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, // B
	{0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, // C
	{0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, // D
	{0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, // E
	{0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, // F
	{0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, // G
	{0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, // H
	{0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, // I
	{0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, // J
	{0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, // K
	{0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, // L
	{0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, // M
	{0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, // N
	{0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, // O
	{0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, // P
	{0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, // Q
	{0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, // R
	{0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, // S
	{0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, // T
	{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, // U
	{0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, // V
	{0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, // W
	{0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, // X
	{0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, // Y
	{0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, // Z
}

var otherGlyphs = map[byte][7]uint8{
	' ':  {},
	':':  {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00},
	'.':  {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C},
	'(':  {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02},
	')':  {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},
	'-':  {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},
	'/':  {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00},
	'_':  {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F},
	'#':  {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},
	'\'': {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00},
	'?':  {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04},
}
