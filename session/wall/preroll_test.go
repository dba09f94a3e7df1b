package wall

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/record"
)

var (
	h264 = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}}
	pcmu = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}}
)

// feed sends secs of a 25 fps stream with a keyframe every gop pictures
// (keyframes of key bytes, others of delta bytes) and 50 audio packets a
// second, from t0; it returns the time after the last.
func feed(p *preroll, q session.Quality, t0 time.Time, secs float64, gop, key, delta int) time.Time {
	at := t0
	for i := 0; i < int(secs*25); i++ {
		k := i%gop == 0
		n := delta
		if k {
			n = key
		}
		p.video(q, h264, make([]byte, n), k, at)
		p.audioPacket(pcmu, make([]byte, 160), at.Add(time.Millisecond))
		p.audioPacket(pcmu, make([]byte, 160), at.Add(21*time.Millisecond))
		at = at.Add(40 * time.Millisecond)
	}
	return at
}

func TestPrerollBounds(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		cfg      PrerollConfig
		gop      int // pictures from one keyframe to the next
		key      int
		delta    int
		minSpan  time.Duration // from the first keyframe to the latest unit
		maxSpan  time.Duration
		maxBytes int
		dropped  bool
	}{
		// The span: at least 10 s from a keyframe, at most one group more.
		{"span", PrerollConfig{}, 50, 20_000, 2_000, 10 * time.Second, 12 * time.Second, DefaultPrerollBytes, false},
		// The byte bound wins over the span, whole groups at a time.
		{"bytes", PrerollConfig{MaxBytes: 500_000}, 50, 20_000, 2_000, 2 * time.Second, 6 * time.Second, 500_000, true},
		// One group larger than the bound: nothing is kept whole.
		{"huge group", PrerollConfig{MaxBytes: 50_000}, 250, 20_000, 2_000, 0, 0, 50_000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPreroll(tc.cfg)
			// Pictures before the first keyframe are not kept.
			p.video(session.QualitySub, h264, make([]byte, 100), false, t0.Add(-time.Second))
			if st := p.stats(); st.Units != 0 {
				t.Fatalf("kept %d units before a keyframe", st.Units)
			}
			feed(p, session.QualitySub, t0, 30, tc.gop, tc.key, tc.delta)
			st := p.stats()
			if st.Span() < tc.minSpan || st.Span() > tc.maxSpan {
				t.Fatalf("span %v, want %v to %v", st.Span(), tc.minSpan, tc.maxSpan)
			}
			if st.Bytes > tc.maxBytes {
				t.Fatalf("%d bytes, bound %d", st.Bytes, tc.maxBytes)
			}
			if (st.Dropped > 0) != tc.dropped {
				t.Fatalf("dropped %d groups for bytes, want some: %v", st.Dropped, tc.dropped)
			}
			if len(p.groups) > 0 {
				if u := p.groups[0].units[0]; !u.video || !u.key {
					t.Fatalf("the pre-roll starts with %+v, not a keyframe", u)
				}
			}
		})
	}
}

// TestPrerollStartsAgainOnAnotherStream: a switch to the main stream drops
// the sub stream's pictures (they cannot share a file), and a gap keeps
// what was held but takes nothing before the next keyframe.
func TestPrerollStartsAgainOnAnotherStream(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	p := newPreroll(PrerollConfig{})
	at := feed(p, session.QualitySub, t0, 5, 50, 1000, 100)
	p.video(session.QualityMain, h264, make([]byte, 100), false, at)
	if st := p.stats(); st.Units != 0 {
		t.Fatalf("after the switch, before a keyframe: %d units kept", st.Units)
	}
	at = feed(p, session.QualityMain, at, 3, 50, 1000, 100)
	if st := p.stats(); !st.From.Equal(at.Add(-3*time.Second)) || st.Span() < 2900*time.Millisecond {
		t.Fatalf("the main stream's pre-roll from %v reaching %v", st.From.Sub(t0), st.Span())
	}
	before := p.stats().Units
	p.gap()
	p.video(session.QualityMain, h264, make([]byte, 100), false, at)
	p.audioPacket(pcmu, make([]byte, 160), at)
	if st := p.stats(); st.Units != before {
		t.Fatalf("after a gap, before a keyframe: %d units, want the %d held", st.Units, before)
	}
	p.video(session.QualityMain, h264, make([]byte, 1000), true, at.Add(40*time.Millisecond))
	if st := p.stats(); st.Units != before+1 {
		t.Fatalf("the keyframe after the gap was not kept: %d units", st.Units)
	}
	p.reset()
	if st := p.stats(); st.Units != 0 || st.Bytes != 0 {
		t.Fatalf("after reset: %+v", st)
	}
}

// TestClipExtendsUpToItsBound: an event while a clip is written moves its
// end, until the clip would be longer than MaxClipLength; then the event
// needs a clip of its own.
func TestClipExtendsUpToItsBound(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	rec := record.Start(record.Config{Path: filepath.Join(t.TempDir(), "c.mkv"),
		NewMuxer: func(record.Streams) (record.Muxer, error) { return nil, errors.New("unused") }})
	defer func() { _ = rec.Close() }()
	c := &Clip{rec: rec, start: t0, events: []time.Time{t0.Add(10 * time.Second)}, until: t0.Add(30 * time.Second)}
	if !c.extend(t0.Add(40*time.Second), 20*time.Second) || !c.until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("an event 40 s in did not extend the clip to 1 min: until %v", c.until.Sub(t0))
	}
	if c.extend(t0.Add(MaxClipLength-10*time.Second), 20*time.Second) {
		t.Fatal("an event past the bound extended the clip")
	}
	if n := len(c.Events()); n != 2 {
		t.Fatalf("the clip holds %d events, want 2", n)
	}
}
