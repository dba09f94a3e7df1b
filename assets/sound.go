package assets

import _ "embed"

// Chime is the speaker test sound of the pre-check: a two-note "ding-dong"
// (G5, 784 Hz, then E5, 659 Hz, with soft bell-like overtones) lasting
// 0.8 s, as a WAV file of 48 kHz mono 16-bit PCM peaking at -12 dBFS.
//
//go:embed chime.wav
var Chime []byte
