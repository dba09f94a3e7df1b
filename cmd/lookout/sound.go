package main

import (
	"os"

	"github.com/lookout-app/lookout/audio/miniaudio"
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

// openAudio opens the sound system, or says why there is none.
func openAudio(backend string, g *globals) (*miniaudio.Context, string) {
	if backend == "none" {
		return nil, "audio turned off (--audio none)"
	}
	ctx, err := miniaudio.Open(backend, g.log)
	if err != nil {
		return nil, oneLine(err.Error())
	}
	return ctx, ""
}
