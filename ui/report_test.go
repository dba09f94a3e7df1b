package ui

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session/check"
)

func TestReportPNGHasPixels(t *testing.T) {
	test.NewTempApp(t)
	snd := newSound(nil, "no sound system", "", "")
	p := newPrecheck(context.Background(), test.NewTempWindow(t, nil), snd, nil, nil)
	defer p.close()
	rep := check.Report{OK: false, Accounts: []check.AccountReport{{Account: "demo", Kind: "tuya", OK: false, Quality: 4,
		Verdict: "poor path", Steps: []check.Step{{Name: "dns", OK: true, Ms: 0.4, Detail: "127.0.0.1"}}}}}
	p.setReport(rep)
	var b bytes.Buffer
	if err := p.writePNG(&b); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("LOOKOUT_SHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "report.png"), b.Bytes(), 0o644)
	}
	m, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	r := m.Bounds()
	if r.Dx() < 400 || r.Dy() < 100 {
		t.Fatalf("picture of %v", r)
	}
	var transparent, dark, light int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := m.At(x, y).RGBA()
			if ca < 0xffff {
				transparent++
			}
			lum := (cr + cg + cb) / 3 >> 8
			if lum < 100 {
				dark++
			} else if lum > 160 {
				light++
			}
		}
	}
	n := r.Dx() * r.Dy()
	if transparent != 0 {
		t.Fatalf("%d of %d pixels are not opaque", transparent, n)
	}
	// Text on a background: both kinds of pixel, neither all of them.
	if dark < n/1000 || light < n/1000 {
		t.Fatalf("blank picture: %d dark and %d light of %d pixels", dark, light, n)
	}
}

// TestReportStepsHaveOneBullet: a step's ✓ or ✗ is its bullet; the
// wizard draws no list bullet before it.
func TestReportStepsHaveOneBullet(t *testing.T) {
	rep := check.Report{Accounts: []check.AccountReport{{Account: "demo", Kind: "tuya", Quality: 1,
		Steps: []check.Step{{Name: "dns", OK: true, Ms: 0.4, Detail: "127.0.0.1"}, {Name: "tcp", Ms: 3, Detail: "refused"}}}}}
	steps := 0
	for _, seg := range reportSegments(reportMarkdown(rep)) {
		if l, ok := seg.(*widget.ListSegment); ok {
			for _, it := range l.Items {
				if p, ok := it.(*widget.ParagraphSegment); ok && strings.ContainsAny(p.Textual(), "✓✗") {
					t.Errorf("step %q drawn with a list bullet before its mark", p.Textual())
				}
			}
		}
		if ts, ok := seg.(*widget.TextSegment); ok && strings.ContainsAny(ts.Text, "✓✗") {
			steps++
		}
	}
	if steps != 2 {
		t.Errorf("%d steps shown with their mark, want 2", steps)
	}
}
