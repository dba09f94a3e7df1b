package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
)

// wavDevices is a sound system of one WAV-backed microphone (a -20 dBFS
// tone) and one speaker that records into a WAV file.
type wavDevices struct {
	dir string
	n   int
}

func (d *wavDevices) Devices() (capture, playback []audio.DeviceInfo, err error) {
	return []audio.DeviceInfo{{ID: "mic1", Name: "Desk mic", Default: true, Capture: true}},
		[]audio.DeviceInfo{{ID: "spk1", Name: "Desk speaker", Default: true}}, nil
}

func (d *wavDevices) OpenCapture(id string, f audio.Format) (audio.Capturer, error) {
	return audio.NewWAVCapturer(audio.Tone(440, -20, f, time.Second), f, true), nil
}

func (d *wavDevices) OpenPlayback(id string, f audio.Format) (audio.Player, error) {
	d.n++
	file, err := os.Create(filepath.Join(d.dir, fmt.Sprintf("out%d.wav", d.n)))
	if err != nil {
		return nil, err
	}
	w, err := audio.NewWAVWriter(file, f)
	if err != nil {
		return nil, err
	}
	return closing{audio.NewWAVPlayer(w, f), w, file}, nil
}

// closing finalizes the WAV file after its player.
type closing struct {
	audio.Player
	w *audio.WAVWriter
	f io.Closer
}

func (c closing) Close() error {
	err := c.Player.Close()
	_ = c.w.Close()
	_ = c.f.Close()
	return err
}

func waitText(t *testing.T, what string, get func() string, prefix string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for drainUI(); !strings.HasPrefix(get(), prefix); drainUI() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q, want prefix %q", what, get(), prefix)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMain(m *testing.M) {
	ffmpeg.SetVerbose(false) // the capacity clips' encoder is chatty
	useUIQueue()
	os.Exit(m.Run())
}

func TestPrecheckWizard(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	devs := &wavDevices{dir: t.TempDir()}
	snd := newSound(devs, "", "", "")
	defer snd.close()
	var usedSpk, usedMic string
	p := newPrecheck(context.Background(), test.NewTempWindow(t, nil), snd, nil, func(s, m string) { usedSpk, usedMic = s, m })
	defer p.close()

	if p.micSel.Selected != "Desk mic" || p.spkSel.Selected != "Desk speaker" {
		t.Fatalf("chose %q and %q, want the default devices", p.micSel.Selected, p.spkSel.Selected)
	}
	p.testMic()
	waitText(t, "mic result", func() string { return p.micResult.Text }, "ok: working: level -23.0 dBFS")
	if p.micMeter.Value <= 0 {
		t.Error("the mic meter never moved")
	}
	p.testSpeaker()
	waitText(t, "speaker result", func() string { return p.spkResult.Text }, "ok: played the test chime")
	if !p.heard.Visible() {
		t.Fatal("no 'did you hear it?' after the chime")
	}
	p.confirmHeard(false)
	if p.spk.OK || !strings.Contains(p.spkResult.Text, "did not hear") {
		t.Fatalf("not heard, yet %q", p.spkResult.Text)
	}
	p.echoTest()
	waitText(t, "echo", func() string { return p.echoResult.Text }, "Echo test done")

	p.onUse(p.selectedID(p.spkSel, p.playback), p.selectedID(p.micSel, p.capture))
	if usedSpk != "spk1" || usedMic != "mic1" {
		t.Fatalf("used %q and %q", usedSpk, usedMic)
	}

	if p.title.Text != "Step 1 of 3: Devices: choose and test your microphone and speaker" || p.finish.Text != "Close" {
		t.Fatalf("title %q, button %q", p.title.Text, p.finish.Text)
	}
	test.Tap(p.next)
	if !strings.HasPrefix(p.title.Text, "Step 2 of 3: Network") {
		t.Fatalf("title %q", p.title.Text)
	}
	p.capacity.SetChecked(false)
	p.runNetwork()
	waitText(t, "report", p.Summary, "## Not ready")
	// The run ends on its own page with the outcome; Next shows the report.
	if p.page != 1 || p.next.Disabled() || !strings.Contains(p.status.Text, "Done. Not ready") || !strings.Contains(p.status.Text, "Press Next") {
		t.Fatalf("after the run: page %d, next disabled %v, status %q", p.page, p.next.Disabled(), p.status.Text)
	}
	test.Tap(p.next)
	if p.page != 2 || p.finish.Text != "Done" || !strings.HasPrefix(p.title.Text, "Step 3 of 3: Report") {
		t.Fatalf("page %d, title %q, button %q", p.page, p.title.Text, p.finish.Text)
	}
	// A save says where the file went.
	out := filepath.Join(t.TempDir(), "r.json")
	wc, err := storage.Writer(storage.NewFileURI(out))
	if err != nil {
		t.Fatal(err)
	}
	p.saveTo(wc, p.writeJSON)
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 || p.saved.Text != "Saved to "+out {
		t.Fatalf("saved %q (%v)", p.saved.Text, err)
	}
	if !strings.Contains(p.Summary(), "**Speaker Desk speaker**: FAILED") || !strings.Contains(p.Summary(), "**Microphone Desk mic**: ok") {
		t.Fatalf("summary:\n%s", p.Summary())
	}
	var js bytes.Buffer
	if err := p.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back check.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.OK || back.Devices == nil || len(back.Devices.Speakers) != 1 {
		t.Fatalf("saved JSON %s (%v)", js.String(), err)
	}
	var html bytes.Buffer
	if err := p.writeHTML(&html); err != nil || !strings.Contains(html.String(), "Desk speaker") {
		t.Fatalf("saved HTML lacks the speaker (%v)", err)
	}
}

