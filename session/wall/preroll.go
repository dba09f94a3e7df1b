package wall

import (
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

// Defaults of a PrerollConfig.
const (
	// DefaultPrerollSpan is how far back a tile's pre-roll reaches.
	DefaultPrerollSpan = 10 * time.Second
	// DefaultPrerollBytes bounds one tile's pre-roll: 10 s of a 3 Mbit/s
	// main stream, twenty times the demo's sub stream.
	DefaultPrerollBytes = 4 << 20
)

// PrerollConfig says how much of its media each tile keeps. Zero values get
// the defaults.
type PrerollConfig struct {
	// Span is how far back the pre-roll reaches: it keeps whole groups of
	// pictures (a keyframe and the pictures after it) so that its first
	// keyframe is at least Span old once the tile has played that long.
	Span time.Duration
	// MaxBytes bounds the memory of one tile's pre-roll; past it the oldest
	// group of pictures goes first, even if the pre-roll then reaches less
	// far back than Span.
	MaxBytes int
	// Off keeps no pre-roll: clips start at the next keyframe.
	Off bool
}

func (c PrerollConfig) withDefaults() PrerollConfig {
	if c.Span <= 0 {
		c.Span = DefaultPrerollSpan
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultPrerollBytes
	}
	return c
}

// held is one access unit or audio payload in the pre-roll: its bytes are
// buf[off:off+n] of its group.
type held struct {
	at     time.Time
	off, n int32
	video  bool
	key    bool
}

// group is a keyframe and what came after it up to the next keyframe: the
// unit the pre-roll drops, so that it always starts at a keyframe.
type group struct {
	start time.Time
	video webrtc.RTPCodecParameters
	audio *webrtc.RTPCodecParameters // the audio of the group's packets, nil: none yet
	buf   []byte
	units []held
}

// preroll keeps a tile's latest media as received (the H.264 access units
// as the camera sent them and the audio payloads, no re-encoding), from a
// keyframe on, and feeds the clips being written. The tile's sessions feed
// it from their media goroutines (sessionTap); one lock orders what it
// keeps and what it hands a clip, so a clip gets the pre-roll and then the
// live media with nothing lost or doubled between.
type preroll struct {
	cfg PrerollConfig

	mu      sync.Mutex
	groups  []*group
	bytes   int             // memory of groups' buffers and unit lists (spare apart)
	q       session.Quality // the stream it holds
	waitKey bool            // a gap or a reset: nothing is kept before the next keyframe
	audio   *webrtc.RTPCodecParameters
	spare   []byte           // a dropped group's buffer, for the next group
	clips   []*record.Switch // the clips fed live
	dropped int              // groups dropped for the byte bound before their time
}

func newPreroll(cfg PrerollConfig) *preroll {
	return &preroll{cfg: cfg.withDefaults()}
}

var heldSize = int(unsafe.Sizeof(held{}))

func (g *group) size() int { return cap(g.buf) + cap(g.units)*heldSize }

// video keeps one access unit of a session playing q and hands it to the
// clips being written.
func (p *preroll) video(q session.Quality, codec webrtc.RTPCodecParameters, au []byte, key bool, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clips {
		c.VideoUnit(codec, au, key, at)
	}
	if p.cfg.Off {
		return
	}
	if q != p.q {
		// Another stream (maximise, restore): its pictures cannot follow
		// the other stream's in one file.
		p.clearLocked()
		p.q = q
	}
	if key {
		p.waitKey = false
		p.startGroup(codec, at)
	} else if p.waitKey || len(p.groups) == 0 {
		return
	} else if g := p.groups[len(p.groups)-1]; !strings.EqualFold(g.video.MimeType, codec.MimeType) {
		p.clearLocked()
		return
	}
	p.add(au, true, key, at)
	p.trim(at)
}

// audioPacket keeps one audio payload (after the first keyframe) and hands
// it to the clips being written.
func (p *preroll) audioPacket(codec webrtc.RTPCodecParameters, payload []byte, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clips {
		c.AudioPacket(codec, payload, at)
	}
	if a := p.audio; a == nil || !sameCodec(*a, codec) {
		c := codec
		p.audio = &c
	}
	if p.cfg.Off || p.waitKey || len(p.groups) == 0 {
		return
	}
	g := p.groups[len(p.groups)-1]
	if g.audio == nil {
		g.audio = p.audio
	} else if !sameCodec(*g.audio, codec) {
		return // a group keeps one audio codec; the next group takes the new one
	}
	p.add(payload, false, false, at)
}

func sameCodec(a, b webrtc.RTPCodecParameters) bool {
	return strings.EqualFold(a.MimeType, b.MimeType) && a.ClockRate == b.ClockRate && a.Channels == b.Channels
}

// startGroup starts a group at a keyframe; p.mu is held.
func (p *preroll) startGroup(codec webrtc.RTPCodecParameters, at time.Time) {
	var hint int
	if n := len(p.groups); n > 0 {
		hint = len(p.groups[n-1].buf) + len(p.groups[n-1].buf)/4
	}
	g := &group{start: at, video: codec}
	if p.spare != nil && cap(p.spare) >= hint {
		g.buf, p.spare = p.spare[:0], nil
	} else {
		g.buf = make([]byte, 0, hint)
	}
	p.bytes += g.size()
	p.groups = append(p.groups, g)
}

// add appends data to the latest group; p.mu is held.
func (p *preroll) add(data []byte, video, key bool, at time.Time) {
	g := p.groups[len(p.groups)-1]
	before := g.size()
	off := len(g.buf)
	g.buf = append(g.buf, data...)
	g.units = append(g.units, held{at: at, off: int32(off), n: int32(len(data)), video: video, key: key})
	p.bytes += g.size() - before
}

// trim drops the oldest groups no longer needed to reach Span back from
// now, and those past the byte bound; p.mu is held.
func (p *preroll) trim(now time.Time) {
	for len(p.groups) > 1 && !p.groups[1].start.After(now.Add(-p.cfg.Span)) {
		p.dropFirst()
	}
	if p.bytes+cap(p.spare) > p.cfg.MaxBytes {
		p.spare = nil
	}
	for len(p.groups) > 1 && p.bytes > p.cfg.MaxBytes {
		p.dropFirst()
		p.spare = nil
		p.dropped++
	}
	if p.bytes > p.cfg.MaxBytes {
		// One group larger than the bound: nothing before the next
		// keyframe can be kept whole.
		p.clearLocked()
		p.spare = nil
		p.dropped++
	}
}

// dropFirst drops the oldest group, keeping its buffer for the next one;
// p.mu is held.
func (p *preroll) dropFirst() {
	g := p.groups[0]
	p.bytes -= g.size()
	p.groups[0] = nil
	p.groups = p.groups[1:]
	if cap(g.buf) > cap(p.spare) {
		p.spare = g.buf
	}
}

// clearLocked drops everything; the next keyframe starts again.
func (p *preroll) clearLocked() {
	for len(p.groups) > 0 {
		p.dropFirst()
	}
	p.groups = nil
	p.waitKey = true
}

// gap tells the pre-roll that its session ended or stalled: what comes
// next is kept from the next keyframe on (what it holds stays: the
// pictures before a camera's reboot are what a clip wants).
func (p *preroll) gap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waitKey = true
}

