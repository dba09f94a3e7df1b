package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lookout-app/lookout/assets"
	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/aec"
	"github.com/lookout-app/lookout/player/ffmpeg"
)

// AudioDevices is what the device check needs from the sound system
// (miniaudio.Context satisfies it; tests use fakes with WAV-backed devices).
type AudioDevices interface {
	// Devices lists the capture and playback devices.
	Devices() (capture, playback []audio.DeviceInfo, err error)
	// OpenCapture opens capture device id ("" for the default) in format f.
	OpenCapture(id string, f audio.Format) (audio.Capturer, error)
	// OpenPlayback opens playback device id ("" for the default) in format f.
	OpenPlayback(id string, f audio.Format) (audio.Player, error)
}

const (
	// DefaultMicDuration is how long the microphone test records when no
	// duration is given, as TRTC's startMicDeviceTest runs for a few seconds
	// ("Testing Hardware Devices").
	DefaultMicDuration = 3 * time.Second
	// DefaultEchoDuration is how long EchoTest records when no duration is
	// given.
	DefaultEchoDuration = 3 * time.Second
	// LowLevelDBFS is the RMS level below which a recording counts as too
	// quiet: speech at arm's length reads -40 to -20 dBFS on a working
	// microphone, while an open but muted or far input sits near its noise
	// floor, around -70 dBFS and below.
	LowLevelDBFS = -60.0
	// MinClipRuns is how many clipped runs (audio.ClipRun samples stuck at
	// full scale) make a recording count as clipping; a single run, a knock
	// on the desk, is tolerated.
	MinClipRuns = 3
	// MaxUnderruns is how many times a speaker may run dry while playing the
	// test sound and still count as working; the end of the sound itself
	// counts as one.
	MaxUnderruns = 3
	// MeterInterval is how often the level callbacks are called.
	MeterInterval = 50 * time.Millisecond
)

// DeviceFormat is the format the device check opens devices in: 48 kHz
// stereo. Recording in stereo lets MicVerdict notice a mono microphone (the
// sound system copies its one channel to both).
var DeviceFormat = audio.Format{SampleRate: 48000, Channels: 2}

// playLead is how far ahead of the device play keeps its buffer filled:
// enough to ride over a late tick, little enough that the output meter
// follows what is heard.
const playLead = 100 * time.Millisecond

// Verdicts that scripts and the UI may match on.
const (
	verdictSilent    = "no signal: the microphone is muted, unplugged or blocked"
	verdictNoMic     = "no microphone found: talk will be unavailable"
	verdictNoSpeaker = "no speaker found: camera sound will be unavailable"
	verdictHearIt    = "played the test chime: did you hear it?"
)

// MicVerdict judges a recording of pcm (interleaved, in format f) from the
// microphone name. In order:
//
//   - no sample above 1/32767: not ok, "no signal: the microphone is muted,
//     unplugged or blocked";
//   - MinClipRuns or more runs of full-scale samples: not ok, "clipping ...
//     lower the input gain";
//   - RMS below LowLevelDBFS: not ok, "very low level ... move closer or
//     raise the input gain";
//   - otherwise ok, with the level.
//
// A stereo recording whose channels carry the same signal (a mono
// microphone carried as stereo) is noted in Detail. LevelDBFS is the RMS
// level of the whole recording, rounded to 0.1 dB (audio.FloordBFS for
// silence).
func MicVerdict(name string, isDefault bool, pcm []int16, f audio.Format) DeviceResult {
	lv := audio.Measure(pcm, f.Channels)
	rms := round1(lv.RMSdBFS)
	r := DeviceResult{Name: name, Default: isDefault, LevelDBFS: &rms}
	var notes []string
	if len(pcm) == 0 {
		notes = append(notes, "nothing was recorded")
	}
	switch {
	case lv.Silent:
		r.Verdict = verdictSilent
	case lv.Clipped >= MinClipRuns:
		r.Verdict = fmt.Sprintf("clipping (%d runs of full-scale samples, peak %.1f dBFS): lower the input gain",
			lv.Clipped, lv.PeakdBFS)
	case lv.RMSdBFS < LowLevelDBFS:
		r.Verdict = fmt.Sprintf("very low level (%.1f dBFS): move closer or raise the input gain", rms)
	default:
		r.OK = true
		r.Verdict = fmt.Sprintf("working: level %.1f dBFS, peak %.1f dBFS", rms, round1(lv.PeakdBFS))
	}
	if lv.DualMono && !lv.Silent {
		notes = append(notes, fmt.Sprintf("all %d channels carry the same signal: a mono microphone carried as stereo", f.Channels))
	}
	r.Detail = strings.Join(notes, "; ")
	return r
}

