package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/check"
)

// precheck is the pre-check wizard: Devices, then Network, then Report.
// Every test runs on its own goroutine and reports through fyne.Do.
type precheck struct {
	w        fyne.Window
	snd      *sound
	accounts []Account
	onUse    func(speakerID, micID string)

	done   <-chan struct{} // closed when the wizard closes
	cancel context.CancelFunc
	wg     sync.WaitGroup

	pages  []fyne.CanvasObject
	page   int
	body   *fyne.Container
	back   *widget.Button
	next   *widget.Button
	finish *widget.Button
	title  *widget.Label
	// playing counts the wall's tiles decoding now (nil: none).
	playing  func() int
	busyNote *widget.Label
	steps    []string
	saved    *widget.Label

	capture, playback []audio.DeviceInfo
	micSel, spkSel    *widget.Select
	micMeter          *levelMeter
	spkMeter          *levelMeter
	micResult         *widget.Label
	spkResult         *widget.Label
	echoResult        *widget.Label
	heard             *fyne.Container
	mic, spk          *check.DeviceResult
	busy              bool

	capacity *widget.Check
	status   *widget.Label
	running  *widget.ProgressBarInfinite
	runBtn   *widget.Button

	report *check.Report
	// playedDuringCapacity is how many tiles played while capacity was
	// measured.
	playedDuringCapacity int
	markdown             string
	summary              *widget.RichText
	stopScan             func()
}

// openPrecheck opens the wizard in its own window.
func (win *window) openPrecheck(ctx context.Context) {
	accs := win.accounts
	p := newPrecheck(ctx, win.a.NewWindow("Lookout pre-check"), win.snd, accs, func(spk, mic string) {
		win.snd.use(spk, mic)
		win.wall.setSound(win.snd)
		win.saveState()
		win.soundChanged()
	})
	p.playing = win.wall.Live
	win.extra.precheck = p
	p.w.Resize(p.openSize())
	// Centred: a window manager may place it under the pointer, its
	// buttons past the screen's edge.
	p.w.CenterOnScreen()
	p.w.Show()
}

// openSize is the wizard's size when it opens: 760x560, grown to the
// largest page with the title and the buttons.
func (p *precheck) openSize() fyne.Size {
	size := fyne.NewSize(760, 560)
	shown := p.page
	for i := range p.pages {
		p.show(i)
		size = size.Max(p.w.Content().MinSize())
	}
	p.show(shown)
	return size
}

func newPrecheck(ctx context.Context, w fyne.Window, snd *sound, accounts []Account, onUse func(string, string)) *precheck {
	p := &precheck{w: w, snd: snd, accounts: accounts, onUse: onUse}
	ctx, cancel := context.WithCancel(ctx)
	p.done, p.cancel = ctx.Done(), cancel
	p.pages = []fyne.CanvasObject{p.devicesPage(), p.networkPage(), p.reportPage()}
	p.body = container.NewStack(p.pages[0])
	p.back = widget.NewButton("Back", func() { p.show(p.page - 1) })
	p.next = widget.NewButton("Next", func() { p.show(p.page + 1) })
	p.next.Importance = widget.HighImportance
	p.finish = widget.NewButton("Close", w.Close)
	p.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.title.Wrapping = fyne.TextWrapWord
	bar := container.NewHBox(p.back, p.next, layout.NewSpacer(), p.finish)
	w.SetContent(container.NewBorder(container.NewVBox(p.title, widget.NewSeparator()), bar, nil, nil, p.body))
	w.SetOnClosed(p.close)
	w.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyEscape {
			w.Close()
		}
	})
	p.show(0)
	if wt, ok := snd.devs.(Watcher); ok && snd.devs != nil {
		p.stopScan = wt.Watch(2*time.Second, func(capture, playback []audio.DeviceInfo) {
			do(func() { p.setDevices(capture, playback, "devices changed") })
		})
	}
	return p
}

