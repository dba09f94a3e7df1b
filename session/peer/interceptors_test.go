package peer

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestReceivedPacketsAreNotCountedTwice: a video stream from a plain pion
// sender reaches the peer's track, and pion's statistics count none of its
// packets: the statistics interceptor, which cloned every packet's header
// for PeerConnection.GetStats, is not registered (the player keeps the
// counts Lookout shows).
func TestReceivedPacketsAreNotCountedTwice(t *testing.T) {
	p, offer := gatheredOffer(t, Config{Video: webrtc.RTPTransceiverDirectionRecvonly, VideoCodecs: []string{webrtc.MimeTypeH264}})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	cam, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "video", "cam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	answerOffer(t, p, cam, offer)
	// The camera sends until the peer has read 50 packets.
	sent, stopped := make(chan struct{}), make(chan struct{})
	defer func() { close(sent); <-stopped }()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for seq := uint16(0); ; seq++ {
			select {
			case <-sent:
				return
			case <-tick.C:
			}
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true},
				Payload: []byte{0x65, 0x88, 0x84, 0x00}} // one IDR slice NAL
			_ = track.WriteRTP(pkt)
		}
	}()
	var tr Track
	select {
	case tr = <-p.Tracks():
	case <-time.After(10 * time.Second):
		t.Fatal("no track within 10 s")
	}
	for n := 0; n < 50; n++ {
		if _, _, err := tr.Remote.ReadRTP(); err != nil {
			t.Fatalf("read %d: %v", n, err)
		}
	}
	for _, s := range p.Stats() {
		if in, ok := s.(webrtc.InboundRTPStreamStats); ok && in.PacketsReceived > 0 {
			t.Fatalf("pion's statistics counted %d packets received: its statistics interceptor runs on every packet", in.PacketsReceived)
		}
	}
}
