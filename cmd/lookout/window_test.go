package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// windowSlots bounds how many window tests run at once: each is an X
// server and a lookout process decoding and painting several tiles, and
// the tests' own checks (moving pictures, paint rates) need the CPU to keep
// up. Two keep a 2-core machine busy without starving them.
var windowSlots = make(chan struct{}, 2)

// windowTest starts a test that opens real windows: skipped with -short,
// run in parallel with the package's other parallel tests, at most
// cap(windowSlots) window tests at a time.
func windowTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("opens a real window")
	}
	t.Parallel()
	windowSlots <- struct{}{}
	t.Cleanup(func() { <-windowSlots })
}

// takingAll serializes the tests that take every window slot.
var takingAll sync.Mutex

// windowTestAlone is windowTest for a test whose checks are strict about
// the window's own timing (a whole second without a decoded picture): it
// takes every slot, so no other window runs beside it.
func windowTestAlone(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("opens a real window")
	}
	t.Parallel()
	takingAll.Lock()
	for range cap(windowSlots) {
		windowSlots <- struct{}{}
	}
	takingAll.Unlock()
	t.Cleanup(func() {
		for range cap(windowSlots) {
			<-windowSlots
		}
	})
}

// built is the lookout binary the window tests run, built once per test
// process into a directory TestMain removes.
var built struct {
	once sync.Once
	dir  string
	path string
	out  []byte
	err  error
}

// lookoutBinary builds this package's command once and returns its path.
func lookoutBinary(t *testing.T) string {
	t.Helper()
	findTool(t, "patchelf")
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "lookout-test-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "lookout")
		// Built as the product is: .ci/build-lookout also drops the
		// libraries it never calls (TestBuiltProgramNeedsOnlyWhatItCalls).
		built.out, built.err = exec.Command("../../.ci/build-lookout", built.path).CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf(".ci/build-lookout: %v\n%s", built.err, built.out)
	}
	return built.path
}

// startXvfb runs a virtual X server on a free display and returns DISPLAY.
func startXvfb(t *testing.T, w, h int) string {
	t.Helper()
	display, _ := startXvfbProcess(t, w, h)
	return display
}

// startXvfbProcess is startXvfb that also returns the server's process.
func startXvfbProcess(t *testing.T, w, h int) (string, *os.Process) {
	t.Helper()
	findTool(t, "Xvfb")
	findTool(t, "xwd")
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -noreset: without it the server resets whenever its last client
	// goes (a short xdotool or xwd, the window's own probe at start), and
	// a tool connecting during the reset fails ("xwd: exit status 1").
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{wr}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
		r.Close()
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatalf("Xvfb gave no display: %s", logs.String())
		}
		return ":" + n, cmd.Process
	case <-time.After(20 * time.Second):
		t.Fatalf("Xvfb did not start: %s", logs.String())
	}
	return "", nil
}

// screenshot grabs the root window with xwd and decodes it.
func screenshot(t *testing.T, display string) *image.RGBA {
	t.Helper()
	out, err := exec.Command("xwd", "-root", "-silent", "-display", display).Output()
	if err != nil {
		t.Fatalf("xwd: %v", err)
	}
	m, err := decodeXWD(out)
	if err != nil {
		t.Fatalf("xwd output: %v", err)
	}
	return m
}

// decodeXWD decodes a 24/32-bit TrueColor ZPixmap XWD dump, which is what
// xwd writes for an Xvfb screen of depth 24.
func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, fmt.Errorf("short header")
	}
	f := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	hdr, format, bpp := f(0), f(2), f(11)
	w, h, bpl, byteOrder := int(f(4)), int(f(5)), int(f(12)), f(7)
	rmask, gmask, bmask, ncolors := f(14), f(15), f(16), int(f(19))
	if format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("unsupported xwd: format %d, %d bits per pixel", format, bpp)
	}
	off := int(hdr) + 12*ncolors
	if len(b) < off+bpl*h {
		return nil, fmt.Errorf("short pixel data")
	}
	shift := func(m uint32) uint {
		s := uint(0)
		for m != 0 && m&1 == 0 {
			m >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(rmask), shift(gmask), shift(bmask)
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := b[off+y*bpl:]
		for x := 0; x < w; x++ {
			var p uint32
			px := row[x*int(bpp)/8:]
			if bpp == 24 {
				if byteOrder == 0 {
					p = uint32(px[0]) | uint32(px[1])<<8 | uint32(px[2])<<16
				} else {
					p = uint32(px[2]) | uint32(px[1])<<8 | uint32(px[0])<<16
				}
			} else if byteOrder == 0 {
				p = binary.LittleEndian.Uint32(px)
			} else {
				p = binary.BigEndian.Uint32(px)
			}
			m.SetRGBA(x, y, color.RGBA{uint8((p & rmask) >> rs), uint8((p & gmask) >> gs), uint8((p & bmask) >> bs), 255})
		}
	}
	return m, nil
}

