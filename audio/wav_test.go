package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// requireFFmpeg skips tests that need the ffmpeg CLI for fixtures.
func requireFFmpeg(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Skip("the ffmpeg CLI is not installed; it makes the WAV fixtures")
	}
}

// ffmpegOut runs ffmpeg and returns its standard output.
func ffmpegOut(tb testing.TB, args ...string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("ffmpeg %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// s16 decodes little-endian 16-bit samples.
func s16(b []byte) []int16 {
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

func TestWAVFormats(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	cases := []struct {
		codec    string
		rate, ch int
	}{
		{"pcm_u8", 8000, 1},
		{"pcm_s16le", 16000, 1},
		{"pcm_s16le", 48000, 2},
		{"pcm_s24le", 44100, 2},
		{"pcm_s24le", 96000, 1},
		{"pcm_s32le", 22050, 2},
		{"pcm_f32le", 48000, 2},
		{"pcm_f32le", 11025, 1},
		{"pcm_f64le", 32000, 2},
		{"pcm_s16le", 48000, 6},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s_%d_%d", c.codec, c.rate, c.ch)
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".wav")
			ffmpegOut(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=48000",
				"-af", "volume=0.9", "-ar", fmt.Sprint(c.rate), "-ac", fmt.Sprint(c.ch), "-c:a", c.codec, path)
			// FFmpeg's own conversion of the fixture to 16 bits is the reference.
			want := s16(ffmpegOut(t, "-i", path, "-f", "s16le", "-c:a", "pcm_s16le", "-"))

			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			got, f, err := ReadWAV(fh)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			if f != (Format{c.rate, c.ch}) {
				t.Fatalf("format %v, want %d Hz %d ch", f, c.rate, c.ch)
			}
			if len(got) != len(want) {
				t.Fatalf("%d samples, ffmpeg reads %d", len(got), len(want))
			}
			for i := range want {
				if d := int(got[i]) - int(want[i]); d > 1 || d < -1 {
					t.Fatalf("sample %d = %d, ffmpeg reads %d", i, got[i], want[i])
				}
			}
			if fr := DominantFrequency(mixDown(got, c.ch), c.rate); fr < 439 || fr > 441 {
				t.Fatalf("tone at %.2f Hz, want 440", fr)
			}

			// Round trip through the writer; ffmpeg must read the result.
			out := filepath.Join(dir, name+"-out.wav")
			wf, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWAVWriter(wf, f)
			if err != nil {
				t.Fatal(err)
			}
			half := len(got) / c.ch / 2 * c.ch
			if err := w.Write(got[:half]); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(got[half:]); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(got); !errors.Is(err, ErrClosed) {
				t.Fatalf("Write after Close: %v", err)
			}
			wf.Close()
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			again, f2, err := ReadWAV(bytes.NewReader(data))
			if err != nil || f2 != f || !equal(again, got) {
				t.Fatalf("round trip: %v, format %v, equal %v", err, f2, equal(again, got))
			}
			if byFFmpeg := s16(ffmpegOut(t, "-i", out, "-f", "s16le", "-c:a", "pcm_s16le", "-")); !equal(byFFmpeg, got) {
				t.Fatalf("ffmpeg reads %d samples of the written file, differing from the %d written", len(byFFmpeg), len(got))
			}
		})
	}
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWAVWriterUnfinished checks that a file whose writer was never closed
// (a crash) still reads in full, by ReadWAV and by ffmpeg.
func TestWAVWriterUnfinished(t *testing.T) {
	f := Format{SampleRate: 8000, Channels: 1}
	tone := Tone(440, -6, f, 500*time.Millisecond)
	path := filepath.Join(t.TempDir(), "cut.wav")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWAVWriter(fh, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tone); err != nil {
		t.Fatal(err)
	}
	fh.Close() // no w.Close
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, gf, err := ReadWAV(bytes.NewReader(data))
	if err != nil || gf != f || !equal(got, tone) {
		t.Fatalf("unfinished file: %v, %v, %d samples of %d", err, gf, len(got), len(tone))
	}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		if byFFmpeg := s16(ffmpegOut(t, "-i", path, "-f", "s16le", "-c:a", "pcm_s16le", "-")); !equal(byFFmpeg, tone) {
			t.Fatalf("ffmpeg reads %d samples of the unfinished file, want %d", len(byFFmpeg), len(tone))
		}
	}
}