func (p *precheck) show(i int) {
	if i < 0 || i >= len(p.pages) {
		return
	}
	p.page = i
	p.body.Objects = []fyne.CanvasObject{p.pages[i]}
	p.body.Refresh()
	p.title.SetText(fmt.Sprintf("Step %d of %d: %s", i+1, len(p.pages), stepTitles[i]))
	if i == len(p.pages)-1 {
		p.finish.SetText("Done")
		p.finish.Importance = widget.HighImportance
	} else {
		p.finish.SetText("Close")
		p.finish.Importance = widget.MediumImportance
	}
	p.finish.Refresh()
	if i == 1 {
		p.updateBusyNote()
	}
	if i == 0 {
		p.back.Disable()
	} else {
		p.back.Enable()
	}
	if i == len(p.pages)-1 {
		p.next.Disable()
	} else {
		p.next.Enable()
	}
}

// close stops every test and waits for them.
func (p *precheck) close() {
	p.cancel()
	if p.stopScan != nil {
		p.stopScan()
	}
	p.wg.Wait()
}

// run starts f on a goroutine the wizard waits for when it closes.
func (p *precheck) run(f func(ctx context.Context)) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := until(p.done)
		defer cancel()
		f(ctx)
	}()
}

func levelValue(l audio.Level) float64 { return max(0, min(1, (l.RMSdBFS+60)/60)) }

// stepTitles name the wizard's pages.
var stepTitles = []string{
	"Devices: choose and test your microphone and speaker",
	"Network: reach every account's servers",
	"Report: the result, to keep or send",
}

// logStep shows the steps of a running check, the latest last.
func (p *precheck) logStep(step string) {
	p.steps = append(p.steps, step)
	if len(p.steps) > 12 {
		p.steps = p.steps[len(p.steps)-12:]
	}
	p.status.SetText("Running…\n" + strings.Join(p.steps, "\n"))
}

// logDone shows a finished step's pass or fail in place of its start.
func (p *precheck) logDone(account string, s check.Step) {
	line := fmt.Sprintf("%s account %s: %s (%.1f ms)", okMark(s.OK), account, s.Name, s.Ms)
	if !s.OK && s.Detail != "" {
		line += ": " + s.Detail
	}
	if n := len(p.steps); n > 0 && p.steps[n-1] == fmt.Sprintf("account %s: %s", account, s.Name) {
		p.steps = p.steps[:n-1]
	}
	p.logStep(line)
}

// updateBusyNote says when the wall is decoding, which lowers the
// capacity figure.
func (p *precheck) updateBusyNote() {
	n := 0
	if p.playing != nil {
		n = p.playing()
	}
	if n == 0 || !p.capacity.Checked {
		p.busyNote.Hide()
		return
	}
	p.busyNote.SetText(fmt.Sprintf("%d tiles are playing on the wall and share the CPU with the measurement, so the "+
		"figure comes out lower than on an idle PC. Close them first for a clean figure.", n))
	p.busyNote.Show()
}

// Devices page.