// TestMicrophone records d (DefaultMicDuration when d <= 0) from c, calling
// onLevel (when not nil) about every MeterInterval with the level of the
// latest block, for a live meter, and returns MicVerdict of the recording.
// A source that ends early (io.EOF) is judged on what it delivered; a
// failed or interrupted recording is not ok and says why. c stays open.
func TestMicrophone(ctx context.Context, name string, isDefault bool, c audio.Capturer, d time.Duration, onLevel func(audio.Level)) DeviceResult {
	r, _ := testMic(ctx, name, isDefault, c, d, onLevel)
	return r
}

// testMic is TestMicrophone that also returns the recording, or nil when
// it could not be judged.
func testMic(ctx context.Context, name string, isDefault bool, c audio.Capturer, d time.Duration, onLevel func(audio.Level)) (DeviceResult, []int16) {
	if d <= 0 {
		d = DefaultMicDuration
	}
	f := c.Format()
	pcm, err := record(ctx, c, d, onLevel)
	switch {
	case ctx.Err() != nil:
		return DeviceResult{Name: name, Default: isDefault, Verdict: "microphone test interrupted", Detail: ctx.Err().Error()}, nil
	case err != nil && !errors.Is(err, io.EOF):
		return DeviceResult{Name: name, Default: isDefault,
			Verdict: "could not record: check that no other program holds the microphone", Detail: err.Error()}, nil
	}
	return MicVerdict(name, isDefault, pcm, f), pcm
}

// record reads d of audio from c in blocks of MeterInterval, calling onLevel
// with each block's level. It returns what it read and the error that
// stopped it, if any (io.EOF included).
func record(ctx context.Context, c audio.Capturer, d time.Duration, onLevel func(audio.Level)) ([]int16, error) {
	f := c.Format()
	if err := f.Validate(); err != nil {
		return nil, err
	}
	buf := make([]int16, f.Samples(d))
	block := max(f.Samples(MeterInterval), f.Channels)
	n := 0
	for n < len(buf) {
		k, err := c.Read(ctx, buf[n:min(n+block, len(buf))])
		if onLevel != nil && k > 0 {
			onLevel(audio.Measure(buf[n:n+k], f.Channels))
		}
		n += k
		if err != nil {
			return buf[:n], err
		}
	}
	return buf, nil
}

// TestSpeaker plays the bundled chime (assets.Chime) on p, converted to p's
// format, calling onLevel (when not nil) about every MeterInterval with the
// level of what the device is playing at that moment (the output meter),
// and once with silence at the end. It returns ok when playback ran without
// error and the device ran dry at most MaxUnderruns times (for Players that
// count underruns, audio.UnderrunCounter). The Verdict says the sound was
// played and asks whether it was heard: the UI asks the person and records
// the answer; a program cannot hear the room. p stays open.
func TestSpeaker(ctx context.Context, name string, isDefault bool, p audio.Player, onLevel func(audio.Level)) DeviceResult {
	r := DeviceResult{Name: name, Default: isDefault}
	chime, f, err := audio.ReadWAV(bytes.NewReader(assets.Chime))
	if err != nil {
		r.Verdict, r.Detail = "the test sound is unreadable", err.Error()
		return r
	}
	under, err := play(ctx, p, chime, f, onLevel)
	switch {
	case ctx.Err() != nil:
		r.Verdict, r.Detail = "speaker test interrupted", ctx.Err().Error()
	case err != nil:
		r.Verdict, r.Detail = "could not play the test sound: check that the speaker is connected and not used by another program", err.Error()
	case under > MaxUnderruns:
		r.Verdict = fmt.Sprintf("the test sound stuttered (%d underruns): the computer or its audio system is overloaded", under)
	default:
		r.OK, r.Verdict = true, verdictHearIt
		if under > 1 {
			r.Detail = fmt.Sprintf("%d underruns", under)
		}
	}
	return r
}

