package ffmpeg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player"
)

// toneCheck measures p (interleaved, format f) after skipping skip, and
// fails unless its first channel's dominant frequency is within freqTol
// (relative) of freq and its RMS within levelTol dB of wantRMS.
func toneCheck(t *testing.T, p []int16, f audio.Format, skip time.Duration, freq, wantRMS, freqTol, levelTol float64) {
	t.Helper()
	s := min(f.Samples(skip), len(p))
	p = p[s:]
	if len(p) < f.Samples(200*time.Millisecond) {
		t.Fatalf("only %v of audio after skipping %v", f.Duration(len(p)), skip)
	}
	mono := audio.Mono(p, f.Channels)
	got := audio.DominantFrequency(mono, f.SampleRate)
	if math.Abs(got-freq)/freq > freqTol {
		t.Errorf("tone at %.2f Hz, want %.2f ± %.1f%%", got, freq, 100*freqTol)
	}
	lv := audio.Measure(p, f.Channels)
	if math.Abs(lv.RMSdBFS-wantRMS) > levelTol {
		t.Errorf("RMS %.2f dBFS, want %.2f ± %.1f dB", lv.RMSdBFS, wantRMS, levelTol)
	}
	if f.Channels == 2 && !lv.DualMono && lv.Correlation < 0.99 {
		t.Errorf("channels differ: correlation %.3f", lv.Correlation)
	}
}

// chunks feeds p to fn in pieces of d.
func chunks(p []int16, f audio.Format, d time.Duration, fn func([]int16)) {
	step := f.Samples(d)
	for len(p) > 0 {
		n := min(step, len(p))
		fn(p[:n])
		p = p[n:]
	}
}

func TestResampler(t *testing.T) {
	rates := []int{8000, 16000, 44100, 48000}
	for _, inRate := range rates {
		for _, outRate := range rates {
			for _, ch := range [][2]int{{1, 1}, {2, 2}, {1, 2}, {2, 1}} {
				in := audio.Format{SampleRate: inRate, Channels: ch[0]}
				out := audio.Format{SampleRate: outRate, Channels: ch[1]}
				t.Run(fmt.Sprintf("%v to %v", in, out), func(t *testing.T) {
					r, err := NewResampler(in, out)
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					tone := audio.Tone(440, -6, in, time.Second)
					var got []int16
					var cerr error
					chunks(tone, in, 20*time.Millisecond, func(p []int16) {
						c, err := r.Convert(p)
						cerr = errors.Join(cerr, err)
						got = append(got, c...)
					})
					tail, err := r.Flush()
					if err = errors.Join(cerr, err); err != nil {
						t.Fatal(err)
					}
					got = append(got, tail...)
					if len(got)%out.Channels != 0 {
						t.Fatalf("%d samples: not whole frames", len(got))
					}
					// One second in, one second out, give or take the filter.
					if d := out.Duration(len(got)) - time.Second; d < -5*time.Millisecond || d > 5*time.Millisecond {
						t.Fatalf("1 s became %v", out.Duration(len(got)))
					}
					toneCheck(t, got[:len(got)-out.Samples(20*time.Millisecond)], out, 20*time.Millisecond, 440, -9.03, 0.01, 0.5)
				})
			}
		}
	}
}

