package session_test

import (
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

// heardPCM collects the audio a session plays.
type heardPCM struct {
	mu  sync.Mutex
	pcm []int16
}

func (h *heardPCM) PlayAudio(p []int16, _ audio.Format) {
	h.mu.Lock()
	h.pcm = append(h.pcm, p...)
	h.mu.Unlock()
}

// since returns the samples played from index from on.
func (h *heardPCM) since(from int) []int16 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int16(nil), h.pcm[min(from, len(h.pcm)):]...)
}

// longestSilence returns the longest run of zero samples in pcm.
func longestSilence(pcm []int16) int {
	longest, run := 0, 0
	for _, v := range pcm {
		if v != 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

// TestAudioSequenceJumps: the demo camera's audio jumps its RTP sequence
// numbers while a session plays it. A jump past RFC 3550's MAX_DROPOUT is
// followed at once with no silence; a gap of 2000 packets (within
// MAX_DROPOUT: a loss) is concealed with 100 ms of silence, not 40 s, and
// the tone goes on after it.
//
// Jumps back are the player's table tests' (TestReorder): over WebRTC they
// never reach the player, since pion's SRTP replay protection (a window of
// 64 packets) drops every packet older than the newest it saw, and a jump
// of more than half the sequence space is a jump ahead on the wire.
func TestAudioSequenceJumps(t *testing.T) {
	const rate = 8000
	heard := &heardPCM{}
	_, site, stop := liveDemoSession(t, "cam1", nil, func(c *session.Config) {
		c.Audio = heard
		c.AudioFormat = audio.Format{SampleRate: rate, Channels: 1}
		c.NewAudioDecoder = func(m string, r, ch int, f audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, r, ch, f)
		}
	})
	defer stop()
	// waitHeard waits for n samples played from index from on.
	waitHeard := func(t *testing.T, from, n int) []int16 {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			pcm := heard.since(from)
			if len(pcm) >= n {
				return pcm[:n]
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d samples played in 15 s, want %d", len(pcm), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if got := longestSilence(waitHeard(t, 0, rate)); got > rate/100 {
		t.Fatalf("the tone holds %d samples of silence before any jump", got)
	}
	for _, tc := range []struct {
		name    string
		delta   uint16
		silence [2]int // bounds of the longest run of silence after it
	}{
		{"jump 20000 ahead", 20000, [2]int{0, rate / 100}},
		{"jump 5000 ahead", 5000, [2]int{0, rate / 100}},
		// 1999 packets of 20 ms lost: at most 100 ms of silence, then
		// the next packet plays.
		{"a gap of 2000 packets", 2000, [2]int{rate / 10 * 3 / 4, rate / 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := len(heard.since(0))
			site.JumpAudioSequence(tc.delta)
			// Two seconds of what is played next: the tone again, with
			// no more silence than the bounds.
			pcm := waitHeard(t, from, 2*rate)
			if got := longestSilence(pcm); got < tc.silence[0] || got > tc.silence[1] {
				t.Errorf("longest silence %d samples (%v), want %d to %d", got,
					time.Duration(got)*time.Second/rate, tc.silence[0], tc.silence[1])
			}
			if got := longestSilence(pcm[rate:]); got > rate/100 {
				t.Errorf("the tone does not resume: %d samples of silence in its second second", got)
			}
		})
	}
}
