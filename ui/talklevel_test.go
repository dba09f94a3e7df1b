package ui

import (
	"math"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
)

// levelControl is a fakeControl whose microphone level the test sets.
type levelControl struct {
	fakeControl
	dBFS  atomic.Uint64
	reads atomic.Int64
}

func (c *levelControl) MicLevel() audio.Level {
	c.reads.Add(1)
	return audio.Level{RMSdBFS: math.Float64frombits(c.dBFS.Load())}
}

// TestTalkLevelEmptyAtSilence: the talk level bar follows the microphone
// and starts every talk empty: a silent talk after a loud one shows an
// empty track, not the last talk's level.
func TestTalkLevelEmptyAtSilence(t *testing.T) {
	test.NewTempApp(t)
	ctrl := &levelControl{}
	ctrl.dBFS.Store(math.Float64bits(-3))
	tile := NewTile("Gate", ctrl)
	test.NewTempWindow(t, tile).Resize(fyne.NewSize(400, 240))
	tile.SetStatus(session.Status{State: session.StateLive})
	tile.SetTalk(session.TalkHalf, "")
	tile.startTalk()
	waitFor(t, "the loud level", func() bool { return tile.level.Value > 0.9 })
	tile.stopTalk()
	waitFor(t, "the talk to end", func() bool { return !tile.Talking() })

	ctrl.dBFS.Store(math.Float64bits(audio.FloordBFS))
	tile.startTalk()
	if !tile.Talking() || !tile.level.Visible() {
		t.Fatal("the second talk did not start")
	}
	if v := tile.level.Value; v != 0 {
		t.Fatalf("a silent talk starts with the bar at %v", v)
	}
	from := ctrl.reads.Load()
	waitFor(t, "three meter ticks", func() bool { return ctrl.reads.Load() >= from+3 })
	drainUI()
	if v := tile.level.Value; v != 0 || !tile.fillHidden() {
		t.Fatalf("at silence the bar shows %v (fill hidden %v)", v, tile.fillHidden())
	}
	tile.stopTalk()
}

// fillHidden reports whether the level bar draws no fill.
func (t *Tile) fillHidden() bool { return !t.level.fill.Visible() }
