package player

import (
	"slices"
	"time"
)

// Stats is a snapshot of one video stream's health.
type Stats struct {
	// Codec is the codec's short name: H264, H265, VP8, VP9 or AV1.
	Codec string
	// Width and Height are the source size of the last decoded frame.
	Width, Height int
	// FPS counts frames delivered to the sink over the last second.
	FPS float64
	// BitrateKbps counts RTP bytes (headers included) over the last second.
	BitrateKbps float64
	// PacketsReceived counts RTP packets read, padding included.
	PacketsReceived uint64
	// PacketsLost is RFC 3550's cumulative loss: expected minus received.
	PacketsLost uint64
	// JitterMs is RFC 3550's interarrival jitter, in milliseconds.
	JitterMs float64
	// Frames counts frames delivered to the sink.
	Frames uint64
	// Freezes counts gaps between delivered frames longer than
	// max(3 × median interval, median + 150 ms), webrtc-stats' freezeCount
	// rule with the median for the mean; before enough frames to know the
	// median, a gap over 1.5 s counts.
	Freezes uint64
	// KeyframeRequests counts calls made to VideoConfig.RequestKeyframe.
	KeyframeRequests uint64
	// DecodedLatency is the median, over about the last second of
	// pictures, of the time from the sender's capture of a picture to its
	// decoding, when the sender carries its capture time (abs-capture-time)
	// on a clock shared with the receiver; 0 when it does not.
	DecodedLatency time.Duration
	// PaintLatency is the same median up to the picture being handed to
	// paint (Video.Painted); 0 when unknown.
	PaintLatency time.Duration
}

const (
	statsWindow     = time.Second
	freezeAbsolute  = 1500 * time.Millisecond
	freezeFactor    = 3
	freezeSlack     = 150 * time.Millisecond
	intervalHistory = 31
	minIntervals    = 5
)

// sample is one timed event of a sliding window.
type sample struct {
	at    time.Time
	bytes int
}

// window keeps the events of the last statsWindow.
type window struct {
	events []sample
	head   int
	bytes  int
	total  int64
}

func (w *window) add(at time.Time, bytes int) {
	w.events = append(w.events, sample{at: at, bytes: bytes})
	w.bytes += bytes
	w.trim(at)
}

func (w *window) trim(now time.Time) {
	for w.head < len(w.events) && now.Sub(w.events[w.head].at) >= statsWindow {
		w.bytes -= w.events[w.head].bytes
		w.head++
	}
	if w.head > 0 && w.head*2 >= len(w.events) {
		n := copy(w.events, w.events[w.head:])
		w.events = w.events[:n]
		w.head = 0
	}
}

func (w *window) count() int { return len(w.events) - w.head }

// seqTracker implements RFC 3550 appendix A.3's loss count with extended
// sequence numbers.
type seqTracker struct {
	started  bool
	base     int64
	highest  int64
	received int64
	// lostBefore carries the loss of earlier epochs (SSRC changes, resyncs).
	lostBefore uint64
}

// unwrap extends a 16-bit sequence number to the one nearest ref.
func unwrap(seq uint16, ref int64) int64 {
	return ref + int64(int16(seq-uint16(ref)))
}

// lost returns the cumulative loss of the current epoch.
func (s *seqTracker) lost() uint64 {
	if !s.started {
		return 0
	}
	n := s.highest - s.base + 1 - s.received
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// restart closes the current epoch; the next packet starts a new one.
func (s *seqTracker) restart() {
	s.lostBefore += s.lost()
	s.started = false
	s.received = 0
}

// jitterMeter implements RFC 3550 appendix A.8 with arrival times converted
// to the RTP clock.
type jitterMeter struct {
	started     bool
	lastArrival time.Time
	lastTS      uint32
	jitter      float64 // in RTP clock units
}

func (j *jitterMeter) add(arrival time.Time, ts uint32, clockRate uint32) {
	if j.started {
		arrivalDelta := arrival.Sub(j.lastArrival).Seconds() * float64(clockRate)
		d := arrivalDelta - float64(int32(ts-j.lastTS))
		if d < 0 {
			d = -d
		}
		j.jitter += (d - j.jitter) / 16
	}
	j.started = true
	j.lastArrival = arrival
	j.lastTS = ts
}

// frameClock detects freezes from the times frames are delivered.
type frameClock struct {
	last      time.Time
	intervals []time.Duration
	scratch   []time.Duration
}

// add records a frame delivered at now and reports whether the gap before it
// was a freeze.
func (c *frameClock) add(now time.Time) bool {
	if c.last.IsZero() {
		c.last = now
		return false
	}
	gap := now.Sub(c.last)
	c.last = now
	freeze := gap > freezeAbsolute
	if len(c.intervals) >= minIntervals {
		c.scratch = append(c.scratch[:0], c.intervals...)
		slices.Sort(c.scratch)
		median := c.scratch[len(c.scratch)/2]
		freeze = gap > max(freezeFactor*median, median+freezeSlack)
	}
	if len(c.intervals) == intervalHistory {
		copy(c.intervals, c.intervals[1:])
		c.intervals = c.intervals[:intervalHistory-1]
	}
	c.intervals = append(c.intervals, gap)
	return freeze
}
