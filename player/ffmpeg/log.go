package ffmpeg

import "github.com/asticode/go-astiav"

// SetVerbose chooses what FFmpeg itself prints to stderr: its warnings and
// errors when on, nothing when off (the default a command should set, so a
// failure stays the one line the CLI prints; decode errors reach the caller
// as values anyway). astiav's log callback is not used: it formats into a
// fixed 1 KiB buffer with vsprintf.
func SetVerbose(on bool) {
	if on {
		astiav.SetLogLevel(astiav.LogLevelWarning)
		return
	}
	astiav.SetLogLevel(astiav.LogLevelQuiet)
}
