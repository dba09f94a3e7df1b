package wall_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/wall"
)

// TestAlerts: a lost camera is told once per loss after a minute, and
// again on the next check while no alert could be delivered; a busy
// device (session.ErrBusy, whatever its words) is told once per refused
// talk; another talk failure is not.
func TestAlerts(t *testing.T) {
	a := wall.NewAlerts()
	deliver := false
	var got []string
	send := func(al wall.Alert) bool {
		if deliver {
			got = append(got, fmt.Sprintf("%d %s", al.Kind, al.Title))
		}
		return deliver
	}
	offline := session.Status{State: session.StateRetrying, Err: errors.New("device offline")}
	busy := fmt.Errorf("een: talk: %w", session.ErrBusy)
	tiles := []wall.Watched{
		{Source: "demo/a", Title: "Porch", Status: offline},
		{Source: "demo/b", Title: "Lobby", Status: session.Status{State: session.StateLive}, TalkEnds: 1, TalkErr: busy},
		{Source: "demo/c", Title: "Gate", Status: session.Status{State: session.StateLive}, TalkEnds: 1, TalkErr: errors.New("busy line")},
	}
	t0 := time.Unix(1000, 0)
	a.Check(t0, tiles, send)
	a.Check(t0.Add(wall.LostAfter), tiles, send) // due, not delivered
	deliver = true
	a.Check(t0.Add(wall.LostAfter+time.Second), tiles, send)
	a.Check(t0.Add(2*wall.LostAfter), tiles, send)
	if want := fmt.Sprintf("[%d Camera lost: Porch]", wall.AlertLost); fmt.Sprint(got) != want {
		t.Fatalf("alerts %v, want %s (the busy talk was refused while nobody could be told)", got, want)
	}
	tiles[1].TalkEnds = 2 // refused again
	tiles[0].Status = session.Status{State: session.StateLive}
	a.Check(t0.Add(3*wall.LostAfter), tiles, send)
	tiles[0].Status = offline
	a.Check(t0.Add(4*wall.LostAfter), tiles, send)
	a.Check(t0.Add(5*wall.LostAfter), tiles, send)
	want := fmt.Sprintf("[%d Camera lost: Porch %d Speaker busy: Lobby %d Camera lost: Porch]", wall.AlertLost, wall.AlertBusy, wall.AlertLost)
	if fmt.Sprint(got) != want {
		t.Fatalf("alerts %v, want %s", got, want)
	}
	if m := wall.MotionAlert("demo/a", "Porch"); m.Kind != wall.AlertMotion || m.Title != "Motion: Porch" {
		t.Fatalf("motion alert %+v", m)
	}
}
