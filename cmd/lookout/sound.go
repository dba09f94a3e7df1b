package main

import (
	"os"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/miniaudio"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/ui"
)

// audioBackend is the sound system: --audio, else $LOOKOUT_AUDIO, else
// "auto". "null" (miniaudio's null devices, paced in real time) must be
// chosen explicitly; "none" opens nothing; "room" is the simulated room.
func audioBackend(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("LOOKOUT_AUDIO"); v != "" {
		return v
	}
	return miniaudio.BackendAuto
}

// soundSystem is what the window opens its speaker and microphone on.
type soundSystem interface {
	check.AudioDevices
	Close() error
}

// openAudio opens the sound system, or says why there is none.
func openAudio(backend string, g *globals) (soundSystem, string) {
	switch backend {
	case "none":
		return nil, "audio turned off (--audio none)"
	case "room":
		r, err := newRoomAudio()
		if err != nil {
			return nil, oneLine(err.Error())
		}
		return r, ""
	}
	ctx, err := miniaudio.Open(backend, g.log)
	if err != nil {
		return nil, oneLine(err.Error())
	}
	return ctx, ""
}

// newRoomAudio is --audio room: a simulated room in real time, where what
// the window plays comes back into its microphone 80 ms later at -6 dB,
// mixed with a near-end voice (1 kHz, 600 ms on and 400 ms off, -18 dBFS):
// the talk path's echo cancellation can be heard and measured with no
// sound card.
func newRoomAudio() (*audio.Room, error) {
	near := audio.Tone(1000, -18, ui.MicFormat, time.Second)
	clear(near[ui.MicFormat.Samples(600*time.Millisecond):])
	return audio.NewRoom(audio.RoomOptions{Mic: ui.MicFormat, Speaker: ui.SpeakerFormat,
		Delay: 80 * time.Millisecond, EchoGain: -6, Near: near, Paced: true})
}
