package ui

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"

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