func TestResamplerErrors(t *testing.T) {
	if _, err := NewResampler(audio.Format{}, audio.Format{SampleRate: 8000, Channels: 1}); !errors.Is(err, audio.ErrInvalidFormat) {
		t.Fatalf("NewResampler(zero) = %v", err)
	}
	r, err := NewResampler(audio.Format{SampleRate: 8000, Channels: 1}, audio.Format{SampleRate: 48000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if _, err := r.Convert([]int16{1}); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("Convert after Close = %v", err)
	}
}

func TestAudioEncoderFrames(t *testing.T) {
	cases := []struct {
		mime         string
		in           audio.Format
		frameSamples int
		wantDur      time.Duration
		wantFrames   int // for 1 s of input
		wantBytes    int // exact size; 0: any
	}{
		{"audio/PCMU", audio.Format{SampleRate: 48000, Channels: 2}, 240, 30 * time.Millisecond, 33, 240},
		{"audio/PCMA", audio.Format{SampleRate: 16000, Channels: 1}, 160, 20 * time.Millisecond, 50, 160},
		{"audio/pcmu", audio.Format{SampleRate: 8000, Channels: 1}, 0, 20 * time.Millisecond, 50, 160},
		{"audio/opus", audio.Format{SampleRate: 48000, Channels: 1}, 960, 20 * time.Millisecond, 50, 0},
		{"audio/opus", audio.Format{SampleRate: 44100, Channels: 2}, 0, 20 * time.Millisecond, 50, 0},
		{"audio/opus", audio.Format{SampleRate: 16000, Channels: 1}, 480, 10 * time.Millisecond, 100, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %v %d", c.mime, c.in, c.frameSamples), func(t *testing.T) {
			e, err := NewAudioEncoder(c.mime, c.in, c.frameSamples)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if e.FrameDuration() != c.wantDur {
				t.Fatalf("FrameDuration = %v, want %v", e.FrameDuration(), c.wantDur)
			}
			var frames [][]byte
			chunks(audio.Tone(440, -10, c.in, time.Second), c.in, 7*time.Millisecond, func(p []int16) {
				out, err := e.Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				frames = append(frames, out...)
			})
			// The resampler holds a few samples back; libopus one frame.
			if len(frames) < c.wantFrames-1 || len(frames) > c.wantFrames {
				t.Fatalf("%d frames from 1 s, want %d", len(frames), c.wantFrames)
			}
			for i, f := range frames {
				if c.wantBytes > 0 && len(f) != c.wantBytes {
					t.Fatalf("frame %d is %d bytes, want %d", i, len(f), c.wantBytes)
				}
				if len(f) == 0 {
					t.Fatalf("frame %d is empty", i)
				}
			}
		})
	}
}

// TestAudioRoundTrip encodes a tone, decodes the frames with AudioDecoder,
// and checks frequency and level.
func TestAudioRoundTrip(t *testing.T) {
	cases := []struct {
		mime     string
		rtpRate  int
		rtpCh    int
		in, out  audio.Format
		frame    int
		levelTol float64
	}{
		{"audio/PCMU", 8000, 1, audio.Format{SampleRate: 48000, Channels: 2}, audio.Format{SampleRate: 48000, Channels: 2}, 240, 0.5},
		{"audio/PCMA", 8000, 1, audio.Format{SampleRate: 16000, Channels: 1}, audio.Format{SampleRate: 44100, Channels: 1}, 160, 0.5},
		{"audio/opus", 48000, 2, audio.Format{SampleRate: 48000, Channels: 1}, audio.Format{SampleRate: 48000, Channels: 1}, 960, 1},
		{"audio/opus", 48000, 2, audio.Format{SampleRate: 48000, Channels: 2}, audio.Format{SampleRate: 16000, Channels: 2}, 960, 1},
		{"audio/opus", 48000, 2, audio.Format{SampleRate: 8000, Channels: 1}, audio.Format{SampleRate: 8000, Channels: 1}, 480, 1},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %v to %v", c.mime, c.in, c.out), func(t *testing.T) {
			e, err := NewAudioEncoder(c.mime, c.in, c.frame)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			d, err := NewAudioDecoder(c.mime, c.rtpRate, c.rtpCh, c.out)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var got []int16
			chunks(audio.Tone(440, -10, c.in, time.Second), c.in, 20*time.Millisecond, func(p []int16) {
				frames, err := e.Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range frames {
					pcm, err := d.Decode(f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, pcm...)
				}
			})
			// Skip the codec's start-up (Opus pre-skip and fade-in).
			toneCheck(t, got, c.out, 100*time.Millisecond, 440, -13.01, 0.01, c.levelTol)
		})
	}
}