func (p *precheck) devicesPage() fyne.CanvasObject {
	p.micSel = widget.NewSelect(nil, nil)
	p.spkSel = widget.NewSelect(nil, nil)
	p.micMeter = newLevelMeter()
	p.spkMeter = newLevelMeter()
	p.micResult = widget.NewLabel("")
	p.spkResult = widget.NewLabel("")
	p.echoResult = widget.NewLabel("")
	for _, l := range []*widget.Label{p.micResult, p.spkResult, p.echoResult} {
		l.Wrapping = fyne.TextWrapWord
	}
	yes := widget.NewButton("Yes, I heard it", func() { p.confirmHeard(true) })
	no := widget.NewButton("No", func() { p.confirmHeard(false) })
	p.heard = container.NewHBox(widget.NewLabel("Did you hear it?"), yes, no)
	p.heard.Hide()
	testMic := widget.NewButton("Test microphone (3 s)", p.testMic)
	testSpk := widget.NewButton("Play test sound", p.testSpeaker)
	echo := widget.NewButton("Echo test (record 3 s, play back)", p.echoTest)
	use := widget.NewButton("Use these devices", func() {
		if p.onUse != nil {
			p.onUse(p.selectedID(p.spkSel, p.playback), p.selectedID(p.micSel, p.capture))
		}
	})
	if p.snd.devs == nil {
		p.micResult.SetText("No sound system: " + p.snd.problem)
		for _, b := range []*widget.Button{testMic, testSpk, echo, use} {
			b.Disable()
		}
	} else if capture, playback, err := p.snd.devs.Devices(); err != nil {
		p.micResult.SetText("Cannot list devices: " + err.Error())
	} else {
		p.setDevices(capture, playback, "")
	}
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Microphone", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.micSel, container.NewBorder(nil, nil, testMic, nil, p.micMeter), p.micResult,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Speaker", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.spkSel, container.NewBorder(nil, nil, testSpk, nil, p.spkMeter), p.heard, p.spkResult,
		widget.NewSeparator(),
		echo, p.echoResult,
		widget.NewSeparator(),
		use,
	))
}

// setDevices fills the device choices, keeping the current choice when the
// device is still there.
func (p *precheck) setDevices(capture, playback []audio.DeviceInfo, why string) {
	fill := func(sel *widget.Select, list []audio.DeviceInfo, chosen string) {
		cur := sel.Selected
		opts := make([]string, len(list))
		pick := ""
		for i, d := range list {
			opts[i] = d.Name
			if (cur == "" && (d.ID == chosen || (chosen == "" && d.Default))) || d.Name == cur {
				pick = d.Name
			}
		}
		sel.SetOptions(opts)
		if pick == "" && len(opts) > 0 {
			pick = opts[0]
		}
		sel.SetSelected(pick)
	}
	p.capture, p.playback = capture, playback
	fill(p.micSel, capture, p.snd.micID)
	fill(p.spkSel, playback, p.snd.speakerID)
	if why != "" {
		p.echoResult.SetText(fmt.Sprintf("%s: %d microphones, %d speakers", why, len(capture), len(playback)))
	}
}

func (p *precheck) selectedID(sel *widget.Select, list []audio.DeviceInfo) string {
	for _, d := range list {
		if d.Name == sel.Selected {
			return d.ID
		}
	}
	return ""
}

func (p *precheck) selected(sel *widget.Select, list []audio.DeviceInfo) audio.DeviceInfo {
	for _, d := range list {
		if d.Name == sel.Selected {
			return d
		}
	}
	return audio.DeviceInfo{Name: sel.Selected}
}

func (p *precheck) testMic() {
	if p.busy {
		return
	}
	d := p.selected(p.micSel, p.capture)
	c, err := p.snd.devs.OpenCapture(d.ID, check.DeviceFormat)
	if err != nil {
		p.micResult.SetText("Cannot open " + d.Name + ": " + err.Error())
		return
	}
	p.busy = true
	p.micResult.SetText("Listening: speak normally…")
	p.run(func(ctx context.Context) {
		res := check.TestMicrophoneCleaned(ctx, d.Name, d.Default, c, check.DefaultMicDuration, func(l audio.Level) {
			do(func() { p.micMeter.SetValue(levelValue(l)) })
		}, p.snd.cleaning())
		_ = c.Close()
		do(func() {
			p.busy = false
			p.mic = &res
			p.micResult.SetText(resultText(res) + micGainText(res))
		})
	})
}

