package main

import (
	"runtime"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/ui"
)

// windowDecoder makes the window's video decoders, each with its share of
// the cores for the tiles running when its session starts (a new session
// after a reconnect or a change of wall takes the new count):
// player.DecoderThreads.
func windowDecoder(mime string) (player.Decoder, error) {
	return ffmpeg.NewDecoderThreads(mime, player.DecoderThreads(ui.Tiles(), runtime.NumCPU()))
}
