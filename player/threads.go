package player

// maxDecoderThreads bounds the threads one decoder gets: the decoders run
// with slice threads only (frame threads would hold pictures back), and
// camera streams carry a few slices per picture at most, so more threads
// would idle.
const maxDecoderThreads = 4

// DecoderThreads returns how many threads each video decoder gets when
// tiles decoders share cores CPU cores: one per decoder as soon as there
// are at least as many tiles as cores (a wall: the decoders already keep
// every core busy, and threads would only add switching), else the cores
// shared out evenly, at most maxDecoderThreads (one maximised main stream
// on 2 cores gets 2). Tiles or cores below 1 count as 1.
func DecoderThreads(tiles, cores int) int {
	tiles, cores = max(1, tiles), max(1, cores)
	return max(1, min(cores/tiles, maxDecoderThreads))
}