func (p *precheck) testSpeaker() {
	if p.busy {
		return
	}
	d := p.selected(p.spkSel, p.playback)
	pl, err := p.snd.devs.OpenPlayback(d.ID, check.DeviceFormat)
	if err != nil {
		p.spkResult.SetText("Cannot open " + d.Name + ": " + err.Error())
		return
	}
	p.busy = true
	p.spkResult.SetText("Playing the test sound…")
	p.run(func(ctx context.Context) {
		res := check.TestSpeaker(ctx, d.Name, d.Default, pl, func(l audio.Level) {
			do(func() { p.spkMeter.SetValue(levelValue(l)) })
		})
		_ = pl.Close()
		do(func() {
			p.busy = false
			p.spk = &res
			p.spkResult.SetText(resultText(res))
			if res.OK {
				p.heard.Show()
			}
		})
	})
}

// confirmHeard records the person's answer to "did you hear it?".
func (p *precheck) confirmHeard(heard bool) {
	p.heard.Hide()
	if p.spk == nil {
		return
	}
	if heard {
		p.spk.Verdict = "played the test chime and you heard it"
	} else {
		p.spk.OK = false
		p.spk.Verdict = "played the test chime but you did not hear it: check the volume, the output device and the cable"
	}
	p.spkResult.SetText(resultText(*p.spk))
}

func (p *precheck) echoTest() {
	if p.busy {
		return
	}
	md, sd := p.selected(p.micSel, p.capture), p.selected(p.spkSel, p.playback)
	c, err := p.snd.devs.OpenCapture(md.ID, check.DeviceFormat)
	if err != nil {
		p.echoResult.SetText("Cannot open " + md.Name + ": " + err.Error())
		return
	}
	pl, err := p.snd.devs.OpenPlayback(sd.ID, check.DeviceFormat)
	if err != nil {
		_ = c.Close()
		p.echoResult.SetText("Cannot open " + sd.Name + ": " + err.Error())
		return
	}
	p.busy = true
	p.run(func(ctx context.Context) {
		res, err := check.EchoTestCleaned(ctx, c, pl, check.DefaultEchoDuration, func(phase string) {
			do(func() { p.echoResult.SetText("Echo test: " + phase + "…") })
		}, p.snd.cleaning())
		_ = c.Close()
		_ = pl.Close()
		do(func() {
			p.busy = false
			if err != nil {
				p.echoResult.SetText("Echo test failed: " + err.Error())
				return
			}
			p.echoResult.SetText(fmt.Sprintf("Echo test done: you heard your recording back as a talk sends it (recorded %.1f dBFS, played %.1f dBFS after noise suppression and gain).",
				res.Recorded.RMSdBFS, res.Played.RMSdBFS))
		})
	})
}

