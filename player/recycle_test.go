package player

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// Run recycles packets only from a source that reads into buffers; pion's
// TrackRemote, which session hands it, is one.
var _ RTPBufferReader = (*webrtc.TrackRemote)(nil)

// rtpOnlyReader hides a source's Read: Run reads through ReadRTP.
type rtpOnlyReader struct{ RTPReader }

// TestVideoReadRecyclesPackets: reading from a source that fills buffers
// (as pion's TrackRemote.Read does), Run allocates no buffer or packet per
// packet: what is left is pion's H.264 depacketizer's (about 1.4 a packet
// on this stream of 4 kB pictures in 1200-byte packets). Through ReadRTP,
// as before, each packet costs a receive buffer and a packet more. The
// pictures' bytes are checked in TestVideoDelivery's Read cases.
func TestVideoReadRecyclesPackets(t *testing.T) {
	pool, packets := receivePool()
	perPacket := func(rtpOnly bool) float64 {
		return testing.AllocsPerRun(3, func() {
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			v, err := NewVideo(VideoConfig{MimeType: MimeTypeH264, Now: clk.now}, &benchDecoder{})
			if err != nil {
				t.Fatal(err)
			}
			var src RTPReader = &readerSource{loopSource{pool: pool, clk: clk, n: len(pool)}}
			if rtpOnly {
				src = rtpOnlyReader{src}
			}
			if err := v.Run(context.Background(), src); err != nil {
				t.Fatal(err)
			}
			if st := v.Stats(); st.Frames != uint64(len(pool)) {
				t.Fatalf("%d frames decoded of %d", st.Frames, len(pool))
			}
		}) / float64(packets)
	}
	read, readRTP := perPacket(false), perPacket(true)
	t.Logf("allocations a packet: %.2f through Read, %.2f through ReadRTP (%d packets)", read, readRTP, packets)
	// Relative, not absolute: the race detector's build allocates about
	// 0.2 a packet more in both (1.61 and 3.58).
	if readRTP-read < 1.9 {
		t.Errorf("Read saves %.2f allocations a packet over ReadRTP, want the buffer and the packet (2): the receive buffers are not recycled", readRTP-read)
	}
}