// wavBytes builds a WAV file in memory with the writer.
func wavBytes(tb testing.TB, f Format, p []int16) []byte {
	tb.Helper()
	var ws writeSeeker
	w, err := NewWAVWriter(&ws, f)
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Write(p); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return ws.buf
}

// writeSeeker is an in-memory io.WriteSeeker.
type writeSeeker struct {
	buf []byte
	pos int
}

func (w *writeSeeker) Write(p []byte) (int, error) {
	if need := w.pos + len(p); need > len(w.buf) {
		w.buf = append(w.buf, make([]byte, need-len(w.buf))...)
	}
	copy(w.buf[w.pos:], p)
	w.pos += len(p)
	return len(p), nil
}

func (w *writeSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		w.pos = int(off)
	case io.SeekCurrent:
		w.pos += int(off)
	case io.SeekEnd:
		w.pos = len(w.buf) + int(off)
	}
	return int64(w.pos), nil
}

func TestReadWAVErrors(t *testing.T) {
	good := wavBytes(t, Format{8000, 1}, []int16{1, 2, 3})
	adpcm := bytes.Clone(good)
	binary.LittleEndian.PutUint16(adpcm[20:], 2) // MS ADPCM
	odd := bytes.Clone(good)
	binary.LittleEndian.PutUint16(odd[34:], 12) // 12-bit
	noRate := bytes.Clone(good)
	binary.LittleEndian.PutUint32(noRate[24:], 0)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotWAV},
		{"not riff", []byte("OggS0000000000000000"), ErrNotWAV},
		{"header only", good[:12], ErrNotWAV},
		{"adpcm", adpcm, ErrUnsupportedWAV},
		{"12-bit", odd, ErrUnsupportedWAV},
		{"zero rate", noRate, ErrInvalidFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := ReadWAV(bytes.NewReader(c.data)); !errors.Is(err, c.want) {
				t.Fatalf("ReadWAV = %v, want %v", err, c.want)
			}
		})
	}
	// A data chunk claiming more than the file holds reads what is there.
	long := bytes.Clone(good)
	binary.LittleEndian.PutUint32(long[40:], 1000)
	if p, _, err := ReadWAV(bytes.NewReader(long)); err != nil || !equal(p, []int16{1, 2, 3}) {
		t.Fatalf("long data chunk: %v %v", p, err)
	}
	if _, err := NewWAVWriter(&writeSeeker{}, Format{}); !errors.Is(err, ErrInvalidFormat) {
		t.Fatalf("NewWAVWriter(zero format) = %v", err)
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(wavBytes(f, Format{8000, 1}, []int16{1, -2, 3}))
	f.Add(wavBytes(f, Format{48000, 2}, []int16{1, -2, 3, 4}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00\x20\x00data\x04\x00\x00\x00\x00\x00\x80\x3f"))
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, format, err := ReadWAV(bytes.NewReader(data))
		if err != nil {
			return
		}
		if format.Validate() != nil || len(p)%format.Channels != 0 {
			t.Fatalf("accepted format %v with %d samples", format, len(p))
		}
		// What was read writes and reads back unchanged.
		back, f2, err := ReadWAV(bytes.NewReader(wavBytes(t, format, p)))
		if err != nil || f2 != format || !equal(back, p) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// mixDown sums the channels of p: FFmpeg upmixes mono to 5.1 into the
// centre channel alone.
func mixDown(p []int16, channels int) []int16 {
	out := make([]int16, len(p)/channels)
	for i := range out {
		sum := 0
		for c := range channels {
			sum += int(p[i*channels+c])
		}
		out[i] = int16(max(-32768, min(32767, sum/channels)))
	}
	return out
}

func TestWAVWriterCloseTwice(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWAVWriter(f, Format{SampleRate: 8000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("first Close = %v", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
}