func resultText(r check.DeviceResult) string {
	s := okWord(r.OK) + ": " + r.Verdict
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

// Network page.

func (p *precheck) networkPage() fyne.CanvasObject {
	p.busyNote = widget.NewLabel("")
	p.busyNote.Wrapping = fyne.TextWrapWord
	p.busyNote.Importance = widget.WarningImportance
	p.capacity = widget.NewCheck("Also measure how many tiles this PC can decode", func(bool) { p.updateBusyNote() })
	p.capacity.SetChecked(true)
	p.status = widget.NewLabel("Checks every account's service, MQTT, STUN and TURN servers, then measures the path to each account's own media server (a short real session), or through its TURN relay.")
	p.status.Wrapping = fyne.TextWrapWord
	p.running = widget.NewProgressBarInfinite()
	p.running.Stop()
	p.running.Hide()
	p.runBtn = widget.NewButton("Run the network check", p.runNetwork)
	p.runBtn.Importance = widget.HighImportance
	return container.NewVScroll(container.NewVBox(p.capacity, p.busyNote, p.runBtn, p.running, p.status))
}

func (p *precheck) runNetwork() {
	p.runBtn.Disable()
	p.next.Disable()
	p.running.Show()
	p.running.Start()
	p.steps = nil
	playing := 0
	if p.playing != nil && p.capacity.Checked {
		playing = p.playing()
	}
	o := check.RunOptions{Capacity: p.capacity.Checked,
		Progress: func(step string) { do(func() { p.logStep(step) }) },
		Network: check.Options{Progress: func(acc, step string) {
			do(func() { p.logStep(fmt.Sprintf("account %s: %s", acc, step)) })
		}, Done: func(acc string, s check.Step) {
			do(func() { p.logDone(acc, s) })
		}},
	}
	for _, a := range p.accounts {
		o.Accounts = append(o.Accounts, check.Account{Name: a.Name, Kind: a.Kind, Target: a.Target})
	}
	mic, spk := p.mic, p.spk
	switch {
	case mic != nil || spk != nil: // tested by hand on the first page
	case p.snd.devs != nil:
		o.Devices = p.snd.devs
	default:
		o.DevicesProblem = p.snd.problem
	}
	p.run(func(ctx context.Context) {
		rep := check.Run(ctx, o)
		do(func() {
			if mic != nil || spk != nil {
				rep.Devices = &check.Devices{}
				if mic != nil {
					rep.Devices.Microphones = []check.DeviceResult{*mic}
				}
				if spk != nil {
					rep.Devices.Speakers = []check.DeviceResult{*spk}
				}
				rep.OK = rep.OK && check.DevicesUsable(rep.Devices)
			}
			p.running.Stop()
			p.running.Hide()
			p.runBtn.Enable()
			p.setReport(rep)
			p.playedDuringCapacity = playing
			p.steps = append(p.steps, "", "Done. "+headline(rep)+".", "Press Next to see the report.")
			p.status.SetText(strings.Join(p.steps, "\n"))
			p.show(1)
		})
	})
}

// Report page.

func (p *precheck) reportPage() fyne.CanvasObject {
	p.summary = widget.NewRichTextFromMarkdown("Run the network check to see the report.")
	p.summary.Wrapping = fyne.TextWrapWord
	saveJSON := widget.NewButton("Save JSON…", func() { p.saveAs("lookout-check.json", p.writeJSON) })
	saveHTML := widget.NewButton("Save HTML…", func() { p.saveAs("lookout-check.html", p.writeHTML) })
	savePNG := widget.NewButton("Save PNG…", func() { p.saveAs("lookout-check.png", p.writePNG) })
	p.saved = widget.NewLabel("")
	p.saved.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, container.NewVBox(container.NewHBox(saveJSON, saveHTML, savePNG), p.saved), nil, nil, container.NewVScroll(p.summary))
}

func (p *precheck) setReport(rep check.Report) {
	p.report = &rep
	p.markdown = reportMarkdown(rep)
	p.summary.Segments = reportSegments(p.markdown)
	p.summary.Refresh()
}

// Summary is the report shown on the last page, as the markdown rendered.
func (p *precheck) Summary() string { return p.markdown }

func (p *precheck) saveAs(name string, write func(io.Writer) error) {
	if p.report == nil {
		dialog.ShowInformation("Nothing to save", "Run the check first.", p.w)
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		p.saveTo(wc, write)
	}, p.w)
	d.SetFileName(name)
	d.Show()
}

// saveTo writes the report and says where it went, or why it did not.
func (p *precheck) saveTo(wc fyne.URIWriteCloser, write func(io.Writer) error) {
	werr := write(wc)
	if cerr := wc.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		p.saved.SetText("Not saved: " + werr.Error())
		dialog.ShowError(werr, p.w)
		return
	}
	p.saved.SetText("Saved to " + uriPath(wc.URI()))
}

func uriPath(u fyne.URI) string {
	if u.Scheme() == "file" {
		return u.Path()
	}
	return u.String()
}

func (p *precheck) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p.report)
}

func (p *precheck) writeHTML(w io.Writer) error {
	b, err := reportHTML(*p.report)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// writePNG saves a picture of the whole report, drawn off screen by
// Fyne's software painter (the window's own capture can come back empty).
func (p *precheck) writePNG(w io.Writer) error {
	return png.Encode(w, renderReport(p.markdown))
}