// EchoTest records d (DefaultEchoDuration when d <= 0) from c, then plays
// the recording back on p and waits until the device has taken it, calling
// onPhase (when not nil) with "recording", "playing" and "done". It returns
// the recording's level. A source that ends early is played as far as it
// went; cancellation returns ctx.Err().
func EchoTest(ctx context.Context, c audio.Capturer, p audio.Player, d time.Duration, onPhase func(phase string)) (audio.Level, error) {
	res, err := echoTest(ctx, c, p, d, onPhase, nil)
	return res.Recorded, err
}

// meterEntry is the level of one written block and when it will be heard.
type meterEntry struct {
	at time.Time
	lv audio.Level
}

// play writes pcm (in format from) to p, converted to p's format, keeping
// about playLead queued, and returns once the device has taken every sample,
// with the underruns p counted meanwhile (0 for Players that do not count).
// onLevel gets the level of the block being heard every MeterInterval and a
// silent level at the end.
func play(ctx context.Context, p audio.Player, pcm []int16, from audio.Format, onLevel func(audio.Level)) (uint64, error) {
	to := p.Format()
	if err := errors.Join(from.Validate(), to.Validate()); err != nil {
		return 0, err
	}
	if from != to {
		conv, err := convert(pcm, from, to)
		if err != nil {
			return 0, err
		}
		pcm = conv
	}
	uc, _ := p.(audio.UnderrunCounter)
	var u0 uint64
	if uc != nil {
		u0 = uc.Underruns()
	}
	block := max(to.Samples(MeterInterval), to.Channels)
	lead := to.Samples(playLead)
	// A device that stops taking samples is given up on after the sound's
	// length plus this much.
	deadline := time.Now().Add(to.Duration(len(pcm)) + 2*time.Second)

	t := time.NewTicker(MeterInterval / 5)
	defer t.Stop()
	var queue []meterEntry
	nextMeter := time.Now()
	pos := 0
	for {
		now := time.Now()
		// Refill up to the lead, one meter block at a time.
		for pos < len(pcm) && to.Samples(p.Buffered()) < lead {
			chunk := pcm[pos:min(pos+block, len(pcm))]
			at := now.Add(p.Buffered())
			n, err := p.Write(chunk)
			if err != nil {
				return 0, err
			}
			if n == 0 {
				break
			}
			queue = append(queue, meterEntry{at: at, lv: audio.Measure(chunk[:n], to.Channels)})
			pos += n
		}
		if onLevel != nil && !now.Before(nextMeter) {
			nextMeter = now.Add(MeterInterval)
			var due *audio.Level
			for len(queue) > 0 && !queue[0].at.After(now) {
				due = &queue[0].lv
				queue = queue[1:]
			}
			if due != nil {
				onLevel(*due)
			}
		}
		if pos == len(pcm) && p.Buffered() == 0 {
			break
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("check: play: %s still queued: %w", p.Buffered(), ErrStalled)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-t.C:
		}
	}
	if onLevel != nil {
		onLevel(audio.Measure(nil, to.Channels))
	}
	if uc == nil {
		return 0, nil
	}
	return uc.Underruns() - u0, nil
}

