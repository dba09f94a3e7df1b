package player

import (
	"slices"
	"time"

	"github.com/pion/rtp"
)

// AbsCaptureTimeURI names the RTP header extension that carries when a
// picture was captured, in NTP time on the sender's clock
// (http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time). The
// demo site's cameras send it; a Video given its negotiated id measures
// the latency from capture to decoded picture and to paint.
const AbsCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

// captureHistory is how many access units' capture times wait for their
// pictures: more than any decoder's delay.
const captureHistory = 16

// latencyHistory is how many measurements a latency median covers: about
// one second of pictures.
const latencyHistory = 25

// captureTime returns the capture time the abs-capture-time extension id
// carries in the first of headers that has it, or the zero time.
func captureTime(headers []*rtp.Header, id uint8) time.Time {
	if id == 0 {
		return time.Time{}
	}
	for _, h := range headers {
		b := h.GetExtension(id)
		if b == nil {
			continue
		}
		var e rtp.AbsCaptureTimeExtension
		if err := e.Unmarshal(b); err != nil {
			continue
		}
		return e.CaptureTime()
	}
	return time.Time{}
}

// captureRing maps the PTS of the last access units sent to the decoder to
// their capture times, so an emitted picture finds its own.
type captureRing struct {
	pts  [captureHistory]int64 // microseconds, as decoders round-trip PTS
	at   [captureHistory]time.Time
	next int
}

func (r *captureRing) put(pts time.Duration, at time.Time) {
	r.pts[r.next] = pts.Microseconds()
	r.at[r.next] = at
	r.next = (r.next + 1) % captureHistory
}

func (r *captureRing) get(pts time.Duration) time.Time {
	us := pts.Microseconds()
	for i := range captureHistory {
		if !r.at[i].IsZero() && r.pts[i] == us {
			return r.at[i]
		}
	}
	return time.Time{}
}

// latencyMeter keeps the last latencyHistory latencies and reports their
// median.
type latencyMeter struct {
	vals    []time.Duration
	next    int
	scratch []time.Duration
}

func (m *latencyMeter) add(d time.Duration) {
	if len(m.vals) < latencyHistory {
		m.vals = append(m.vals, d)
		return
	}
	m.vals[m.next] = d
	m.next = (m.next + 1) % latencyHistory
}

// median returns the median latency, or 0 before any measurement.
func (m *latencyMeter) median() time.Duration {
	if len(m.vals) == 0 {
		return 0
	}
	m.scratch = append(m.scratch[:0], m.vals...)
	slices.Sort(m.scratch)
	return m.scratch[len(m.scratch)/2]
}

func (m *latencyMeter) reset() {
	m.vals, m.next = m.vals[:0], 0
}
