package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/diag"
)

// sensitivityNames are the motion sensitivity levels as the settings show
// them, by player.Sensitivity* value.
var sensitivityNames = map[int]string{player.SensitivityLow: "Low", player.SensitivityMedium: "Medium", player.SensitivityHigh: "High"}

// sensitivity is the motion sensitivity chosen (Medium by default).
func (win *window) sensitivity() int {
	v := win.a.Preferences().IntWithFallback(prefSensitivity, player.SensitivityMedium)
	if _, ok := sensitivityNames[v]; !ok {
		return player.SensitivityMedium
	}
	return v
}

// setSensitivity stores a level and applies it to every tile.
func (win *window) setSensitivity(level int) {
	win.a.Preferences().SetInt(prefSensitivity, level)
	if win.wall != nil {
		for _, e := range win.wall.running() {
			e.tile.deco.watcher.setLevel(level)
		}
	}
}

// Preference keys of the talk microphone's cleaning, both on by default
// (some users feed a mixer and want neither).
const (
	prefNoiseSuppression = "talk_noise_suppression"
	prefAutoGain         = "talk_auto_gain"
)

// talkStages returns whether noise suppression and automatic gain are on.
func (win *window) talkStages() (denoise, agc bool) {
	p := win.a.Preferences()
	return p.BoolWithFallback(prefNoiseSuppression, true), p.BoolWithFallback(prefAutoGain, true)
}

// setTalkStages stores the choice and applies it to the microphone's
// cleaning at once, a talk in progress included.
func (win *window) setTalkStages(denoise, agc bool) {
	win.a.Preferences().SetBool(prefNoiseSuppression, denoise)
	win.a.Preferences().SetBool(prefAutoGain, agc)
	win.applyTalkStages()
}

// applyTalkStages applies the stored choice to the microphone's cleaning.
func (win *window) applyTalkStages() {
	if win.snd == nil || win.snd.clean == nil {
		return
	}
	denoise, agc := win.talkStages()
	if err := win.snd.clean.SetStages(denoise, agc); err != nil {
		win.log.Warn("talk: noise suppression and gain not changed", "err", err)
	}
}

// showSettings opens the settings: the folder of snapshots and
// recordings, the motion sensitivity, and the talk microphone's noise
// suppression and automatic gain.
func (win *window) showSettings() {
	folder := widget.NewEntry()
	folder.SetText(win.captureFolder())
	sens := widget.NewSelect([]string{"Low", "Medium", "High"}, nil)
	sens.SetSelected(sensitivityNames[win.sensitivity()])
	format := widget.NewSelect([]string{"MKV", "MP4"}, nil)
	format.SetSelected(strings.ToUpper(strings.TrimPrefix(win.recordExt(), ".")))
	export := widget.NewButtonWithIcon("Export diagnostics…", theme.DocumentSaveIcon(), win.showDiagnostics)
	denoise, agc := win.talkStages()
	denoiseCheck := widget.NewCheck("On", nil)
	denoiseCheck.SetChecked(denoise)
	agcCheck := widget.NewCheck("On", nil)
	agcCheck.SetChecked(agc)
	items := []*widget.FormItem{
		{Text: "Snapshots and recordings", Widget: folder, HintText: "Folder; created when needed"},
		{Text: "Recording format", Widget: format, HintText: "Video is copied as sent; MP4 turns G.711 audio into AAC"},
		{Text: "Motion sensitivity", Widget: sens, HintText: "How much change lights a tile"},
		{Text: "Noise suppression", Widget: denoiseCheck, HintText: "Talk: steady background noise removed"},
		{Text: "Automatic gain", Widget: agcCheck, HintText: "Talk: your voice brought to an even level"},
		{Text: "Support", Widget: export, HintText: "A zip of logs, pre-check, versions and config, secrets removed"},
	}
	dialog.ShowForm("Settings", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if f := filepath.Clean(folder.Text); folder.Text != "" {
			win.a.Preferences().SetString(prefFolder, f)
		}
		win.a.Preferences().SetString(prefExt, "."+strings.ToLower(format.Selected))
		for level, name := range sensitivityNames {
			if name == sens.Selected {
				win.setSensitivity(level)
			}
		}
		win.setTalkStages(denoiseCheck.Checked, agcCheck.Checked)
	}, win.w)
}