// TestG711AgainstFFmpeg checks the encoder's µ-law and A-law payloads
// decode with FFmpeg's own pcm_mulaw and pcm_alaw to the same samples the
// g711 package gives.
func TestG711AgainstFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	in := audio.Format{SampleRate: 8000, Channels: 1}
	tone := audio.Tone(1000, -3, in, 300*time.Millisecond)
	for _, c := range []struct{ mime, demux string }{{"audio/PCMU", "mulaw"}, {"audio/PCMA", "alaw"}} {
		e, err := NewAudioEncoder(c.mime, in, 160)
		if err != nil {
			t.Fatal(err)
		}
		frames, err := e.Encode(tone)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		for _, f := range frames {
			raw = append(raw, f...)
		}
		path := filepath.Join(dir, c.demux+".raw")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		pcmPath := filepath.Join(dir, c.demux+".s16")
		runFFmpeg(t, "-f", c.demux, "-ar", "8000", "-ac", "1", "-i", path, "-f", "s16le", pcmPath)
		b, err := os.ReadFile(pcmPath)
		if err != nil {
			t.Fatal(err)
		}
		var want []int16
		if c.demux == "mulaw" {
			want = g711.DecodeUlaw(nil, raw)
		} else {
			want = g711.DecodeAlaw(nil, raw)
		}
		if len(b) != 2*len(want) {
			t.Fatalf("%s: ffmpeg decoded %d bytes, want %d", c.mime, len(b), 2*len(want))
		}
		for i := range want {
			if got := int16(binary.LittleEndian.Uint16(b[2*i:])); got != want[i] {
				t.Fatalf("%s: sample %d: ffmpeg %d, g711 %d", c.mime, i, got, want[i])
			}
		}
	}
}

