package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAV format tags of the fmt chunk.
const (
	wavePCM        = 1
	waveFloat      = 3
	waveExtensible = 0xFFFE
)

// streamingSize is the RIFF and data chunk size written until Close knows
// the real one; readers (ReadWAV, FFmpeg) take it as "up to the end".
const streamingSize = 0xFFFFFFFF

// ReadWAV reads a RIFF/WAVE file of integer PCM (8-bit unsigned, 16, 24 or
// 32-bit signed), or IEEE float (32 or 64-bit), with any channel count and
// rate (WAVE_FORMAT_EXTENSIBLE included), and returns its samples converted
// to interleaved int16 with its Format. Wider samples are truncated to their
// top 16 bits and floats are scaled by 32768, rounded and clipped, as
// FFmpeg's converters do. A data chunk whose size is 0 or 0xFFFFFFFF (a
// streaming or unfinished file), or larger than the file, is read to the end.
func ReadWAV(r io.Reader) ([]int16, Format, error) {
	br := bufio.NewReader(r)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, Format{}, fmt.Errorf("audio: wav: %w: %w", ErrNotWAV, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, Format{}, fmt.Errorf("audio: wav: %w", ErrNotWAV)
	}
	var (
		f        Format
		tag      uint16
		bits     int
		align    int
		haveFmt  bool
		chunkHdr [8]byte
	)
	for {
		if _, err := io.ReadFull(br, chunkHdr[:]); err != nil {
			return nil, Format{}, fmt.Errorf("audio: wav: no data chunk: %w", ErrNotWAV)
		}
		id := string(chunkHdr[0:4])
		size := binary.LittleEndian.Uint32(chunkHdr[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1<<16 {
				return nil, Format{}, fmt.Errorf("audio: wav: fmt chunk of %d bytes: %w", size, ErrNotWAV)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(br, b); err != nil {
				return nil, Format{}, fmt.Errorf("audio: wav: fmt chunk: %w", err)
			}
			tag = binary.LittleEndian.Uint16(b[0:2])
			f.Channels = int(binary.LittleEndian.Uint16(b[2:4]))
			f.SampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
			align = int(binary.LittleEndian.Uint16(b[12:14]))
			bits = int(binary.LittleEndian.Uint16(b[14:16]))
			if tag == waveExtensible {
				if size < 40 {
					return nil, Format{}, fmt.Errorf("audio: wav: short extensible fmt chunk: %w", ErrNotWAV)
				}
				// The sub-format GUID starts with the format tag.
				tag = binary.LittleEndian.Uint16(b[24:26])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, Format{}, fmt.Errorf("audio: wav: data before fmt: %w", ErrNotWAV)
			}
			return readWAVData(br, f, tag, bits, align, size)
		default:
			if _, err := br.Discard(int(size) + int(size%2)); err != nil {
				return nil, Format{}, fmt.Errorf("audio: wav: chunk %q: %w", id, err)
			}
		}
	}
}

// readWAVData converts the data chunk.
func readWAVData(r io.Reader, f Format, tag uint16, bits, align int, size uint32) ([]int16, Format, error) {
	if err := f.Validate(); err != nil {
		return nil, Format{}, fmt.Errorf("audio: wav: %w", err)
	}
	width := bits / 8
	ok := false
	switch tag {
	case wavePCM:
		ok = bits == 8 || bits == 16 || bits == 24 || bits == 32
	case waveFloat:
		ok = bits == 32 || bits == 64
	}
	if !ok || align != width*f.Channels {
		return nil, Format{}, fmt.Errorf("audio: wav: format tag %#x, %d bits, block %d: %w", tag, bits, align, ErrUnsupportedWAV)
	}
	var data []byte
	var err error
	if size == 0 || size == streamingSize {
		data, err = io.ReadAll(r)
	} else {
		// Grow as the bytes arrive rather than trusting the header's size.
		data, err = io.ReadAll(io.LimitReader(r, int64(size)))
	}
	if err != nil {
		return nil, Format{}, fmt.Errorf("audio: wav: data: %w", err)
	}
	n := len(data) / align * f.Channels
	out := make([]int16, n)
	for i := range out {
		b := data[i*width:]
		switch {
		case tag == waveFloat && bits == 32:
			out[i] = floatToS16(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		case tag == waveFloat:
			out[i] = floatToS16(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		case bits == 8:
			out[i] = int16(int(b[0])-128) << 8
		case bits == 16:
			out[i] = int16(binary.LittleEndian.Uint16(b))
		case bits == 24:
			out[i] = int16(uint16(b[1]) | uint16(b[2])<<8)
		default:
			out[i] = int16(binary.LittleEndian.Uint16(b[2:]))
		}
	}
	return out, f, nil
}

// floatToS16 scales a float sample to int16 as FFmpeg does: rounded, clipped.
func floatToS16(v float64) int16 {
	if math.IsNaN(v) {
		return 0
	}
	return int16(max(-32768, min(32767, math.RoundToEven(v*32768))))
}

// WAVWriter streams 16-bit PCM into a WAV file. Until Close, the header
// carries sizes of 0xFFFFFFFF, which readers take as "read to the end", so a
// file cut short by a crash still plays; Close writes the real sizes.
type WAVWriter struct {
	w      io.WriteSeeker
	f      Format
	start  int64 // offset of the RIFF header
	n      int64 // data bytes written
	buf    []byte
	closed bool
}

// NewWAVWriter writes the header for f at w's current offset and returns a
// writer of 16-bit PCM. Close finalizes the header; it does not close w.
func NewWAVWriter(w io.WriteSeeker, f Format) (*WAVWriter, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("audio: wav writer: %w", err)
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("audio: wav writer: %w", err)
	}
	ww := &WAVWriter{w: w, f: f, start: start}
	if _, err := w.Write(ww.header(streamingSize, streamingSize)); err != nil {
		return nil, fmt.Errorf("audio: wav writer: header: %w", err)
	}
	return ww, nil
}

// Format returns the format the writer was created with.
func (w *WAVWriter) Format() Format { return w.f }

// header returns the 44-byte canonical header with the given sizes.
func (w *WAVWriter) header(riffSize, dataSize uint32) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], riffSize)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavePCM)
	binary.LittleEndian.PutUint16(h[22:], uint16(w.f.Channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(w.f.SampleRate))
	binary.LittleEndian.PutUint32(h[28:], uint32(w.f.SampleRate*w.f.Channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(w.f.Channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataSize)
	return h
}

// Write appends interleaved samples. Call it from one goroutine at a time.
func (w *WAVWriter) Write(p []int16) error {
	if w.closed {
		return fmt.Errorf("audio: wav writer: %w", ErrClosed)
	}
	if w.n+int64(2*len(p)) > math.MaxUint32-44 {
		return errors.New("audio: wav writer: file would exceed 4 GiB")
	}
	w.buf = w.buf[:0]
	for _, s := range p {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(s))
	}
	n, err := w.w.Write(w.buf)
	w.n += int64(n)
	if err != nil {
		return fmt.Errorf("audio: wav writer: %w", err)
	}
	return nil
}

// Close writes the real sizes into the header and leaves w positioned after
// the data. Later calls return ErrClosed.
func (w *WAVWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	end := w.start + 44 + w.n
	if _, err := w.w.Seek(w.start, io.SeekStart); err != nil {
		return fmt.Errorf("audio: wav writer: finalize: %w", err)
	}
	if _, err := w.w.Write(w.header(uint32(36+w.n), uint32(w.n))); err != nil {
		return fmt.Errorf("audio: wav writer: finalize: %w", err)
	}
	if _, err := w.w.Seek(end, io.SeekStart); err != nil {
		return fmt.Errorf("audio: wav writer: finalize: %w", err)
	}
	return nil
}
