//go:build unix

package player

import (
	"image"
	"syscall"
	"testing"
	"time"
)

// BenchmarkMotion16Tiles measures one second of 16 tiles at 30 fps, 320x180
// each (a 4x4 wall in a 1280x720 window): b.N such seconds.
func BenchmarkMotion16Tiles(b *testing.B) {
	const tiles, fps = 16, 30
	imgs := make([]*image.RGBA, 2)
	for i := range imgs {
		imgs[i] = image.NewRGBA(image.Rect(0, 0, 320, 180))
		scene(imgs[i], time.Duration(i)*time.Second, 0, 10*time.Second)
	}
	ds := make([]*MotionDetector, tiles)
	for i := range ds {
		ds[i] = NewMotionDetector(MotionConfig{})
	}
	now := time.Unix(0, 0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for f := 0; f < fps; f++ {
			now = now.Add(time.Second / fps)
			for i, d := range ds {
				d.Observe(imgs[(f+i)%2], now)
			}
		}
	}
	b.StopTimer()
	// CPU time, not wall time: on a loaded machine wall time counts the
	// other processes' share too. One op is one second of video.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(time.Second)*100, "%core")
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
