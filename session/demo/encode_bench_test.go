package demo

import (
	"image"
	"testing"
	"time"
)

// BenchmarkEncodeTestPicture is the demo's cost per camera picture: drawing
// the test picture and encoding it (libx264, one thread), at the sub
// stream's size, as a live feed does 25 times a second.
func BenchmarkEncodeTestPicture(b *testing.B) {
	enc, err := newFFmpegEncoder(SubWidth, SubHeight, videoFPS)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	img := image.NewYCbCr(image.Rect(0, 0, SubWidth, SubHeight), image.YCbCrSubsampleRatio420)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := at.Add(time.Duration(i) * time.Second / videoFPS)
		DrawPicture(img, "Front door", now, int64(i))
		if _, err := enc.Encode(img, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSamePicture(b *testing.B) {
	enc, err := newFFmpegEncoder(SubWidth, SubHeight, videoFPS)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	img := NewPicture(SubWidth, SubHeight, "Front door", time.Now(), 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := enc.Encode(img, false); err != nil {
			b.Fatal(err)
		}
	}
}