// regionDiff is the mean absolute difference of two pictures over r.
func regionDiff(a, b *image.RGBA, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := a.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
				if d < 0 {
					d = -d
				}
				sum += d
				n++
			}
		}
	}
	return sum / n
}

// TestWindowShowsFourMovingTiles opens the real window on the demo site under
// Xvfb, finds the four tiles' pictures in screenshots of the window and
// checks that three are demo cameras' pictures (their colour bars in order)
// whose clock moves, and that the fourth, the window demo's still Yard
// scene, is live too: its on-screen clock of whole seconds ticks.
func TestWindowShowsFourMovingTiles(t *testing.T) {
	windowTest(t)
	const sw, sh = 1280, 800
	display := startXvfb(t, sw, sh)
	dir := t.TempDir()
	bin := lookoutBinary(t)
	cmd := exec.Command(bin, "--demo", "--log-level", "info")
	cmd.Env = append(childEnv(),
		"DISPLAY="+display, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"LOOKOUT_CONFIG="+filepath.Join(dir, "none.toml"))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if err := stopOrReport(t, cmd, exited, logs.String); err != nil {
			t.Errorf("lookout exited with %v after interrupt:\n%s", err, logs.String())
		}
	}()

	// Xvfb starts with the pointer in the middle of the screen, where a
	// tile will be: the window gets that position when it maps under the
	// pointer, and a hovered tile shows its statistics over the bottom of
	// its picture. Nobody points at the wall here: before each look the
	// pointer moves onto the status bar, inside the window so that the
	// tile sees it go (Fyne keeps the last hovered object hovered when the
	// pointer leaves the window), and again each time (a move made before
	// the window exists is lost).
	findTool(t, "xdotool")
	pointerToStatusBar := func() {
		move := exec.Command("xdotool", "mousemove", "10", "700")
		move.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := move.CombinedOutput(); err != nil {
			t.Fatalf("xdotool mousemove: %v: %s", err, out)
		}
	}

	// The wall is right of the sidebar (a fifth of the window), below the
	// toolbar and above the status bar. The tiles' pictures are found in
	// the window itself: the areas that change between two screenshots
	// (the demo picture changes everywhere once a second, the rest of the
	// window is still).
	wall := image.Rect(sw/5+20, 60, sw, 720-40)
	deadline := time.Now().Add(60 * time.Second)
	var problem string
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("lookout exited early (%v):\n%s", err, logs.String())
		default:
		}
		pointerToStatusBar()
		a := screenshot(t, display)
		time.Sleep(1100 * time.Millisecond) // a second ticked: the pictures stepped
		b := screenshot(t, display)
		time.Sleep(100 * time.Millisecond)
		c := screenshot(t, display) // 1.2 s after a: a clock of seconds ticked
		pics := movingRects(a, b, wall)
		problem = ""
		if len(pics) != 4 {
			problem = fmt.Sprintf("%d moving pictures %v, want 4", len(pics), pics)
		}
		still := 0
		for _, r := range pics {
			p := checkDemoPicture(a, b, r)
			if p == "" {
				continue
			}
			if still++; still == 1 && changedPixels(a, c, r) >= 50 {
				continue // the still scene, whose clock ticked
			}
			if problem == "" {
				problem = fmt.Sprintf("tile at %v: %s", r, p)
			}
		}
		if problem == "" {
			t.Logf("demo pictures at %v", pics)
			f, err := os.Create(filepath.Join(dir, "window.png"))
			if err == nil {
				_ = png.Encode(f, b)
				f.Close()
			}
			if out := os.Getenv("LOOKOUT_SCREENSHOT"); out != "" {
				if f, err := os.Create(out); err == nil {
					_ = png.Encode(f, b)
					f.Close()
				}
			}
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("after 60 s the window does not show four demo pictures: %s\n%s", problem, logs.String())
}