// convert resamples and remixes pcm from one format to another.
func convert(pcm []int16, from, to audio.Format) ([]int16, error) {
	r, err := ffmpeg.NewResampler(from, to)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out, err := r.Convert(pcm)
	if err != nil {
		return nil, err
	}
	tail, err := r.Flush()
	if err != nil {
		return nil, err
	}
	return append(out, tail...), nil
}

// DeviceOptions tunes CheckDevices. Zero values get defaults.
type DeviceOptions struct {
	// MicDuration is how long the default microphone is recorded; default
	// DefaultMicDuration.
	MicDuration time.Duration
	// Progress, when set, is called before each step, for a UI.
	Progress func(step string)
	// OnMicLevel and OnSpeakerLevel, when set, receive the live input and
	// output levels of the microphone and speaker tests.
	OnMicLevel, OnSpeakerLevel func(audio.Level)
	// Clean is the talk's cleaning the default microphone's recording is
	// also measured through (level_after_gain_dbfs); the zero value has
	// noise suppression and automatic gain on, as a talk by default.
	Clean aec.Options
}

// CheckDevices lists the microphones and speakers of a, tests the default
// of each kind (the microphone with TestMicrophone for o.MicDuration, the
// speaker with TestSpeaker), opens each other device once (ok means it
// opened), and lists the devices again at the end: a device that appeared
// or disappeared meanwhile (a headset plugged in or pulled out) is noted in
// Detail, a new one is opened, a gone one is not ok. With no device of a
// kind, that kind holds one entry, not ok, whose verdict explains what will
// not work ("no microphone found: talk will be unavailable"). Devices are
// opened in DeviceFormat and closed before CheckDevices returns.
func CheckDevices(ctx context.Context, a AudioDevices, o DeviceOptions) *Devices {
	if o.MicDuration <= 0 {
		o.MicDuration = DefaultMicDuration
	}
	progress := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	progress("listing audio devices")
	caps, plays, listErr := a.Devices()
	if listErr != nil {
		caps, plays = nil, nil
	}
	mics := checkKind(ctx, a, caps, true, o, progress)
	speakers := checkKind(ctx, a, plays, false, o, progress)

	progress("looking for devices plugged in or removed during the check")
	caps2, plays2, err := a.Devices()
	if err == nil {
		mics = noteChanges(ctx, a, mics, caps, caps2, true)
		speakers = noteChanges(ctx, a, speakers, plays, plays2, false)
	}
	if len(mics) == 0 {
		mics = []DeviceResult{none(verdictNoMic, listErr)}
	}
	if len(speakers) == 0 {
		speakers = []DeviceResult{none(verdictNoSpeaker, listErr)}
	}
	return &Devices{Microphones: mics, Speakers: speakers}
}

// none is the entry standing for a kind of device that was not found.
func none(verdict string, err error) DeviceResult {
	r := DeviceResult{Name: "(none)", Verdict: verdict}
	if err != nil {
		r.Detail = err.Error()
	}
	return r
}

// defaultIndex returns the index of the device marked default, or 0 (the
// first listed) when none is.
func defaultIndex(list []audio.DeviceInfo) int {
	for i, d := range list {
		if d.Default {
			return i
		}
	}
	return 0
}

// checkKind tests the default device of list and opens the others.
func checkKind(ctx context.Context, a AudioDevices, list []audio.DeviceInfo, capture bool, o DeviceOptions, progress func(string)) []DeviceResult {
	if len(list) == 0 {
		return nil
	}
	def := defaultIndex(list)
	out := make([]DeviceResult, 0, len(list))
	for i, d := range list {
		isDefault := i == def
		switch {
		case !isDefault:
			out = append(out, openOnly(ctx, a, d, capture, progress))
		case capture:
			progress(fmt.Sprintf("testing microphone %q", d.Name))
			c, err := a.OpenCapture(d.ID, DeviceFormat)
			if err != nil {
				out = append(out, openFailed(d.Name, true, err))
				continue
			}
			r := TestMicrophoneCleaned(ctx, d.Name, true, c, o.MicDuration, o.OnMicLevel, o.Clean)
			closeInto(&r, c.Close())
			out = append(out, r)
		default:
			progress(fmt.Sprintf("testing speaker %q", d.Name))
			p, err := a.OpenPlayback(d.ID, DeviceFormat)
			if err != nil {
				out = append(out, openFailed(d.Name, true, err))
				continue
			}
			r := TestSpeaker(ctx, d.Name, true, p, o.OnSpeakerLevel)
			closeInto(&r, p.Close())
			out = append(out, r)
		}
	}
	return out
}

