package audio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestWAVCapturerPacing(t *testing.T) {
	f := Format{SampleRate: 8000, Channels: 1}
	tone := Tone(440, -6, f, 300*time.Millisecond)
	c := NewWAVCapturer(tone, f, false)
	defer c.Close()
	if c.Format() != f {
		t.Fatalf("Format = %v", c.Format())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf := make([]int16, 160) // 20 ms
	var got []int16
	start := time.Now()
	for {
		n, err := c.Read(ctx, buf)
		got = append(got, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n != len(buf) {
			t.Fatalf("short read %d without EOF", n)
		}
	}
	el := time.Since(start)
	if !equal(got, tone) {
		t.Fatalf("captured %d samples, differing from the %d given", len(got), len(tone))
	}
	// Real time: 300 ms of samples take about 300 ms (the first chunk is due at 20 ms).
	if el < 280*time.Millisecond || el > 3*time.Second { // the upper bound only catches a runaway; load makes it slower
		t.Fatalf("300 ms of audio took %v", el)
	}
	if n, err := c.Read(ctx, buf); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("Read after end = %d, %v", n, err)
	}
}

func TestWAVCapturerLoopCancelClose(t *testing.T) {
	f := Format{SampleRate: 8000, Channels: 2}
	c := NewWAVCapturer([]int16{1, 2, 3, 4}, f, true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf := make([]int16, 16) // 1 ms
	if n, err := c.Read(ctx, buf); n != 16 || err != nil {
		t.Fatalf("loop Read = %d, %v", n, err)
	}
	for i, s := range buf {
		if s != int16(i%4+1) {
			t.Fatalf("loop sample %d = %d", i, s)
		}
	}
	// A read of 10 s is cut short by its context.
	short, cancelShort := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancelShort()
	if _, err := c.Read(short, make([]int16, f.Samples(10*time.Second))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read past deadline = %v", err)
	}
	// And by Close.
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(ctx, make([]int16, f.Samples(10*time.Second)))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Read during Close = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not wake Read")
	}
	if _, err := c.Read(ctx, buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
}

func TestWAVPlayer(t *testing.T) {
	f := Format{SampleRate: 16000, Channels: 2}
	var ws writeSeeker
	w, err := NewWAVWriter(&ws, f)
	if err != nil {
		t.Fatal(err)
	}
	p := NewWAVPlayer(w, f)
	if p.Format() != f {
		t.Fatalf("Format = %v", p.Format())
	}
	tone := Tone(1000, -10, f, 200*time.Millisecond)
	if n, err := p.Write(tone); n != len(tone) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if b := p.Buffered(); b < 150*time.Millisecond || b > 200*time.Millisecond {
		t.Fatalf("Buffered = %v right after writing 200 ms", b)
	}
	// A write beyond the 2 s buffer is cut.
	if n, _ := p.Write(make([]int16, f.Samples(3*time.Second))); n >= f.Samples(2*time.Second) {
		t.Fatalf("Write accepted %d samples beyond its buffer", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Buffered() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // run dry: one underrun
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if _, err := p.Write(tone); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if u := p.(UnderrunCounter).Underruns(); u != 1 {
		t.Fatalf("Underruns = %d, want 1", u)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, rf, err := ReadWAV(bytes.NewReader(ws.buf))
	if err != nil || rf != f {
		t.Fatalf("recording: %v %v", err, rf)
	}
	if el := f.Duration(len(rec)); el < 2*time.Second {
		t.Fatalf("recorded %v, want the 2.2 s played", el)
	}
	head := Mono(rec[:len(tone)], 2)
	if fr := DominantFrequency(head, f.SampleRate); math.Abs(fr-1000) > 5 {
		t.Fatalf("recorded tone at %.1f Hz", fr)
	}
	if lv := Measure(rec[:len(tone)], 2); math.Abs(lv.PeakdBFS+10) > 0.1 || !lv.DualMono {
		t.Fatalf("recorded level %+v", lv)
	}
}
