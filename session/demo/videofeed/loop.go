package videofeed

// A feed encodes its first pictures once (Config.LoopFrames of them) and
// then replays them, so a site full of cameras costs almost nothing after
// their first few seconds and wall measurements measure the viewer, not the
// demo's encoders. The picture's clock repeats every loop; the frame times
// on the wire (RTP timestamps) and the capture times keep running.

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

// recorder collects the pictures of a feed's first run.
type recorder struct {
	pictures [][][]byte
	keys     []int
}

// add records one picture; it returns the finished clip once n pictures
// are recorded, or nil. A loop that does not start with an IDR is started
// again.
func (r *recorder) add(aus [][]byte, n int) *clip {
	key := false
	for _, au := range aus {
		key = key || IsIDR(au)
	}
	if len(r.pictures) == 0 && !key {
		return nil
	}
	if key {
		r.keys = append(r.keys, len(r.pictures))
	}
	r.pictures = append(r.pictures, aus)
	if len(r.pictures) < n {
		return nil
	}
	return &clip{pictures: r.pictures, keys: r.keys}
}
