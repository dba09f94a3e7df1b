package ffmpeg

import (
	"context"
	"os"
	"testing"

	"github.com/pion/rtp/codecs"

	"github.com/lookout-app/lookout/player"
)

func BenchmarkTmpTile(b *testing.B) {
	aus := h264AccessUnits(b, os.Getenv("CLIP"))
	pkts := packetize(aus, &codecs.H264Payloader{})
	dec, _ := NewDecoder(player.MimeTypeH264)
	defer dec.Close()
	dec.SetOutputSize(233, 131)
	sink := &countSink{w: 233, h: 131}
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		v, _ := player.NewVideo(player.VideoConfig{MimeType: player.MimeTypeH264, Sink: sink}, dec)
		_ = v.Run(context.Background(), &clipReader{pkts: pkts})
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(sink.n), "cpu-us/frame")
}
