package session

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/player"
)

// ErrNoPicture means a connected session decoded no picture for
// Config.StallTimeout: the camera stopped sending, sends nothing decodable
// (no keyframe), or the path died silently. The session starts a new
// attempt; the error's text says since when the picture stands still.
var ErrNoPicture = errors.New("no picture")

// Defaults of the watchdog and of the answer wait.
const (
	// DefaultStallTimeout is how long a connected session may go without a
	// decoded picture (cameras send at least one a second).
	DefaultStallTimeout = 2 * time.Second
	// minAnswerWait is the shortest wait for an answer once the source has
	// answered before; answerFactor times its slowest answer is used when
	// longer.
	minAnswerWait = time.Second
	answerFactor  = 4
	// iceDisconnectedTimeout is how long ICE may hear nothing from the
	// device before it is disconnected (peer.Config.DisconnectedTimeout):
	// the media watchdog's time, since a camera sends pictures and both
	// sides send consent checks every second. ICE then fails twice that
	// later, and an attempt whose checks find no path fails three times
	// that after checking began (15 s before, with 5 s here); its
	// checks go on until then, so a path that returns is found at once.
	iceDisconnectedTimeout = 2 * time.Second
)

// watchdog notes when pictures arrive, for one session across its attempts.
type watchdog struct {
	// last is when the latest picture was decoded (unix ns; 0 = never).
	last atomic.Int64
	// slowestAnswer is the longest offer/answer exchange that succeeded.
	slowestAnswer atomic.Int64
	// refresh is set by an attempt that got no answer.
	refresh bool
}

// picture records a decoded picture.
func (w *watchdog) picture(now time.Time) { w.last.Store(now.UnixNano()) }

// lastPicture is when the latest picture was decoded, or the zero time.
func (w *watchdog) lastPicture() time.Time {
	if n := w.last.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// answered records how long a successful exchange took.
func (w *watchdog) answered(d time.Duration) {
	for {
		cur := w.slowestAnswer.Load()
		if int64(d) <= cur || w.slowestAnswer.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

// answerWait is how long to wait for an answer: the whole connect timeout
// until the source has answered once, then answerFactor times its slowest
// answer (at least minAnswerWait), so a source that went away and came back
// is asked again within seconds instead of after the connect timeout.
func (w *watchdog) answerWait(connect time.Duration) time.Duration {
	slowest := time.Duration(w.slowestAnswer.Load())
	if slowest <= 0 {
		return connect
	}
	return min(connect, max(minAnswerWait, answerFactor*slowest))
}

// watches reports whether a plan has a picture to watch: sources without
// video (speakers) are never stalled.
func watches(p Plan) bool { return p.Video != webrtc.RTPTransceiverDirectionUnknown }

// stalled checks one attempt: from the moment it was connected (or its
// latest picture, when later), a picture must come within timeout. It
// returns the error that ends the attempt, or nil.
func (w *watchdog) stalled(connectedAt time.Time, now time.Time, timeout time.Duration, stats player.Stats) error {
	ref := connectedAt
	last := w.lastPicture()
	if last.After(ref) {
		ref = last
	}
	if now.Sub(ref) < timeout {
		return nil
	}
	var err error
	if last.IsZero() {
		err = fmt.Errorf("%w: connected, but nothing decoded within %s", ErrNoPicture, timeout)
	} else {
		err = fmt.Errorf("%w since %s", ErrNoPicture, last.Format("15:04:05"))
	}
	if !last.After(connectedAt) && stats.KeyframeRequests > 0 {
		err = fmt.Errorf("%w (%d keyframe requests unanswered)", err, stats.KeyframeRequests)
	}
	return err
}

// jitter returns a wait in [d/2, d], so tiles that failed together do not
// retry together.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
