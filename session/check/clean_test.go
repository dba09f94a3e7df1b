package check

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/aec"
)

// quietTalker is a quiet voice in DeviceFormat: 1 kHz syllables (600 ms
// on, 400 ms off) at -40 dBFS peak.
func quietTalker() []int16 {
	p := audio.Tone(1000, -40, DeviceFormat, time.Second)
	clear(p[DeviceFormat.Samples(600*time.Millisecond):])
	return p
}

// TestMicrophoneReportsLevelAfterGain: the microphone test of a quiet
// talker reports the level as captured and, higher by 6 dB or more, after
// the talk's automatic gain; with noise suppression and gain turned off
// the two agree within 1 dB. CheckDevices puts both in the JSON report
// (level_dbfs is kept, level_after_gain_dbfs added).
func TestMicrophoneReportsLevelAfterGain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	on := TestMicrophoneCleaned(ctx, "Mic", true, audio.NewWAVCapturer(quietTalker(), DeviceFormat, true), 3*time.Second, nil, aec.Options{})
	off := TestMicrophoneCleaned(ctx, "Mic", true, audio.NewWAVCapturer(quietTalker(), DeviceFormat, true), 3*time.Second, nil,
		aec.Options{NoDenoise: true, NoAGC: true})
	if on.LevelDBFS == nil || on.LevelAfterGainDBFS == nil || off.LevelDBFS == nil || off.LevelAfterGainDBFS == nil {
		t.Fatalf("levels missing: %+v %+v", on, off)
	}
	t.Logf("quiet talker: %.1f dBFS captured, %.1f after gain, %.1f with gain and suppression off",
		*on.LevelDBFS, *on.LevelAfterGainDBFS, *off.LevelAfterGainDBFS)
	if *on.LevelAfterGainDBFS-*on.LevelDBFS < 6 {
		t.Errorf("after gain %.1f dBFS, captured %.1f: want 6 dB more", *on.LevelAfterGainDBFS, *on.LevelDBFS)
	}
	if math.Abs(*off.LevelAfterGainDBFS-*off.LevelDBFS) > 1 {
		t.Errorf("stages off: after gain %.1f dBFS, captured %.1f: want the same", *off.LevelAfterGainDBFS, *off.LevelDBFS)
	}

	a := &fakeAudio{t: t, signal: quietTalker(),
		lists: [][2][]audio.DeviceInfo{{{dev("a", "Mic", true, true)}, {dev("x", "Speakers", true, false)}}}}
	got := CheckDevices(ctx, a, DeviceOptions{MicDuration: 3 * time.Second})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Microphones []map[string]any `json:"microphones"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	m := rep.Microphones[0]
	before, ok1 := m["level_dbfs"].(float64)
	after, ok2 := m["level_after_gain_dbfs"].(float64)
	if !ok1 || !ok2 || after-before < 6 {
		t.Errorf("the report's microphone %s: want level_dbfs and level_after_gain_dbfs 6 dB higher", b)
	}
}

// TestEchoTestPlaysTheCleanedSound: the wizard's "record 3 s and hear it
// back" plays the recording as a talk sends it: the quiet talker is played
// 6 dB or more louder than recorded with gain on, and as recorded with the
// stages off; the speaker receives it so (what it took with gain on is 6 dB
// or more louder than with the stages off).
func TestEchoTestPlaysTheCleanedSound(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	heard := map[string]float64{}
	for _, c := range []struct {
		name string
		o    aec.Options
		gain func(float64) bool
	}{
		{"defaults", aec.Options{}, func(g float64) bool { return g >= 6 }},
		{"stages off", aec.Options{NoDenoise: true, NoAGC: true}, func(g float64) bool { return math.Abs(g) <= 1 }},
	} {
		p := newRecPlayer(t, DeviceFormat)
		res, err := EchoTestCleaned(ctx, audio.NewWAVCapturer(quietTalker(), DeviceFormat, true), p, 3*time.Second, nil, c.o)
		if err != nil {
			t.Fatal(err)
		}
		pcm, f := p.recording(t)
		heard[c.name] = audio.Measure(pcm, f.Channels).RMSdBFS
		t.Logf("%s: recorded %.1f dBFS, played %.1f; the speaker took %.1f (with the silence before playback)", c.name,
			res.Recorded.RMSdBFS, res.Played.RMSdBFS, heard[c.name])
		if !c.gain(res.Played.RMSdBFS - res.Recorded.RMSdBFS) {
			t.Errorf("%s: played %.1f dBFS for a recording of %.1f", c.name, res.Played.RMSdBFS, res.Recorded.RMSdBFS)
		}
	}
	if heard["defaults"]-heard["stages off"] < 6 {
		t.Errorf("the speaker took %.1f dBFS cleaned, %.1f uncleaned: want the cleaned sound 6 dB louder", heard["defaults"], heard["stages off"])
	}
}
