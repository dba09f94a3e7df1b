package demo

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// impairment makes the path between the cameras (and the WHEP server) and
// their viewers lossy and slow at their own RTP stack, whatever the
// candidate pair (the TURN server's impairment only touches relayed
// traffic, which loopback never picks). It drops that share of the RTP and
// RTCP they send and of the RTP they receive, and delays what they send
// and the RTCP they receive: the round trip is twice the delay. One packet
// at a random place in each run of 1/loss is dropped, so the loss over the
// few hundred packets of a short test is the rate set, not a draw.
type impairment struct {
	loss  atomic.Uint64 // math.Float64bits of the drop probability
	delay atomic.Int64  // one-way delay
	// audioSeq is added to the sequence numbers of the audio the cameras
	// send (JumpAudioSequence).
	audioSeq atomic.Uint32
}

func (m *impairment) get() (float64, time.Duration) {
	return math.Float64frombits(m.loss.Load()), time.Duration(m.delay.Load())
}

// Impair makes the media path of every camera and of the WHEP server's
// streams and room lossy (loss 0 to 1, each way) and
// slow (delay one way, so the round trip is 2 x delay); zeros restore it.
// It takes effect for the next packet.
func (s *Site) Impair(loss float64, delay time.Duration) {
	s.impair.loss.Store(math.Float64bits(min(max(loss, 0), 1)))
	s.impair.delay.Store(int64(max(delay, 0)))
}

// JumpAudioSequence moves the RTP sequence numbers of the audio every camera
// sends by delta (modulo 1<<16) from the next packet on, as a sender that
// restarts its sequence under the same SSRC does: 20000 jumps ahead, 2000
// looks like 2000 packets lost. A jump back (1<<16-20000) never reaches a
// pion viewer: its SRTP replay protection drops packets older than the
// newest it saw.
func (s *Site) JumpAudioSequence(delta uint16) { s.impair.audioSeq.Add(uint32(delta)) }

// NewInterceptor implements interceptor.Factory.
func (m *impairment) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &impairInterceptor{m: m}, nil
}

type impairInterceptor struct {
	interceptor.NoOp
	m *impairment

	// Drops: the packets are cut into blocks of 1/loss and one packet at a
	// random place in each block is dropped, so the count dropped is never
	// more than one off the rate, and which packet of a periodic stream is
	// hit is left to chance (a fixed period would keep hitting the same
	// kind of packet).
	mu       sync.Mutex
	lastLoss float64
	n        float64 // packets seen since the loss was set
	block    float64 // where the current block starts
	next     float64 // the index of the packet dropped in it
}

// pass reports whether a packet survives, and how long it is held.
func (i *impairInterceptor) pass() (bool, time.Duration) {
	loss, delay := i.m.get()
	if loss <= 0 {
		return true, delay
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	size := 1 / loss
	if loss != i.lastLoss {
		i.lastLoss, i.n, i.block = loss, 0, 0
		i.next = rand.Float64() * size
	}
	k := i.n
	i.n++
	if k < math.Floor(i.next) {
		return true, delay
	}
	i.block += size
	i.next = i.block + rand.Float64()*size
	return false, 0
}

// BindRemoteStream drops the RTP a camera receives (talk), as the path
// would on the way up.
func (i *impairInterceptor) BindRemoteStream(_ *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, a, err := r.Read(b, a)
			if err != nil {
				return n, a, err
			}
			if ok, _ := i.pass(); ok {
				return n, a, nil
			}
		}
	})
}

// BindLocalStream drops and delays the RTP a camera sends, and moves the
// sequence numbers of its audio.
func (i *impairInterceptor) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	mime := strings.ToLower(info.MimeType)
	audio := strings.HasPrefix(mime, "audio/")
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n := h.MarshalSize() + len(payload)
		if off := uint16(i.m.audioSeq.Load()); audio && off != 0 {
			hc := h.Clone()
			hc.SequenceNumber += off
			h = &hc
		}
		ok, delay := i.pass()
		switch {
		case !ok:
			return n, nil
		case delay > 0:
			hc, pc := h.Clone(), append([]byte(nil), payload...)
			time.AfterFunc(delay, func() { _, _ = w.Write(&hc, pc, a) })
			return n, nil
		}
		return w.Write(h, payload, a)
	})
}

// BindRTCPWriter drops and delays the RTCP a camera sends.
func (i *impairInterceptor) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		ok, delay := i.pass()
		switch {
		case !ok:
			return 0, nil
		case delay > 0:
			time.AfterFunc(delay, func() { _, _ = w.Write(pkts, a) })
			return 0, nil
		}
		return w.Write(pkts, a)
	})
}

// BindRTCPReader delays the RTCP a camera receives (keyframe requests,
// NACKs, reports), so a request takes the whole round trip to be served.
func (i *impairInterceptor) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if _, delay := i.m.get(); err == nil && delay > 0 {
			time.Sleep(delay)
		}
		return n, a, err
	})
}