// TestReportShowsCapacity: the window's report states the tiles that
// `lookout check --capacity` prints, from the same measurement.
func TestReportShowsCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 720p and 1080p clips")
	}
	c, err := check.MeasureCapacity(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	md := reportMarkdown(check.Report{OK: true, Capacity: c})
	want := fmt.Sprintf("**%d tiles at 720p30** (%.0f frames/s decoded)", c.Tiles720p30, c.DecodeFPS720p)
	if !strings.Contains(md, want) {
		t.Fatalf("report lacks %q:\n%s", want, md)
	}
}

func TestWizardClosesOnEscAndDone(t *testing.T) {
	test.NewTempApp(t)
	for _, how := range []string{"Esc", "Close"} {
		t.Run(how, func(t *testing.T) {
			snd := newSound(nil, "no sound system", "", "")
			w := test.NewWindow(nil) // the wizard closes it
			p := newPrecheck(context.Background(), w, snd, nil, nil)
			if how == "Esc" {
				w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
			} else {
				test.Tap(p.finish)
			}
			select {
			case <-p.done:
			default:
				t.Fatal("the wizard is still open")
			}
		})
	}
}

func TestReportWords(t *testing.T) {
	noMic := &check.Devices{
		Microphones: []check.DeviceResult{{Name: "(none)", Verdict: "no sound system: talk will be unavailable"}},
		Speakers:    []check.DeviceResult{{Name: "(none)", Verdict: "no sound system: camera audio cannot be heard"}},
	}
	acc := check.AccountReport{Account: "demo", Kind: "tuya", OK: true, Quality: 1,
		Verdict: "excellent network via relay (rtt 1 ms, loss 0.0%): video and talk will be smooth"}
	for _, tc := range []struct {
		name        string
		rep         check.Report
		want, avoid []string
	}{
		{"no sound system", check.Report{Devices: noMic, Accounts: []check.AccountReport{acc}},
			[]string{"## Not ready: no sound system: talk will be unavailable", "video will be smooth; talk is unavailable: no working microphone",
				"quality excellent (1 on a scale from 1 best to 6 disconnected)"},
			[]string{"(none)", "video and talk will be smooth"}},
		{"all fine", check.Report{OK: true, Accounts: []check.AccountReport{acc}}, []string{"## Ready", "video and talk will be smooth"}, nil},
		{"what was measured", check.Report{OK: true, Accounts: []check.AccountReport{{Account: "media", Kind: "whep", OK: true, Quality: 1,
			Measured: "played stream lobby and published a probe to it at 127.0.0.1:50000", Host: "127.0.0.1:50000"}}},
			[]string{"Measured: played stream lobby and published a probe to it at 127.0.0.1:50000", "RTT 0.0 ms"}, nil},
		{"nothing measured", check.Report{Accounts: []check.AccountReport{{Account: "gone", Kind: "whep", Failure: "network",
			Measured: "not measured: connection refused"}}},
			[]string{"Measured: not measured: connection refused", "quality unknown (not measured)"}, []string{"RTT", "kbit/s"}},
		{"codecs", check.Report{OK: true, Codecs: &check.Codecs{Decoders: []string{"h264", "pcm_mulaw"}}}, []string{"pcm_mulaw"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := reportMarkdown(tc.rep)
			for _, w := range tc.want {
				if !strings.Contains(md, w) {
					t.Errorf("no %q in\n%s", w, md)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(md, a) {
					t.Errorf("%q in\n%s", a, md)
				}
			}
			// As shown: pcm_mulaw stays one word.
			var shown strings.Builder
			var visit func([]widget.RichTextSegment)
			visit = func(segs []widget.RichTextSegment) {
				for _, seg := range segs {
					switch x := seg.(type) {
					case *widget.TextSegment:
						shown.WriteString(x.Text + "|")
					case *widget.ListSegment:
						visit(x.Items)
					case *widget.ParagraphSegment:
						visit(x.Texts)
					}
				}
			}
			visit(reportSegments(md))
			if tc.name == "codecs" && !strings.Contains(shown.String(), "h264, pcm_mulaw") {
				t.Errorf("rendered as %q", shown.String())
			}
		})
	}
}

// TestNetworkPageShowsEachStep: the network page shows each step's pass
// or fail as it ends, not only the step running; the wizard opens large
// enough for every page and its buttons.
func TestNetworkPageShowsEachStep(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	snd := newSound(nil, "no sound system", "", "")
	defer snd.close()
	refused := Account{Name: "cam", Kind: "tuya", Target: func(context.Context) (check.Target, error) {
		return check.Target{}, session.ErrUnauthorized
	}}
	p := newPrecheck(context.Background(), test.NewTempWindow(t, nil), snd, []Account{refused}, nil)
	defer p.close()
	size := p.openSize()
	for i := range p.pages {
		p.show(i)
		if min := p.w.Content().MinSize(); size.Width < min.Width || size.Height < min.Height {
			t.Errorf("page %d needs %v; the wizard opens at %v", i, min, size)
		}
	}
	p.show(1)
	p.capacity.SetChecked(false)

	p.runNetwork()
	waitText(t, "report", p.Summary, "## Not ready")
	lines := strings.Split(p.status.Text, "\n")
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "✗ account cam: api (") }) {
		t.Errorf("the page does not show the failed step: %q", p.status.Text)
	}
	if slices.Contains(lines, "account cam: api") {
		t.Errorf("the finished step still shows as running: %q", p.status.Text)
	}
}
