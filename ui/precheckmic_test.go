package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/audio"
)

// quietDevices is wavDevices whose microphone is a quiet talker: 1 kHz
// syllables (600 ms on, 400 ms off) at -40 dBFS peak.
type quietDevices struct{ wavDevices }

func (d *quietDevices) OpenCapture(id string, f audio.Format) (audio.Capturer, error) {
	p := audio.Tone(1000, -40, f, time.Second)
	clear(p[f.Samples(600*time.Millisecond):])
	return audio.NewWAVCapturer(p, f, true), nil
}

var gainRE = regexp.MustCompile(`Level (-?[\d.]+) dBFS as captured, (-?[\d.]+) dBFS after noise suppression and gain`)

// TestPrecheckMicrophoneFigures: the wizard's microphone test shows the
// level as captured and after the talk's noise suppression and gain (a
// quiet talker 6 dB or more louder after gain), and its echo test plays
// the cleaned recording: the speaker receives it 6 dB or more louder than
// with noise suppression and gain turned off in the settings.
func TestPrecheckMicrophoneFigures(t *testing.T) {
	test.NewTempApp(t)
	devs := &quietDevices{wavDevices{dir: t.TempDir()}}
	snd := newSound(devs, "", "", "")
	defer snd.close()
	p := newPrecheck(context.Background(), test.NewTempWindow(t, nil), snd, nil, nil)
	defer p.close()

	p.testMic()
	waitText(t, "mic result", func() string { return p.micResult.Text }, "ok: working")
	m := gainRE.FindStringSubmatch(p.micResult.Text)
	if m == nil {
		t.Fatalf("the microphone result %q shows no level after gain", p.micResult.Text)
	}
	before, _ := strconv.ParseFloat(m[1], 64)
	after, _ := strconv.ParseFloat(m[2], 64)
	t.Logf("wizard: %q", p.micResult.Text)
	if after-before < 6 {
		t.Errorf("after gain %.1f dBFS, captured %.1f: want 6 dB more", after, before)
	}

	// The echo test, cleaned as set, then with the stages off.
	played := func() float64 {
		t.Helper()
		n := devs.n
		p.echoResult.SetText("") // the last test's "done" is not this one's
		p.echoTest()
		waitText(t, "echo", func() string { return p.echoResult.Text }, "Echo test done")
		pcm, f, err := readWAVFile(filepath.Join(devs.dir, fmt.Sprintf("out%d.wav", n+1)))
		if err != nil {
			t.Fatal(err)
		}
		return audio.Measure(pcm, f.Channels).RMSdBFS
	}
	cleaned := played()
	if err := snd.clean.SetStages(false, false); err != nil {
		t.Fatal(err)
	}
	raw := played()
	t.Logf("echo test: the speaker took %.1f dBFS cleaned, %.1f with the stages off; %q", cleaned, raw, p.echoResult.Text)
	if cleaned-raw < 6 {
		t.Errorf("the echo test played %.1f dBFS cleaned and %.1f uncleaned: want the cleaned sound", cleaned, raw)
	}
}

func readWAVFile(name string) ([]int16, audio.Format, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, audio.Format{}, err
	}
	defer f.Close()
	return audio.ReadWAV(f)
}