// movingRects returns the rectangles of within that changed between a and
// b: the runs of columns and of rows with many changed pixels, crossed.
func movingRects(a, b *image.RGBA, within image.Rectangle) []image.Rectangle {
	changed := func(x, y int) bool {
		i := a.PixOffset(x, y)
		d := 0
		for c := 0; c < 3; c++ {
			d += absInt(int(a.Pix[i+c]) - int(b.Pix[i+c]))
		}
		return d > 30
	}
	cols := make([]int, within.Dx())
	rows := make([]int, within.Dy())
	for y := within.Min.Y; y < within.Max.Y; y++ {
		for x := within.Min.X; x < within.Max.X; x++ {
			if changed(x, y) {
				cols[x-within.Min.X]++
				rows[y-within.Min.Y]++
			}
		}
	}
	xs, ys := runs(cols, 20, 100), runs(rows, 20, 60)
	var out []image.Rectangle
	for _, y := range ys {
		for _, x := range xs {
			out = append(out, image.Rect(within.Min.X+x[0], within.Min.Y+y[0], within.Min.X+x[1], within.Min.Y+y[1]))
		}
	}
	return out
}

// changedPixels counts the pixels of r that differ between a and b.
func changedPixels(a, b *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := a.PixOffset(x, y)
			if absInt(int(a.Pix[i])-int(b.Pix[i]))+absInt(int(a.Pix[i+1])-int(b.Pix[i+1]))+absInt(int(a.Pix[i+2])-int(b.Pix[i+2])) > 30 {
				n++
			}
		}
	}
	return n
}

// runs returns the [start, end) runs of at least minLen entries >= min.
func runs(counts []int, min, minLen int) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i <= len(counts); i++ {
		if i < len(counts) && counts[i] >= min {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minLen {
			out = append(out, [2]int{start, i})
		}
		start = -1
	}
	return out
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// demoBars are the demo picture's colour bars in RGB, in their order from
// left to right (session/demo.DrawPicture); the bars step, in a cycle.
var demoBars = [8][3]int{{255, 255, 255}, {255, 255, 0}, {0, 255, 255}, {0, 255, 0}, {255, 0, 255}, {255, 0, 0}, {0, 0, 255}, {0, 0, 0}}

// barAt returns the index of the demo bar colour of pixel (x, y), or -1.
func barAt(m *image.RGBA, x, y int) int {
	i := m.PixOffset(x, y)
	for k, c := range demoBars {
		if absInt(int(m.Pix[i])-c[0]) < 48 && absInt(int(m.Pix[i+1])-c[1]) < 48 && absInt(int(m.Pix[i+2])-c[2]) < 48 {
			return k
		}
	}
	return -1
}

// barsAcross returns the demo bar colours a row through the top of the
// picture r of m crosses (at a sixth of its height), from left to right.
func barsAcross(m *image.RGBA, r image.Rectangle) []int {
	y := r.Min.Y + r.Dy()/6
	var seq []int
	for x := r.Min.X + 2; x < r.Max.X-2; x++ {
		k := barAt(m, x, y)
		if k < 0 {
			continue // a blended pixel between two bars
		}
		if len(seq) == 0 || seq[len(seq)-1] != k {
			seq = append(seq, k)
		}
	}
	return seq
}

// checkDemoPicture says what is wrong with r as a demo camera's picture,
// or "": a row through the top of the picture crosses at least six colour
// bars in the demo's order, and the clock (white digits on a black box
// across the middle of the picture at two fifths of its height) changes
// between a and b.
func checkDemoPicture(a, b *image.RGBA, r image.Rectangle) string {
	w, h := r.Dx(), r.Dy()
	if w < h || w > 2*h {
		return fmt.Sprintf("a %dx%d picture is not a camera's", w, h)
	}
	seq := barsAcross(a, r)
	if len(seq) < 6 {
		return fmt.Sprintf("only %d colour bars across the top (%v)", len(seq), seq)
	}
	for i := 1; i < len(seq); i++ {
		if seq[i] != (seq[i-1]+1)%8 {
			return fmt.Sprintf("colour bars out of order: %v", seq)
		}
	}
	clock := image.Rect(r.Min.X+w/4, r.Min.Y+h*33/100, r.Max.X-w/4, r.Min.Y+h*47/100)
	blackWhite := 0
	for y := clock.Min.Y; y < clock.Max.Y; y++ {
		for x := clock.Min.X; x < clock.Max.X; x++ {
			if k := barAt(a, x, y); k == 0 || k == 7 {
				blackWhite++
			}
		}
	}
	if n := clock.Dx() * clock.Dy(); blackWhite < n*8/10 {
		return fmt.Sprintf("no clock box: %d of %d pixels black or white", blackWhite, n)
	}
	if d := regionDiff(a, b, clock); d < 1 {
		return fmt.Sprintf("the clock did not move (mean difference %.2f)", d)
	}
	return ""
}
