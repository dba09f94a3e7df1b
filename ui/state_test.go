package ui

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// slowDirectory answers only when its context ends: a directory that has
// not answered yet.
type slowDirectory struct{}

func (slowDirectory) Devices(ctx context.Context) ([]session.Device, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestRestoredSpeakerIsAnAudioTile: a speaker saved on the wall comes back
// as an audio tile at once, before its account's directory answers, and
// never opens a camera session; the saved wall keeps saying so.
func TestRestoredSpeakerIsAnAudioTile(t *testing.T) {
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "wall.json")
	if err := SaveState(path, WallState{Layout: Layout2x2, Sources: []string{"acc/cam", "acc/lobby"},
		Audio: []AudioTileState{{Source: "acc/lobby", Name: "Lobby", Talk: session.TalkHalf}}}); err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	ctx, cancel := context.WithCancel(context.Background())
	op := &fakeOpener{opened: map[string]session.Quality{}}
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{StatePath: path,
		NewDecoder: func(string) (player.Decoder, error) { return nil, nil }}}
	win.build(ctx, []Account{{Name: "acc", Kind: "een", Opener: op, Directory: slowDirectory{}}})
	drainUI()
	t.Cleanup(func() {
		cancel()
		win.shutdown()
	})
	sp := win.wall.Speakers()
	if len(sp) != 1 || sp[0].Title != "Lobby" || sp[0].Mode() != ModeText(session.Device{Talk: session.TalkHalf}) {
		t.Fatalf("audio tiles %v, want Lobby as half duplex", sp)
	}
	if got := win.wall.Sources(); len(got) != 2 || got[1] != "acc/lobby" {
		t.Fatalf("wall %v", got)
	}
	// The camera's session opens; by then a camera session of the
	// speaker would have opened too.
	waitFor(t, "the camera opened", func() bool {
		op.mu.Lock()
		defer op.mu.Unlock()
		_, ok := op.opened["cam"]
		return ok
	})
	op.mu.Lock()
	_, opened := op.opened["lobby"]
	op.mu.Unlock()
	if opened {
		t.Error("the speaker was opened as a camera")
	}
	win.saveState()
	st, _, err := LoadState(path)
	if err != nil || len(st.Audio) != 1 || st.Audio[0].Source != "acc/lobby" {
		t.Fatalf("saved again: %+v, %v", st.Audio, err)
	}
}
