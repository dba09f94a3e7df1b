package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/miniaudio"
	"github.com/lookout-app/lookout/ui"
)

// Formats the window's speaker and microphone run at.
var (
	speakerFormat = audio.Format{SampleRate: 48000, Channels: 2}
	micFormat     = audio.Format{SampleRate: 48000, Channels: 1}
)

// audioBackend is the sound system: --audio, else $LOOKOUT_AUDIO, else
// "auto". "null" (miniaudio's null devices, paced in real time) must be
// chosen explicitly; "none" opens nothing.
func audioBackend(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("LOOKOUT_AUDIO"); v != "" {
		return v
	}
	return miniaudio.BackendAuto
}

// openSound opens the default speaker and prepares the default microphone.
// Whatever is missing is described in Sound.Problem; close releases the rest.
func openSound(backend string, g *globals) (snd ui.Sound, close func()) {
	close = func() {}
	if backend == "none" {
		return ui.Sound{Problem: "audio turned off (--audio none)"}, close
	}
	ctx, err := miniaudio.Open(backend, g.log)
	if err != nil {
		return ui.Sound{Problem: soundProblem(err)}, close
	}
	capture, playback, err := ctx.Devices()
	if err != nil {
		_ = ctx.Close()
		return ui.Sound{Problem: soundProblem(err)}, close
	}
	var problems []error
	if len(playback) == 0 {
		problems = append(problems, errors.New("no speaker"))
	} else if sp, err := ctx.OpenPlayback("", speakerFormat); err != nil {
		problems = append(problems, fmt.Errorf("speaker: %w", err))
	} else {
		snd.Speaker = sp
	}
	if len(capture) == 0 {
		problems = append(problems, errors.New("no microphone"))
	} else {
		snd.OpenMic = func() (audio.Capturer, error) { return ctx.OpenCapture("", micFormat) }
	}
	if len(problems) > 0 {
		snd.Problem = soundProblem(errors.Join(problems...))
	}
	return snd, func() {
		if snd.Speaker != nil {
			_ = snd.Speaker.Close()
		}
		_ = ctx.Close()
	}
}

func soundProblem(err error) string { return oneLine(err.Error()) }
