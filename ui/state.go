package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lookout-app/lookout/session"
	model "github.com/lookout-app/lookout/session/wall"
)

// WallState is what the window remembers between runs: which tiles, in which
// order and layout, and the page shown. It lives in its own file next to the
// config, so the config itself is never rewritten.
type WallState struct {
	// Layout, Page and Sources are the shown view's (a state file of a
	// version without views has only them: it loads as one view).
	Layout   string   `json:"layout"`
	Page     int      `json:"page"`
	Sources  []string `json:"sources"`
	KeepWarm bool     `json:"keep_hidden_warm"`
	// Speaker and Microphone are the devices chosen in the pre-check;
	// empty means the system's default.
	Speaker    string `json:"speaker,omitempty"`
	Microphone string `json:"microphone,omitempty"`
	// Audio are the sources of Sources that are speakers, so a restored
	// wall opens them as audio tiles before their directory answers
	// instead of as cameras.
	Audio []AudioTileState `json:"audio_tiles,omitempty"`
	// Views are the named walls (model.Views), View the shown one's
	// index; Audio covers the speakers of every view.
	Views []model.View `json:"views,omitempty"`
	View  int          `json:"view,omitempty"`
	// Window is the window's size and maximised state (app.go).
	Window *WindowState `json:"window,omitempty"`
}

// AudioTileState is what a restored wall needs of a speaker.
type AudioTileState struct {
	Source   string       `json:"source"`
	Name     string       `json:"name,omitempty"`
	Talk     session.Talk `json:"talk"`
	SendOnly bool         `json:"send_only,omitempty"`
}

// LoadState reads the state file; a missing file returns ok=false.
func LoadState(path string) (WallState, bool, error) {
	var st WallState
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, false, fmt.Errorf("%s: %w", path, err)
	}
	return st, true, nil
}

// SaveState writes the state file atomically with mode 0600.
func SaveState(path string, st WallState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wall-*.json")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// views returns the saved views: those of the file, or its single wall as
// one view when it was written before views.
func (st WallState) views() *model.Views {
	if len(st.Views) > 0 {
		return model.NewViews(st.Views, st.View)
	}
	return model.NewViews([]model.View{{Name: model.DefaultViewName, Layout: st.Layout, Page: st.Page, Sources: st.Sources}}, 0)
}
