package demo

import "sync"

// A feed encodes its first loopFrames pictures once and then replays them,
// so sixteen cameras cost the site almost nothing after their first few
// seconds and wall measurements measure Lookout, not the demo's encoders.
// The picture's clock repeats every loop; the frame times on the wire
// (RTP timestamps) keep running.

// loopFrames is the length of the recorded loop: two keyframe intervals.
const loopFrames = 4 * videoFPS

// clip is a feed's recorded loop: the access units of each picture, and the
// pictures that hold an IDR (the first one always does).
type clip struct {
	pictures [][][]byte
	keys     []int
}

// nextKey returns the first picture at or after pos that holds an IDR,
// wrapping to the loop's start.
func (c *clip) nextKey(pos int) int {
	for _, k := range c.keys {
		if k >= pos {
			return k
		}
	}
	return 0
}

// recorder collects the pictures of the feed's first run.
type recorder struct {
	pictures [][][]byte
	keys     []int
}

// add records one picture; it reports the finished clip once the loop is
// full, or nil. A loop that does not start with an IDR is started again.
func (r *recorder) add(aus [][]byte) *clip {
	key := false
	for _, au := range aus {
		key = key || isIDR(au)
	}
	if len(r.pictures) == 0 && !key {
		return nil
	}
	if key {
		r.keys = append(r.keys, len(r.pictures))
	}
	r.pictures = append(r.pictures, aus)
	if len(r.pictures) < loopFrames {
		return nil
	}
	return &clip{pictures: r.pictures, keys: r.keys}
}

// loopStore keeps a feed's clip between runs.
type loopStore struct {
	mu   sync.Mutex
	clip *clip
}

func (s *loopStore) get() *clip {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clip
}

func (s *loopStore) set(c *clip) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clip = c
}