// adtsFrames splits an ADTS stream into frames.
func adtsFrames(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) >= 7 {
		if b[0] != 0xFF || b[1]&0xF0 != 0xF0 {
			t.Fatalf("lost ADTS sync")
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		if n < 7 || n > len(b) {
			t.Fatalf("ADTS frame of %d bytes", n)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// TestAACDecode decodes ffmpeg-made AAC three ways: ADTS frames as
// audio/aac, raw access units with an AudioSpecificConfig, and RFC 3640
// payloads (AAC-hbr, two units per packet) as audio/mpeg4-generic.
func TestAACDecode(t *testing.T) {
	requireFFmpeg(t)
	path := filepath.Join(t.TempDir(), "tone.aac")
	runFFmpeg(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=44100",
		"-af", "volume=-6dB,pan=stereo|c0=c0|c1=c0", "-c:a", "aac", "-b:a", "128k", "-f", "adts", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	frames := adtsFrames(t, b)
	if len(frames) < 40 {
		t.Fatalf("%d ADTS frames", len(frames))
	}
	h := frames[0]
	if h[1]&1 == 0 {
		t.Fatal("ffmpeg wrote ADTS with a CRC")
	}
	// AudioSpecificConfig from the ADTS header: object type, rate index, channels.
	aot := int(h[2]>>6) + 1
	rateIdx := int(h[2]>>2) & 0xF
	chCfg := int(h[2]&1)<<2 | int(h[3]>>6)
	asc := binary.BigEndian.AppendUint16(nil, uint16(aot<<11|rateIdx<<7|chCfg<<3))
	out := audio.Format{SampleRate: 48000, Channels: 1}
	// sine's default amplitude is 1/8 of full scale (-18.06 dBFS peak), -6 dB
	// more, copied to both channels by pan (-ac 2 would upmix 3 dB down).
	wantRMS := 20*math.Log10(32768.0/8/32767) - 6 - 3.01

	decodeAll := func(t *testing.T, d *AudioDecoder, payloads [][]byte) []int16 {
		t.Helper()
		defer d.Close()
		var got []int16
		for _, p := range payloads {
			pcm, err := d.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, pcm...)
		}
		return got
	}
	t.Run("adts", func(t *testing.T) {
		d, err := NewAudioDecoder("audio/aac", 44100, 2, out)
		if err != nil {
			t.Fatal(err)
		}
		toneCheck(t, decodeAll(t, d, frames), out, 100*time.Millisecond, 440, wantRMS, 0.01, 1)
	})
	var raw [][]byte
	for _, f := range frames {
		raw = append(raw, f[7:])
	}
	t.Run("raw with config", func(t *testing.T) {
		d, err := NewAudioDecoderConfig("audio/aac", 44100, 2, asc, out)
		if err != nil {
			t.Fatal(err)
		}
		toneCheck(t, decodeAll(t, d, raw), out, 100*time.Millisecond, 440, wantRMS, 0.01, 1)
	})
	t.Run("mpeg4-generic", func(t *testing.T) {
		var payloads [][]byte
		for i := 0; i+1 < len(raw); i += 2 {
			p := binary.BigEndian.AppendUint16(nil, 32) // two 16-bit AU headers
			p = binary.BigEndian.AppendUint16(p, uint16(len(raw[i])<<3))
			p = binary.BigEndian.AppendUint16(p, uint16(len(raw[i+1])<<3))
			p = append(append(p, raw[i]...), raw[i+1]...)
			payloads = append(payloads, p)
		}
		d, err := NewAudioDecoderConfig("audio/MPEG4-GENERIC", 44100, 2, asc, out)
		if err != nil {
			t.Fatal(err)
		}
		toneCheck(t, decodeAll(t, d, payloads), out, 100*time.Millisecond, 440, wantRMS, 0.01, 1)
	})
}

func TestAudioCodecErrors(t *testing.T) {
	f := audio.Format{SampleRate: 48000, Channels: 1}
	if _, err := NewAudioDecoder("audio/G722", 8000, 1, f); !errors.Is(err, player.ErrUnsupportedCodec) {
		t.Fatalf("G722 decoder: %v", err)
	}
	if _, err := NewAudioEncoder("audio/aac", f, 0); !errors.Is(err, player.ErrUnsupportedCodec) {
		t.Fatalf("AAC encoder: %v", err)
	}
	if _, err := NewAudioEncoder("audio/opus", f, 1000); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Opus 1000-sample frames: %v", err)
	}
	if _, err := NewAudioDecoder("audio/PCMU", 8000, 1, audio.Format{}); !errors.Is(err, audio.ErrInvalidFormat) {
		t.Fatalf("decoder to zero format: %v", err)
	}
	d, err := NewAudioDecoder("audio/opus", 48000, 2, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Log("garbage Opus packet decoded without error")
	}
	d.Close()
	d.Close()
	if _, err := d.Decode([]byte{1}); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("Decode after Close = %v", err)
	}
	e, err := NewAudioEncoder("audio/opus", f, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close()
	if _, err := e.Encode(make([]int16, 960)); !errors.Is(err, player.ErrClosed) {
		t.Fatalf("Encode after Close = %v", err)
	}
	// A damaged RFC 3640 payload is an error, not a crash.
	g, err := NewAudioDecoder("audio/mpeg4-generic", 44100, 2, f)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Decode([]byte{0, 16, 0xff, 0xf8, 1}); !errors.Is(err, ErrCorruptFrame) {
		t.Fatalf("AU larger than payload: %v", err)
	}
}

func FuzzSplitAUs(f *testing.F) {
	f.Add([]byte{0, 16, 0, 8, 0xAA})
	f.Add([]byte{0, 32, 0, 8, 0, 16, 1, 2, 3})
	f.Add([]byte{0, 16, 0xff, 0xf8, 1})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, p []byte) {
		aus, err := splitAUs(p)
		if err != nil {
			return
		}
		total := 0
		for _, au := range aus {
			total += len(au)
		}
		if total > len(p) {
			t.Fatalf("units of %d bytes from %d", total, len(p))
		}
	})
}
