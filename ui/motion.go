package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lookout-app/lookout/player"
)

// prefSensitivity is the preference holding the motion sensitivity.
const prefSensitivity = "motion_sensitivity"

// motionWatch measures motion on the frames a tile paints (from the
// runner's goroutine) and tells the tile when it starts and stops.
type motionWatch struct {
	mu       sync.Mutex
	det      *player.MotionDetector
	level    int
	moving   bool
	watching atomic.Bool
	// changed is called on the Fyne goroutine with the new state.
	changed func(moving bool)
	now     func() time.Time
}

func newMotionWatch(level int, changed func(bool)) *motionWatch {
	return &motionWatch{det: player.NewMotionDetector(player.MotionConfigFor(level)), level: level, changed: changed, now: time.Now}
}

// observe measures f.
func (m *motionWatch) observe(f *player.Frame) {
	m.mu.Lock()
	moving := m.det.Observe(f.Image, m.now())
	flip := moving != m.moving
	m.moving = moving
	m.mu.Unlock()
	if flip {
		do(func() { m.changed(moving) })
	}
}

// tick ends a highlight once the picture has been still for the hold time,
// also when no frame arrives.
func (m *motionWatch) tick() {
	m.mu.Lock()
	moving := m.det.Observe(nil, m.now())
	flip := moving != m.moving
	m.moving = moving
	m.mu.Unlock()
	if flip {
		do(func() { m.changed(moving) })
	}
}

// setLevel changes the sensitivity.
func (m *motionWatch) setLevel(level int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if level != m.level {
		m.level = level
		m.det = player.NewMotionDetector(player.MotionConfigFor(level))
	}
}

// setWatching opts the tile in or out of alerts.
func (m *motionWatch) setWatching(on bool) { m.watching.Store(on) }
