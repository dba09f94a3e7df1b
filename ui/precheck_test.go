package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
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

	p.capacity.SetChecked(false)
	p.runNetwork()
	waitText(t, "report", p.Summary, "## Not ready")
	if p.page != 2 {
		t.Fatalf("on page %d after the run, want the report", p.page)
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
