package player

import (
	"image"
	"time"
)

// Sensitivity levels of motion detection.
const (
	SensitivityLow    = 1
	SensitivityMedium = 2
	SensitivityHigh   = 3
)

// MotionConfig tunes a MotionDetector. Zero values get the defaults of
// SensitivityMedium.
type MotionConfig struct {
	// Columns is the width of the block grid the picture is reduced to; the
	// rows follow the picture's aspect ratio. Default 32.
	Columns int
	// Interval is how often a picture is measured; pictures in between are
	// skipped. Default 100 ms.
	Interval time.Duration
	// Threshold is the change of a block's mean brightness (0-255) that
	// counts the block as changed. Default 10.
	Threshold int
	// MinBlocks is how many changed blocks make a measurement active.
	// Default 2.
	MinBlocks int
	// Sustain is how many active measurements in a row are motion. A clock
	// on the picture changes once a second, so it makes one active
	// measurement at a time and is never motion. Default 3.
	Sustain int
	// Hold keeps motion reported this long after the picture stops
	// changing. Default 1.5 s.
	Hold time.Duration
}

// MotionConfigFor returns the config of a sensitivity level.
func MotionConfigFor(level int) MotionConfig {
	switch level {
	case SensitivityLow:
		return MotionConfig{Threshold: 18, MinBlocks: 4}
	case SensitivityHigh:
		return MotionConfig{Threshold: 6, MinBlocks: 1}
	}
	return MotionConfig{}
}

// MotionDetector measures picture change on frames that are decoded anyway
// (no extra decode): it reduces a picture, at most every Interval, to a grid
// of block brightness means and compares it with the previous measurement.
// Motion is change that lasts: Sustain active measurements in a row. It is
// not safe for concurrent use.
type MotionDetector struct {
	cfg        MotionConfig
	w, h, rows int
	colBlock   []int32 // block column of each sampled x
	prev, cur  []int32 // block sums
	counts     []int32 // samples per block
	havePrev   bool
	last       time.Time
	streak     int
	lastMotion time.Time
	changed    int
}

// NewMotionDetector returns a detector with cfg's zero values defaulted.
func NewMotionDetector(cfg MotionConfig) *MotionDetector {
	if cfg.Columns <= 0 {
		cfg.Columns = 32
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	if cfg.Threshold <= 0 {
		cfg.Threshold = 10
	}
	if cfg.MinBlocks <= 0 {
		cfg.MinBlocks = 2
	}
	if cfg.Sustain <= 0 {
		cfg.Sustain = 3
	}
	if cfg.Hold <= 0 {
		cfg.Hold = 1500 * time.Millisecond
	}
	return &MotionDetector{cfg: cfg}
}

// Observe looks at img, shown at now, and reports whether there is motion.
func (d *MotionDetector) Observe(img *image.RGBA, now time.Time) bool {
	if img != nil && (d.last.IsZero() || now.Sub(d.last) >= d.cfg.Interval) {
		d.last = now
		d.measure(img, now)
	}
	return !d.lastMotion.IsZero() && now.Sub(d.lastMotion) < d.cfg.Hold
}

// Changed returns how many blocks changed at the last measurement.
func (d *MotionDetector) Changed() int { return d.changed }

// Reset forgets the pictures seen (after the stream changed).
func (d *MotionDetector) Reset() {
	d.havePrev, d.streak, d.lastMotion, d.last = false, 0, time.Time{}, time.Time{}
}

// xStep and yStep are the sampling strides: every fourth pixel of every
// other row is plenty for block means (a block of a 320-pixel-wide tile is
// 10 pixels wide).
const (
	xStep = 4
	yStep = 2
)

func (d *MotionDetector) measure(img *image.RGBA, now time.Time) {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	if w < d.cfg.Columns || h < 2 {
		return
	}
	if w != d.w || h != d.h {
		d.w, d.h = w, h
		d.rows = max(1, d.cfg.Columns*h/w)
		d.colBlock = d.colBlock[:0]
		for x := 0; x < w; x += xStep {
			d.colBlock = append(d.colBlock, int32(x*d.cfg.Columns/w))
		}
		n := d.cfg.Columns * d.rows
		d.prev, d.cur, d.counts = make([]int32, n), make([]int32, n), make([]int32, n)
		d.havePrev = false
	}
	clear(d.cur)
	clear(d.counts)
	for y := 0; y < h; y += yStep {
		row := img.Pix[y*img.Stride : y*img.Stride+w*4]
		base := y * d.rows / h * d.cfg.Columns
		cur := d.cur[base : base+d.cfg.Columns]
		counts := d.counts[base : base+d.cfg.Columns]
		for i, blk := range d.colBlock {
			o := i * xStep * 4
			p := row[o : o+3 : o+3]
			// BT.601 luma, integer: (2R + 5G + B) / 8.
			cur[blk] += (2*int32(p[0]) + 5*int32(p[1]) + int32(p[2])) >> 3
			counts[blk]++
		}
	}
	for i, c := range d.counts {
		if c > 0 {
			d.cur[i] /= c
		}
	}
	if d.havePrev {
		d.changed = 0
		t := int32(d.cfg.Threshold)
		for i, v := range d.cur {
			if diff := v - d.prev[i]; diff > t || diff < -t {
				d.changed++
			}
		}
		if d.changed >= d.cfg.MinBlocks {
			d.streak++
		} else {
			d.streak = 0
		}
		if d.streak >= d.cfg.Sustain {
			d.lastMotion = now
		}
	}
	d.prev, d.cur = d.cur, d.prev
	d.havePrev = true
}
