package aec

import (
	"time"

	"github.com/lookout-app/lookout/audio"
)

// Tee returns pl with the player-side hook attached: every sample pl
// accepts is also handed to Playing, as the echo reference, timed by pl's
// audio.PlayClock or else by what pl still had queued. Underruns are passed through when pl counts them.
func (p *Processor) Tee(pl audio.Player) audio.Player {
	t := tee{Player: pl, p: p}
	if u, ok := pl.(audio.UnderrunCounter); ok {
		return teeCounter{tee: t, u: u}
	}
	return t
}

type tee struct {
	audio.Player
	p *Processor
}

func (t tee) Write(s []int16) (int, error) {
	var at time.Time
	if c, ok := t.Player.(audio.PlayClock); ok {
		at = c.PlaysAt()
	} else {
		at = time.Now().Add(t.Player.Buffered())
	}
	n, err := t.Player.Write(s)
	if n > 0 {
		t.p.Playing(s[:n], t.Player.Format(), at)
	}
	return n, err
}

type teeCounter struct {
	tee
	u audio.UnderrunCounter
}

func (t teeCounter) Underruns() uint64 { return t.u.Underruns() }
