package videofeed

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player"
)

var idrCases = []struct {
	name string
	au   []byte
	want bool
}{
	{"sps pps idr", []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 9}, true},
	{"p slice", []byte{0, 0, 0, 1, 0x41, 1, 2, 3}, false},
	{"three-byte start code idr", []byte{0, 0, 1, 0x25, 1}, true},
	{"empty", nil, false},
}

func TestIsIDR(t *testing.T) {
	for _, tc := range idrCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsIDR(tc.au); got != tc.want {
				t.Fatalf("IsIDR = %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzIsIDR(f *testing.F) {
	for _, tc := range idrCases {
		f.Add(tc.au)
	}
	f.Fuzz(func(t *testing.T, au []byte) {
		want := false
		for i := 0; i+3 < len(au); i++ {
			if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 && au[i+3]&0x1F == 5 {
				want = true
			}
		}
		if got := IsIDR(au); got != want {
			t.Fatalf("IsIDR(% x) = %v, want %v", au, got, want)
		}
	})
}

// TestTrackCarriesCaptureTime sends a feed to a real pion peer on
// loopback: every packet carries the picture's capture time in the
// abs-capture-time extension when the viewer negotiated it, and no
// extension when it did not.
func TestTrackCarriesCaptureTime(t *testing.T) {
	for _, tc := range []struct {
		name       string
		negotiated bool
	}{
		{"negotiated", true},
		{"not negotiated", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var readers sync.WaitGroup
			defer readers.Wait() // after the peers close
			h, _ := newHub(t, -1, 10)
			defer func() { _ = h.Close() }()
			send, recv := newAPI(t, true), newAPI(t, tc.negotiated)
			pcS, err := send.NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = pcS.Close() }()
			pcR, err := recv.NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = pcR.Close() }()

			track, err := NewTrack("video", "test")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pcS.AddTrack(track); err != nil {
				t.Fatal(err)
			}
			sub, err := h.Subscribe(lobby, track, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			pcS.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
				if s == webrtc.PeerConnectionStateConnected {
					sub.Connected()
				}
			})
			type packet struct {
				at  time.Time // zero: no extension
				err error
			}
			got := make(chan packet, 1)
			pcR.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
				readers.Add(1)
				go func() {
					defer readers.Done()
					id := 0
					for _, e := range r.GetParameters().HeaderExtensions {
						if e.URI == player.AbsCaptureTimeURI {
							id = e.ID
						}
					}
					pkt, _, err := tr.ReadRTP()
					p := packet{err: err}
					if err == nil && id != 0 {
						if b := pkt.GetExtension(uint8(id)); b != nil {
							var e rtp.AbsCaptureTimeExtension
							if p.err = e.Unmarshal(b); p.err == nil {
								p.at = e.CaptureTime()
							}
						}
					}
					select {
					case got <- p:
					default:
					}
				}()
			})
			if _, err := pcR.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				t.Fatal(err)
			}
			exchange(t, pcR, pcS)
			select {
			case p := <-got:
				if p.err != nil {
					t.Fatal(p.err)
				}
				switch {
				case !tc.negotiated && !p.at.IsZero():
					t.Fatal("a viewer that did not negotiate the extension got it")
				case tc.negotiated && p.at.IsZero():
					t.Fatal("no abs-capture-time on the packet")
				case tc.negotiated && time.Since(p.at).Abs() > 5*time.Second:
					t.Fatalf("capture time %v is not now", p.at)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no video packet within 10 s")
			}
		})
	}
}

// newAPI returns a pion API of H.264 on loopback; ext offers
// abs-capture-time.
func newAPI(t *testing.T, ext bool) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: H264, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	if ext {
		if err := RegisterCaptureTime(m); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
}

// exchange runs offer and answer between two peers, every candidate in
// the descriptions.
func exchange(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}
