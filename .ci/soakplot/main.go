// Command soakplot draws the CSV written by .ci/soak as a PNG: resident
// memory (MB, left scale, blue) and window CPU (% of one core, right scale,
// orange) over time, with a light grid. It uses the standard library only
// (image/png and a 5x7 bitmap font for the few labels).
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"strconv"
	"strings"
)

const (
	width, height = 960, 480
	left, right   = 70, 70
	top, bottom   = 40, 50
)

var (
	bg    = color.RGBA{255, 255, 255, 255}
	grid  = color.RGBA{225, 225, 225, 255}
	axis  = color.RGBA{60, 60, 60, 255}
	blue  = color.RGBA{31, 119, 180, 255}
	amber = color.RGBA{230, 120, 20, 255}
)

func main() {
	in := flag.String("in", "", "CSV from .ci/soak")
	out := flag.String("out", "", "PNG to write")
	title := flag.String("title", "Lookout soak", "title")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 3 {
		log.Fatalf("soakplot: %s: need a header and two rows (%v)", *in, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var ts, rss, cpu []float64
	for _, r := range rows[1:] {
		t, _ := strconv.ParseFloat(r[col["t_s"]], 64)
		m, _ := strconv.ParseFloat(r[col["rss_kb"]], 64)
		c, _ := strconv.ParseFloat(r[col["cpu_pct"]], 64)
		ts, rss, cpu = append(ts, t), append(rss, m/1024), append(cpu, c)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fill(img, img.Bounds(), bg)
	tMax := ts[len(ts)-1]
	rMax := niceCeil(maxOf(rss) * 1.1)
	cMax := niceCeil(max(maxOf(cpu)*1.1, 100))
	pw, ph := width-left-right, height-top-bottom
	x := func(t float64) int { return left + int(t/tMax*float64(pw)) }
	yr := func(v float64) int { return top + ph - int(v/rMax*float64(ph)) }
	yc := func(v float64) int { return top + ph - int(v/cMax*float64(ph)) }
	for i := 0; i <= 5; i++ {
		y := top + ph*i/5
		hline(img, left, left+pw, y, grid)
		text(img, 8, y-3, fmt.Sprintf("%.0f", rMax*float64(5-i)/5), blue)
		text(img, left+pw+8, y-3, fmt.Sprintf("%.0f", cMax*float64(5-i)/5), amber)
	}
	for i := 0; i <= 10; i++ {
		xx := left + pw*i/10
		vline(img, xx, top, top+ph, grid)
		text(img, xx-10, top+ph+10, fmt.Sprintf("%.0f", tMax*float64(i)/10), axis)
	}
	hline(img, left, left+pw, top+ph, axis)
	vline(img, left, top, top+ph, axis)
	vline(img, left+pw, top, top+ph, axis)
	for i := 1; i < len(ts); i++ {
		line(img, x(ts[i-1]), yr(rss[i-1]), x(ts[i]), yr(rss[i]), blue)
		line(img, x(ts[i-1]), yc(cpu[i-1]), x(ts[i]), yc(cpu[i]), amber)
	}
	text(img, left, 12, strings.ToUpper(*title), axis)
	text(img, 8, top-16, "RSS MB", blue)
	text(img, left+pw-60, top-16, "CPU % OF ONE CORE", amber)
	text(img, left+pw/2-40, height-18, "SECONDS", axis)
	o, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(o, img); err != nil {
		log.Fatal(err)
	}
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// line draws a two-pixel-thick line (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		img.SetRGBA(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// text draws s in a 5x7 bitmap font (digits, capitals and a few signs).
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range s {
		if g, ok := font[r]; ok {
			for row, bits := range g {
				for col := 0; col < 5; col++ {
					if bits&(1<<(4-col)) != 0 {
						img.SetRGBA(x+col, y+row, c)
					}
				}
			}
		}
		x += 6
	}
}

var font = map[rune][7]byte{
	'0': {14, 17, 19, 21, 25, 17, 14}, '1': {4, 12, 4, 4, 4, 4, 14}, '2': {14, 17, 1, 2, 4, 8, 31},
	'3': {30, 1, 1, 14, 1, 1, 30}, '4': {2, 6, 10, 18, 31, 2, 2}, '5': {31, 16, 30, 1, 1, 17, 14},
	'6': {6, 8, 16, 30, 17, 17, 14}, '7': {31, 1, 2, 4, 8, 8, 8}, '8': {14, 17, 17, 14, 17, 17, 14},
	'9': {14, 17, 17, 15, 1, 2, 12}, '.': {0, 0, 0, 0, 0, 12, 12}, ',': {0, 0, 0, 0, 12, 4, 8},
	'-': {0, 0, 0, 31, 0, 0, 0}, ':': {0, 12, 12, 0, 12, 12, 0}, '%': {24, 25, 2, 4, 8, 19, 3},
	'A': {14, 17, 17, 31, 17, 17, 17}, 'B': {30, 17, 17, 30, 17, 17, 30}, 'C': {14, 17, 16, 16, 16, 17, 14},
	'D': {30, 17, 17, 17, 17, 17, 30}, 'E': {31, 16, 16, 30, 16, 16, 31}, 'F': {31, 16, 16, 30, 16, 16, 16},
	'G': {14, 17, 16, 23, 17, 17, 15}, 'H': {17, 17, 17, 31, 17, 17, 17}, 'I': {14, 4, 4, 4, 4, 4, 14},
	'J': {7, 2, 2, 2, 2, 18, 12}, 'K': {17, 18, 20, 24, 20, 18, 17}, 'L': {16, 16, 16, 16, 16, 16, 31},
	'M': {17, 27, 21, 21, 17, 17, 17}, 'N': {17, 17, 25, 21, 19, 17, 17}, 'O': {14, 17, 17, 17, 17, 17, 14},
	'P': {30, 17, 17, 30, 16, 16, 16}, 'Q': {14, 17, 17, 17, 21, 18, 13}, 'R': {30, 17, 17, 30, 20, 18, 17},
	'S': {15, 16, 16, 14, 1, 1, 30}, 'T': {31, 4, 4, 4, 4, 4, 4}, 'U': {17, 17, 17, 17, 17, 17, 14},
	'V': {17, 17, 17, 17, 17, 10, 4}, 'W': {17, 17, 17, 21, 21, 21, 10}, 'X': {17, 17, 10, 4, 10, 17, 17},
	'Y': {17, 17, 10, 4, 4, 4, 4}, 'Z': {31, 1, 2, 4, 8, 16, 31},
}