// Diagnostics is what the diagnostics export needs from main.
type Diagnostics struct {
	// Logs returns the recent log text.
	Logs func() []byte
	// Versions names the components and their versions.
	Versions map[string]string
	// ConfigPath is the config file, included with its secrets removed.
	ConfigPath string
	// Secrets returns secret values known to main (resolved from the
	// keyring) that must not appear in the export.
	Secrets func() []string
}

// lastReport is the report of the pre-check last run in this window.
func (win *window) lastReport() *check.Report {
	if p := win.extra.precheck; p != nil {
		return p.report
	}
	return nil
}

// exportDiagnostics writes the support bundle to path.
func (win *window) exportDiagnostics(path string) error {
	d := win.opt.Diagnostics
	b := diag.Bundle{Versions: diag.Versions(), Now: time.Now()}
	if d != nil {
		for k, v := range d.Versions {
			b.Versions[k] = v
		}
		if d.Logs != nil {
			b.Logs = d.Logs()
		}
		if d.Secrets != nil {
			b.Secrets = d.Secrets()
		}
		b.ConfigPath = d.ConfigPath
		if d.ConfigPath != "" {
			b.Config, _ = os.ReadFile(d.ConfigPath)
		}
	}
	if r := win.lastReport(); r != nil {
		b.Report = r
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := diag.Write(f, b); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// showDiagnostics writes the bundle into the capture folder and says where.
func (win *window) showDiagnostics() {
	dir := win.captureFolder()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dialog.ShowError(err, win.w)
		return
	}
	path := filepath.Join(dir, "lookout-diagnostics-"+time.Now().Format("20060102-150405")+".zip")
	if err := win.exportDiagnostics(path); err != nil {
		dialog.ShowError(err, win.w)
		return
	}
	win.a.Clipboard().SetContent(path)
	dialog.ShowInformation("Diagnostics", "Written to\n"+path+"\n(logs, pre-check report, versions and config, secrets removed;\nthe path is on the clipboard)", win.w)
}

// moreTools are the toolbar's settings (with the diagnostics export) and
// shortcuts buttons.
func (win *window) moreTools() []fyne.CanvasObject {
	settings := widget.NewButtonWithIcon("", theme.SettingsIcon(), win.showSettings)
	help := widget.NewButtonWithIcon("", theme.HelpIcon(), win.showShortcuts)
	return []fyne.CanvasObject{settings, help}
}

// tools returns the toolbar buttons of the accounts, tile actions,
// shortcuts and diagnostics, and wires the extras into the wall.
func (win *window) tools(ctx context.Context) []fyne.CanvasObject {
	win.wall.OnTile = func(source string, t *Tile) {
		win.wireTile(source, t)
		win.wireEvents(source, t)                              // events.go
		t.OnOwnWindow = func() { win.tileWindowAsked(source) } // windows.go
	}
	win.installShortcuts()
	win.startNotifier(ctx)
	win.installEvents() // events.go
	return append(win.accountTools(ctx), win.moreTools()...)
}

// closeExtras ends what the extras started, after the wall closed.
func (win *window) closeExtras() {
	win.extra.wg.Wait()
	if f := win.extra.form; f != nil {
		f.stop()
	}
	if m := win.opt.Manager; m != nil {
		m.closeAll()
	}
}

// windowExtras are the window's parts for accounts, tile actions,
// shortcuts, notifications and diagnostics.
type windowExtras struct {
	firstAccount *widget.Button // "Add your first account" on the demo site
	form         *accountForm   // the account form last opened
	sheet        dialog.Dialog  // the shortcuts sheet last opened
	notes        *notifier
	precheck     *precheck // the pre-check last opened
	lastCapture  string    // the last snapshot written
	events       *events   // the event list (events.go)
	wg           sync.WaitGroup
}