// openOnly opens a device that is not tested and closes it again.
func openOnly(ctx context.Context, a AudioDevices, d audio.DeviceInfo, capture bool, progress func(string)) DeviceResult {
	if ctx.Err() != nil {
		return DeviceResult{Name: d.Name, Verdict: "not tried: the check was interrupted"}
	}
	var closer io.Closer
	var err error
	if capture {
		progress(fmt.Sprintf("opening microphone %q", d.Name))
		closer, err = a.OpenCapture(d.ID, DeviceFormat)
	} else {
		progress(fmt.Sprintf("opening speaker %q", d.Name))
		closer, err = a.OpenPlayback(d.ID, DeviceFormat)
	}
	if err != nil {
		return openFailed(d.Name, false, err)
	}
	r := DeviceResult{Name: d.Name, OK: true, Verdict: "opens fine (only the default device is tested)"}
	closeInto(&r, closer.Close())
	return r
}

// openFailed is the result of a device that would not open.
func openFailed(name string, isDefault bool, err error) DeviceResult {
	return DeviceResult{Name: name, Default: isDefault,
		Verdict: "could not open: check that it is connected and not used by another program", Detail: err.Error()}
}

// closeInto notes a failed Close in r.
func closeInto(r *DeviceResult, err error) {
	if err != nil {
		addDetail(r, "closing failed: "+err.Error())
	}
}

// addDetail appends a note to r's Detail.
func addDetail(r *DeviceResult, note string) {
	if r.Detail == "" {
		r.Detail = note
		return
	}
	r.Detail += "; " + note
}

// deviceKey identifies a device across two listings: its ID, or its name
// for back-ends that give none.
func deviceKey(d audio.DeviceInfo) string {
	if d.ID != "" {
		return "id:" + d.ID
	}
	return "name:" + d.Name
}

// noteChanges compares the listings before and after the check: a device
// gone is marked not ok, a new one is opened and added, and a change of
// default is noted on the tested device.
func noteChanges(ctx context.Context, a AudioDevices, results []DeviceResult, before, after []audio.DeviceInfo, capture bool) []DeviceResult {
	kind := "speaker"
	if capture {
		kind = "microphone"
	}
	inAfter := make(map[string]bool, len(after))
	for _, d := range after {
		inAfter[deviceKey(d)] = true
	}
	inBefore := make(map[string]bool, len(before))
	for i, d := range before {
		inBefore[deviceKey(d)] = true
		if !inAfter[deviceKey(d)] && i < len(results) {
			results[i].OK = false
			addDetail(&results[i], "disappeared during the check (unplugged?)")
		}
	}
	if len(before) > 0 && len(after) > 0 && len(results) > 0 {
		old, now := before[defaultIndex(before)], after[defaultIndex(after)]
		if deviceKey(old) != deviceKey(now) {
			addDetail(&results[defaultIndex(before)],
				fmt.Sprintf("the default %s changed to %q during the check: run it again to test that one", kind, now.Name))
		}
	}
	for _, d := range after {
		if inBefore[deviceKey(d)] {
			continue
		}
		r := openOnly(ctx, a, d, capture, func(string) {})
		r.Default = d.Default
		addDetail(&r, "appeared during the check (plugged in?): run the check again to test it")
		results = append(results, r)
	}
	return results
}
