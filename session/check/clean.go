package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/aec"
)

// CleanRecording returns pcm (interleaved, in format f) as a talk would
// send it: mixed down to mono and cleaned by an audio/aec Processor with
// o's noise suppression and automatic gain (echo cancellation off: the
// test plays nothing meanwhile), then copied back onto f's channels so it
// plays in the same format.
func CleanRecording(pcm []int16, f audio.Format, o aec.Options) ([]int16, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	o.NoEcho = true
	o.SampleRate = f.SampleRate
	p, err := aec.New(o)
	if err != nil {
		return nil, fmt.Errorf("check: clean: %w", err)
	}
	defer func() { _ = p.Close() }()
	ch := f.Channels
	mono := make([]int16, len(pcm)/ch)
	for i := range mono {
		var s int
		for c := range ch {
			s += int(pcm[i*ch+c])
		}
		mono[i] = int16(s / ch)
	}
	// Whole 10 ms frames, timed as captured back to back.
	frame := f.SampleRate / 100
	at := time.Now()
	mono = mono[:len(mono)/frame*frame]
	for i := 0; i < len(mono); i += frame {
		if err := p.Clean(mono[i:i+frame], at.Add(f.Duration(i*ch))); err != nil {
			return nil, fmt.Errorf("check: clean: %w", err)
		}
	}
	out := make([]int16, len(mono)*ch)
	for i, v := range mono {
		for c := range ch {
			out[i*ch+c] = v
		}
	}
	return out, nil
}

// TestMicrophoneCleaned is TestMicrophone that also reports the level
// after noise suppression and gain (LevelAfterGainDBFS): the recording
// cleaned by CleanRecording with o, as a talk with the same settings
// would send it. The verdict judges the microphone itself (before gain).
func TestMicrophoneCleaned(ctx context.Context, name string, isDefault bool, c audio.Capturer, d time.Duration, onLevel func(audio.Level), o aec.Options) DeviceResult {
	r, pcm := testMic(ctx, name, isDefault, c, d, onLevel)
	if pcm == nil {
		return r
	}
	f := c.Format()
	if cleaned, err := CleanRecording(pcm, f, o); err != nil {
		addDetail(&r, err.Error())
	} else {
		lv := round1(audio.Measure(cleaned, f.Channels).RMSdBFS)
		r.LevelAfterGainDBFS = &lv
	}
	return r
}

// EchoResult is what EchoTestCleaned measured: the recording's level as
// captured and as played back after cleaning.
type EchoResult struct {
	Recorded, Played audio.Level
}

// EchoTestCleaned is EchoTest ("record d, hear it back") playing back the
// recording cleaned by CleanRecording with o, so a person hears their
// voice as a talk would send it.
func EchoTestCleaned(ctx context.Context, c audio.Capturer, p audio.Player, d time.Duration, onPhase func(phase string), o aec.Options) (EchoResult, error) {
	return echoTest(ctx, c, p, d, onPhase, &o)
}

// echoTest is EchoTest, playing back the recording cleaned with clean
// unless it is nil.
func echoTest(ctx context.Context, c audio.Capturer, p audio.Player, d time.Duration, onPhase func(phase string), clean *aec.Options) (EchoResult, error) {
	phase := func(s string) {
		if onPhase != nil {
			onPhase(s)
		}
	}
	if d <= 0 {
		d = DefaultEchoDuration
	}
	f := c.Format()
	phase("recording")
	pcm, err := record(ctx, c, d, nil)
	res := EchoResult{Recorded: audio.Measure(pcm, f.Channels)}
	res.Played = res.Recorded
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("check: echo test: record: %w", err)
	}
	if clean != nil {
		if pcm, err = CleanRecording(pcm, f, *clean); err != nil {
			return res, fmt.Errorf("check: echo test: %w", err)
		}
		res.Played = audio.Measure(pcm, f.Channels)
	}
	phase("playing")
	if _, err := play(ctx, p, pcm, f, nil); err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, fmt.Errorf("check: echo test: play: %w", err)
	}
	phase("done")
	return res, nil
}