// reset drops everything, spare buffer included: the tile has no session
// (hidden, failed), so it keeps no memory.
func (p *preroll) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.spare = nil
}

// attach hands rec (a clip's recorder) the pre-roll in the order it came,
// then every unit that comes after, until detach with the switch it
// returns. It returns the first keyframe's arrival too (zero when the
// pre-roll is empty: the clip starts at the next keyframe).
func (p *preroll) attach(rec *record.Recorder) (*record.Switch, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sw := &record.Switch{}
	if a := p.audio; a != nil {
		// The recorder makes its file at the first keyframe with the
		// audio stream it knows then: the switch, which has seen the
		// audio's codec, tells it when the recorder is set, as it does
		// for a recording started between two packets.
		sw.AudioPacket(*a, nil, time.Time{})
	}
	sw.Set(rec)
	var start time.Time
	for _, g := range p.groups {
		if start.IsZero() {
			start = g.start
		}
		for _, u := range g.units {
			data := g.buf[u.off : u.off+u.n]
			if u.video {
				sw.VideoUnit(g.video, data, u.key, u.at)
			} else if g.audio != nil {
				sw.AudioPacket(*g.audio, data, u.at)
			}
		}
	}
	p.clips = append(p.clips, sw)
	return sw, start
}

// detach stops feeding sw.
func (p *preroll) detach(sw *record.Switch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.clips {
		if c == sw {
			p.clips = append(p.clips[:i], p.clips[i+1:]...)
			return
		}
	}
}

// PrerollStats is what a tile's pre-roll holds now.
type PrerollStats struct {
	// Bytes is the memory it takes (buffers and their indexes).
	Bytes int
	// From and To are the arrivals of its first keyframe and its latest
	// unit (zero when empty).
	From, To time.Time
	// Units counts the video units and audio packets kept.
	Units int
	// Dropped counts the groups of pictures dropped for the byte bound
	// before Span was reached.
	Dropped int
}

// Span is how far back the pre-roll reaches.
func (s PrerollStats) Span() time.Duration {
	if s.From.IsZero() {
		return 0
	}
	return s.To.Sub(s.From)
}

func (p *preroll) stats() PrerollStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := PrerollStats{Bytes: p.bytes + cap(p.spare), Dropped: p.dropped}
	for _, g := range p.groups {
		st.Units += len(g.units)
	}
	if n := len(p.groups); n > 0 {
		st.From = p.groups[0].start
		if last := p.groups[n-1]; len(last.units) > 0 {
			st.To = last.units[len(last.units)-1].at
		}
	}
	return st
}
