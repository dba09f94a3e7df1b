package wcs

import (
	"context"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session/peer"
)

// specAnswer is the setRemoteSDP answer of spec 004's play example (lines
// the spec's page wrapped joined again; its addresses moved to loopback and
// its truncated fingerprint completed to 32 bytes): Flashphoner's own
// session name, RTP/SAVPF, mids "audio" and "video", wildcard rtcp-fb, no
// BUNDLE group.
const specAnswer = "v=0\r\no=Flashphoner 0 1544580053583 IN IP4 127.0.0.1\r\ns=Flashphoner/1.0\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 31354 RTP/SAVPF 111 8 9\r\nc=IN IP4 127.0.0.1\r\na=mid:audio\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\na=ptime:20\r\na=ice-pwd:1lbnmj56an4qr2airc0adreiede\r\na=ice-ufrag:22588500-fdb3-11e8-bddf-9b115426f01bv7m1cug2aei5\r\na=fingerprint:SHA-256 33:7A:40:CF:1C:42:03:20:EE:E9:F9:95:24:2A:95:85:D6:25:A9:68:C6:CF:40:09:82:74:B4:1B:2C:3D:4E:5F:60\r\na=candidate:1 1 udp 2130706431 127.0.0.1 31354 typ host\r\na=candidate:1 2 udp 2130706431 127.0.0.1 31354 typ host\r\na=end-of-candidates\r\na=rtcp-mux\r\na=rtcp:31354 IN IP4 127.0.0.1\r\na=sendonly\r\na=ssrc:1734923542 cname:rtp/audio/22588500\r\n" +
	"m=video 31248 RTP/SAVPF 100 127 102 125 96\r\nc=IN IP4 127.0.0.1\r\na=mid:video\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\na=rtpmap:127 H264/90000\r\na=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\na=rtpmap:125 H264/90000\r\na=fmtp:125 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:* ccm fir\r\na=rtcp-fb:* nack\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:* goog-remb\r\na=ice-pwd:1lbnmj56an4qr2airc0adreiede\r\na=ice-ufrag:22588500-fdb3-11e8-bddf-9b115426f01bv7m1cug2aei5\r\na=fingerprint:SHA-256 33:7A:40:CF:1C:42:03:20:EE:E9:F9:95:24:2A:95:85:D6:25:A9:68:C6:CF:40:09:82:74:B4:1B:2C:3D:4E:5F:60\r\na=candidate:1 1 udp 2130706431 127.0.0.1 31248 typ host\r\na=candidate:1 2 udp 2130706431 127.0.0.1 31248 typ host\r\na=end-of-candidates\r\na=rtcp-mux\r\na=rtcp:31248 IN IP4 127.0.0.1\r\na=sendonly\r\na=ssrc:1329233369 cname:rtp/video/22588500\r\n"

// TestSpecAnswerAccepted applies the spec's answer to the offer Lookout
// sends with playStream: pion takes it as the server writes it, with no
// repair.
func TestSpecAnswerAccepted(t *testing.T) {
	p, err := peer.New(peer.Config{Audio: webrtc.RTPTransceiverDirectionRecvonly, Video: webrtc.RTPTransceiverDirectionRecvonly,
		AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMA, webrtc.MimeTypePCMU}, VideoCodecs: []string{webrtc.MimeTypeH264, webrtc.MimeTypeVP8}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	offer, err := p.GatheredOffer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offer, "a=candidate:") {
		t.Fatal("the gathered offer carries no candidates")
	}
	if err := p.SetAnswer(specAnswer); err != nil {
		t.Fatalf("SetAnswer(the spec's answer) = %v", err)
	}
}
