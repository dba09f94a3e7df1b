package ui

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// TileControl is what a tile asks of the session behind it; the wall's
// runner implements it and widget tests use a fake.
type TileControl interface {
	Retry()
	Stats() player.Stats
	SetOutputSize(width, height int)
	// StartTalk starts sending the microphone; ended is called (from any
	// goroutine) when the talk stops, with why if it failed.
	StartTalk(ended func(error)) error
	// StopTalk stops a talk started with StartTalk.
	StopTalk()
	// MicLevel is the level of the microphone audio being sent.
	MicLevel() audio.Level
	// SetMuted mutes or unmutes the tile's audio.
	SetMuted(bool)
	// ServerReport is what the stream's server last said about it, and
	// false when its call cannot say (session.Plan.Report).
	ServerReport() (session.ServerReport, bool)
}

// Tile shows one source: its picture when live, otherwise the phase of the
// connection or the failure with a Retry button. Hovering shows statistics.
type Tile struct {
	widget.BaseWidget

	Title string
	ctrl  TileControl

	// OnClose, OnMaximise and OnFocus are set by the wall.
	OnClose    func()
	OnMaximise func()
	OnFocus    func()
	// OnOwnWindow opens the tile in a window of its own; nil hides its
	// button (set by the main window).
	OnOwnWindow func()
	// OnDrag follows the tile dragged to an absolute position, and its
	// drop (done).
	OnDrag func(at fyne.Position, done bool)
	dragAt fyne.Position
	zoom   zoomState // the digital zoom (zoom.go)
	// OnKey gets the keys the tile does not use itself.
	OnKey func(*fyne.KeyEvent)

	bg      *canvas.Rectangle
	border  *outline       // focus and highlight frame
	picture *canvas.Raster // draws frame (drawPicture)
	// bars fill the picture area's letterbox while the picture shows, in
	// place of bg: the GPU (or llvmpipe) shades no pixel twice.
	bars     [2]*canvas.Rectangle
	dim      *canvas.Rectangle // over an old picture (stale.go)
	title    *canvas.Text
	titleBG  *canvas.Rectangle
	phase    *widget.Label
	activity *widget.Activity
	retry    *widget.Button
	details  *widget.Button
	// phaseText is the phase as phaseText words it; the label shows it
	// fitted to the tile (fitPhase).
	phaseText string
	// detailsDlg is the Details view while it is open.
	detailsDlg dialog.Dialog
	// stats shows the statistics (or, on a tile without a picture, the
	// full reason) while hovered, wrapped to the tile's width;
	// statsText is the text before wrapping.
	stats     *widget.Label
	statsText string
	// statsReason: the hover text is a failure's reason, not statistics.
	statsReason bool
	statsRoom   float32 // the height the hover text may take
	// squeezed are the title bar icons without room (layoutBar).
	squeezed []fyne.CanvasObject
	statsBG  *canvas.Rectangle
	closeBtn *iconButton
	maxBtn   *iconButton
	winBtn   *iconButton // opens the tile in a window of its own (tilebar.go)
	// ownWindow: the tile shows in a window of its own (windows.go).
	ownWindow bool
	// tips names the icon the pointer rests on (tooltip.go).
	tips     *tooltip
	talkBtn  *holdButton
	speaker  *iconButton
	level    *levelMeter
	talkNote *canvas.Text

	talk      session.Talk // what the device can take
	talkWhy   string       // why talk is unavailable although the device could
	talking   bool
	meterStop chan struct{} // closed when the talk ends
	muted     bool
	heard     bool
	// talkErr is why the last talk failed; noteErr is the failure the
	// talk note shows now (nil while it shows none).
	talkErr error
	noteErr error

	maximised  bool
	counting   bool // the retry countdown ticks (tickRetry)
	soundShown bool
	flash      *time.Timer // ends the highlight shown by Highlight

	status   session.Status
	drawn    int // pictures drawn since the last TakePaints
	hovered  bool
	focused  bool
	srcW     int
	srcH     int
	pixelW   int
	pixelH   int
	lastSize fyne.Size
	deco     *tileDeco // actions, recording badge, motion highlight (actions.go)

	hasPicture bool // a picture was shown; kept, dimmed, when it stops
	// frame is the picture shown, with a reference (player.Frame): its
	// pooled buffer is not reused while the canvas may draw it.
	frame *player.Frame
	// shown counts the pictures handed to the tile and drawnSeq is the
	// count of the last one drawn: a picture is counted once however
	// often the canvas redraws it.
	shown, drawnSeq uint64
	// blank is drawn before the first picture.
	blank *image.RGBA
	// present is the tile's child window on the X11 path (present.go);
	// presentOn: it shows the picture, the raster only the background.
	present   atomic.Pointer[tilePresent]
	presentOn bool
	// place is where the picture was last found; placeKnown once found.
	place      picturePlace
	placeKnown bool
	statsAt    time.Time // when SetFrame last rewrote the hover statistics
}

// statsEvery is how often the hover statistics follow the pictures.
const statsEvery = 500 * time.Millisecond

var (
	tileBG     = color.NRGBA{R: 0x12, G: 0x14, B: 0x18, A: 0xff}
	overlayBG  = color.NRGBA{A: 0xb0}
	focusColor = color.NRGBA{R: 0x3d, G: 0x8b, B: 0xff, A: 0xff}
	// highlightColor frames a tile the user asked for again.
	highlightColor = color.NRGBA{R: 0xff, G: 0xc0, B: 0x20, A: 0xff}
)

// highlightFor is how long Highlight frames a tile.
const highlightFor = 2 * time.Second

// Highlight frames the tile for a moment, to show where it is.
func (t *Tile) Highlight() {
	if t.flash != nil {
		t.flash.Stop()
	}
	var timer *time.Timer
	timer = time.AfterFunc(highlightFor, func() {
		do(func() {
			if t.flash == timer {
				t.flash = nil
				t.Refresh()
			}
		})
	})
	t.flash = timer
	t.Refresh()
}

// Highlighted reports whether the tile is framed by Highlight.
func (t *Tile) Highlighted() bool { return t.flash != nil }

// NewTile makes a tile for a source titled title.
func NewTile(title string, ctrl TileControl) *Tile {
	t := &Tile{Title: title, ctrl: ctrl}
	t.bg = canvas.NewRectangle(tileBG)
	t.border = newOutline(color.Transparent, 2)
	t.blank = image.NewRGBA(image.Rect(0, 0, 1, 1))
	t.picture = canvas.NewRaster(t.drawPicture)
	t.picture.ScaleMode = canvas.ImageScaleFastest
	t.picture.Hide()
	for i := range t.bars {
		t.bars[i] = canvas.NewRectangle(tileBG)
		t.bars[i].Hide()
	}
	t.dim = newDim()
	t.title = canvas.NewText(title, color.White)
	t.title.TextSize = theme.TextSize() * 0.9
	t.titleBG = canvas.NewRectangle(barBG)
	t.phase = widget.NewLabel("")
	t.phase.Alignment = fyne.TextAlignCenter
	// One short line (and the time of the last picture): never wrapped
	// over the title bar or the next tile, cut with an ellipsis by
	// fitPhase. The label's own truncation would shape the whole text
	// again, uncached, at every change: each countdown's second of every
	// failing tile.
	t.phase.Truncation = fyne.TextTruncateOff
	t.activity = widget.NewActivity()
	t.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), func() {
		if t.ctrl != nil {
			t.ctrl.Retry()
		}
	})
	t.retry.Hide()
	t.details = widget.NewButton("Details", t.showDetails)
	t.details.Hide()
	t.stats = widget.NewLabel("")
	t.stats.SizeName = theme.SizeNameCaptionText
	t.stats.TextStyle = fyne.TextStyle{} // regular: no face set of its own (TestTileStatsNeedNoFaceSetOfTheirOwn)
	t.statsBG = canvas.NewRectangle(overlayBG)
	t.stats.Hide()
	t.statsBG.Hide()
	t.closeBtn = newIconButton(theme.CancelIcon(), func() {
		if t.OnClose != nil {
			t.OnClose()
		}
	})
	t.maxBtn = newIconButton(theme.ViewFullScreenIcon(), func() {
		if t.OnMaximise != nil {
			t.OnMaximise()
		}
	})
	t.winBtn = t.newWindowButton()
	t.talkBtn = newHoldButton("Talk", theme.MediaRecordIcon(), t.startTalk, t.stopTalk)
	t.talkBtn.Hide()
	t.speaker = newIconButton(theme.VolumeUpIcon(), func() { t.SetMuted(!t.muted) })
	t.level = newLevelMeter() // an empty track at silence
	t.level.Hide()
	t.talkNote = canvas.NewText("", color.NRGBA{R: 0xff, G: 0xb0, B: 0x40, A: 0xff})
	t.talkNote.TextSize = theme.TextSize() * 0.8
	t.deco = newTileDeco(t)
	t.tips = newTooltip()
	t.setTips()
	t.ExtendBaseWidget(t)
	t.SetStatus(session.Status{State: session.StateIdle})
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	middle := container.NewVBox(t.activity, t.phase, container.NewCenter(container.NewHBox(t.retry, t.details)))
	objs := []fyne.CanvasObject{t.bg, t.bars[0], t.bars[1], t.picture, t.dim, middle, t.statsBG, t.stats, t.titleBG, t.title, t.closeBtn, t.maxBtn,
		t.speaker, t.winBtn, t.talkBtn, t.level, t.talkNote}
	objs = append(append(objs, t.deco.objects()...), t.border.objects()...)
	objs = append(objs, t.tips.objects()...) // over everything
	return &tileRenderer{t: t, middle: middle, objs: objs}
}

// SetStatus shows a session state; call it on the Fyne goroutine.
func (t *Tile) SetStatus(st session.Status) {
	t.status = st
	live := st.State == session.StateLive
	t.setPhase(st, time.Now())
	// The spinner turns on a first attempt only: it repaints the window
	// every frame, and a tile that is not playing repaints at most once a
	// second (idleclock.go); a retry says its phase in words.
	busy := !live && st.State != session.StateFailed && st.State != session.StateClosed && st.State != session.StateRetrying &&
		st.Attempt <= 1
	if busy {
		t.activity.Show()
		t.activity.Start()
	} else {
		t.activity.Stop()
		t.activity.Hide()
	}
	if st.State == session.StateFailed || st.State == session.StateRetrying {
		t.retry.Show()
	} else {
		t.retry.Hide()
	}
	if t.Reason() != "" && !live {
		t.details.Show()
	} else {
		t.details.Hide()
	}
	if live {
		t.phase.Hide()
	} else {
		t.phase.Show()
	}
	t.tickRetry()
	t.updateButtons()
	t.updateTalk()
	t.showStale(st)
	t.syncBackdrop()
	if t.hovered {
		t.updateStats()
		t.Refresh()
	}
}

// phaseText is what a tile says in place of its picture: one short line
// (the phase, or the kind of failure and the countdown) and, once a
// picture has stopped, the time of the last one. The full reason is
// Reason (on hover and in Details).
func phaseText(st session.Status, now time.Time, hadPicture bool) string {
	var s string
	switch st.State {
	case session.StateLive:
		return ""
	case session.StateRetrying:
		s = retryText(st, now)
	case session.StateFailed:
		s = failureKind(st.Err)
	case session.StateStalled:
		s = "No picture · reconnecting"
	case session.StateIdle:
		s = "starting"
	case session.StateClosed:
		s = "paused"
	default:
		s = st.State.String()
	}
	if line := staleLine(st); line != "" && hadPicture {
		s += "\n" + line
	}
	return s
}

// setPhase writes the phase text of st at now.
func (t *Tile) setPhase(st session.Status, now time.Time) {
	t.phaseText = phaseText(st, now, t.hasPicture)
	t.fitPhase(t.Size().Width)
}

// fitPhase shows the phase text in a tile width wide: a line too long
// for it breaks at its " · " (the kind of failure above the countdown),
// and what still does not fit ends with an ellipsis. The widths are
// measured through Fyne's cache of text sizes.
func (t *Tile) fitPhase(width float32) {
	// The label is laid out 4 paddings narrower than the tile (Layout),
	// and its text sits an inner padding inside it on each side.
	avail := width - 4*theme.Padding() - 2*theme.InnerPadding()
	size, style := theme.TextSize(), t.phase.TextStyle
	var lines []string
	for _, l := range strings.Split(t.phaseText, "\n") {
		if width > 0 && fyne.MeasureText(l, size, style).Width > avail {
			if a, b, ok := strings.Cut(l, " · "); ok {
				lines = append(lines, fitText(a, size, style, avail), fitText(b, size, style, avail))
				continue
			}
			l = fitText(l, size, style, avail)
		}
		lines = append(lines, l)
	}
	if text := strings.Join(lines, "\n"); text != t.phase.Text {
		t.phase.SetText(text)
	}
}

// Reason is the full reason of the failure the tile shows, in the
// service's own words, or "".
func (t *Tile) Reason() string {
	switch t.status.State {
	case session.StateRetrying, session.StateFailed, session.StateStalled:
		return t.status.Reason()
	}
	return ""
}

// showDetails opens the Details view: the full reason, the attempt and
// the time of the last picture, in a dialog over the tile's window.
func (t *Tile) showDetails() {
	why := t.Reason()
	if why == "" {
		return
	}
	text := why
	if t.status.Attempt > 0 {
		text += fmt.Sprintf("\n\nAttempt %d", t.status.Attempt)
	}
	if line := staleLine(t.status); line != "" {
		text += "\n" + strings.ToUpper(line[:1]) + line[1:]
	}
	w := windowOf(t)
	if w == nil {
		return
	}
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	msg.Selectable = true
	scroll := container.NewVScroll(msg)
	scroll.SetMinSize(fyne.NewSize(420, 140))
	d := dialog.NewCustom(t.Title+": "+failureKind(t.status.Err), "Close", scroll, w)
	t.detailsDlg = d
	d.SetOnClosed(func() {
		if t.detailsDlg == d {
			t.detailsDlg = nil
		}
	})
	d.Show()
}

// windowOf finds the window showing o, or nil.
func windowOf(o fyne.CanvasObject) fyne.Window {
	a := fyne.CurrentApp()
	if a == nil {
		return nil
	}
	c := a.Driver().CanvasForObject(o)
	for _, w := range a.Driver().AllWindows() {
		if w.Canvas() == c {
			return w
		}
	}
	return nil
}

// SetMaximised shows the maximise button as restore while the tile fills
// the wall.
func (t *Tile) SetMaximised(on bool) {
	if t.maximised == on {
		return
	}
	t.maximised = on
	if on {
		t.maxBtn.SetIcon(theme.ViewRestoreIcon())
	} else {
		t.maxBtn.SetIcon(theme.ViewFullScreenIcon())
	}
}

// Maximised reports whether the tile shows as maximised.
func (t *Tile) Maximised() bool { return t.maximised }

// SetTitle changes the name shown in the corner.
func (t *Tile) SetTitle(title string) {
	t.Title = title
	t.title.Text = title
	t.title.Refresh()
}

// talkCarried reports whether the tile's session can carry talk now: it
// is live, or live without pictures (stalled: its sound may still flow), or
// a talk runs. A tile that fails or waits shows no Talk button: it could
// not be pressed to any use, and on a small tile it would cover the
// tile's Retry and Details.
func (t *Tile) talkCarried() bool {
	return t.talking || t.status.State == session.StateLive || t.status.State == session.StateStalled
}

// SetTalk sets what the device takes (from its account's directory) and,
// when the window has no microphone, why talk is unavailable.
func (t *Tile) SetTalk(talk session.Talk, unavailable string) {
	t.talk, t.talkWhy = talk, unavailable
	t.updateTalk()
}

// TalkVisible reports whether the Talk button shows.
func (t *Tile) TalkVisible() bool { return t.talkBtn.Visible() }

// TalkEnabled reports whether the Talk button can be pressed.
func (t *Tile) TalkEnabled() bool { return t.talkBtn.Visible() && !t.talkBtn.Disabled() }

// Talking reports whether the tile is sending the microphone.
func (t *Tile) Talking() bool { return t.talking }

// TalkNote is the text shown about talk (why it is unavailable or failed).
func (t *Tile) TalkNote() string { return t.talkNote.Text }

func (t *Tile) updateTalk() {
	switch {
	case t.talk == "" || t.talk == session.TalkNone || !t.talkCarried():
		t.talkBtn.Hide()
		t.noteErr = nil
	case t.talkWhy != "":
		// Device-wide: the status bar says it once, not every tile.
		t.talkBtn.Show()
		t.talkBtn.Disable()
		t.noteErr = nil
	default:
		t.talkBtn.Show()
		t.talkBtn.Enable()
		t.noteErr = t.talkErr
	}
	t.talkNote.Text = ""
	if t.noteErr != nil {
		t.talkNote.Text = "talk failed: " + session.Reason(t.noteErr)
	}
	t.talkBtn.SetPressed(t.talking)
	if t.talking {
		t.level.Show()
	} else {
		t.level.Hide()
	}
	t.talkNote.Refresh()
	t.Refresh()
}

// startTalk begins push-to-talk (Talk button held, or Space down).
func (t *Tile) startTalk() {
	if t.talking || !t.TalkEnabled() || t.ctrl == nil {
		return
	}
	t.talkErr = nil
	err := t.ctrl.StartTalk(func(err error) {
		do(func() { t.talkEnded(err) })
	})
	if err != nil {
		t.talkErr = err
		t.updateTalk()
		return
	}
	t.talking = true
	t.level.SetValue(0) // nothing heard yet: not the last talk's level
	t.meterStop = make(chan struct{})
	t.updateTalk()
	go t.meterWhileTalking(t.meterStop)
}

// stopTalk ends push-to-talk (button or Space released).
func (t *Tile) stopTalk() {
	if !t.talking || t.ctrl == nil {
		return
	}
	t.ctrl.StopTalk()
}

func (t *Tile) talkEnded(err error) {
	if t.talking {
		close(t.meterStop)
	}
	t.talking = false
	t.level.SetValue(0)
	if err != nil {
		t.talkErr = err
	}
	t.updateTalk()
}

// meterWhileTalking moves the mic level bar twenty times a second until
// stop is closed.
func (t *Tile) meterWhileTalking(stop <-chan struct{}) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		lvl := t.ctrl.MicLevel()
		do(func() {
			if t.talking {
				// -60 dBFS and below shows empty, 0 dBFS full.
				t.level.SetValue(max(0, min(1, (lvl.RMSdBFS+60)/60)))
			}
		})
	}
}

// SetMuted mutes or unmutes the tile's audio.
func (t *Tile) SetMuted(m bool) {
	t.muted = m
	if t.ctrl != nil {
		t.ctrl.SetMuted(m)
	}
	t.updateSpeaker()
}

// Muted reports whether the tile's audio is muted.
func (t *Tile) Muted() bool { return t.muted }

// SetHeard marks the tile whose audio plays (the focused one).
func (t *Tile) SetHeard(h bool) {
	t.heard = h
	t.updateSpeaker()
}

func (t *Tile) updateSpeaker() {
	switch {
	case t.muted:
		t.speaker.SetIcon(theme.VolumeMuteIcon())
	case t.heard:
		t.speaker.SetIcon(theme.VolumeUpIcon())
	default:
		t.speaker.SetIcon(theme.VolumeDownIcon())
	}
	t.speaker.Active = t.heard && !t.muted
	t.speaker.Refresh()
}

// SetSoundShown shows the speaker button only when camera sound can be
// heard at all.
func (t *Tile) SetSoundShown(on bool) {
	t.soundShown = on
	t.updateButtons()
}

// SpeakerVisible reports whether the speaker (mute) button shows.
func (t *Tile) SpeakerVisible() bool { return t.speaker.Visible() }

// KeyDown starts talking while Space is held on the focused tile.
func (t *Tile) KeyDown(e *fyne.KeyEvent) {
	if e.Name == fyne.KeySpace {
		t.startTalk()
	}
}

// KeyUp stops talking when Space is released.
func (t *Tile) KeyUp(e *fyne.KeyEvent) {
	if e.Name == fyne.KeySpace {
		t.stopTalk()
	}
}

// TakePaints returns how many distinct pictures the canvas drew in the tile
// since the last call (drawPicture), and resets the count: pictures handed
// to the tile but replaced before a repaint are not counted.
func (t *Tile) TakePaints() int {
	n := t.drawn
	t.drawn = 0
	if tp := t.present.Load(); tp != nil {
		n += int(tp.drawn.Swap(0)) // put into its child window (present.go)
	}
	return n
}

// Status returns the state shown.
func (t *Tile) Status() session.Status { return t.status }

// Phase returns the text shown in place of the picture ("" when live).
func (t *Tile) Phase() string { return t.phaseText }

// RetryVisible reports whether the Retry button shows.
func (t *Tile) RetryVisible() bool { return t.retry.Visible() }

// SetFrame shows a decoded picture; call it on the Fyne goroutine. The tile
// retains f while it shows it and releases the picture it replaces: Fyne
// draws on this same goroutine, so once the canvas points at f the old
// picture is no longer read and its buffer may go back to the decoder.
func (t *Tile) SetFrame(f *player.Frame) {
	if f == nil || f.Image == nil {
		return
	}
	f.Retain()
	old := t.frame
	t.frame = f
	defer old.Release()
	if f.SourceWidth != t.srcW || f.SourceHeight != t.srcH {
		t.srcW, t.srcH = f.SourceWidth, f.SourceHeight
		t.resizeOutput()
		t.Refresh() // the picture's place follows its aspect ratio
	}
	t.shown++
	t.hasPicture = true
	if t.status.State == session.StateLive && !t.picture.Visible() {
		t.picture.Show()
		t.syncBackdrop()
	}
	if !t.presentOn { // else its child window showed it (present.go)
		t.picture.Refresh()
	}
	// The hover statistics change with every picture (latency, jitter):
	// rewritten twice a second, not at every picture, each rewrite costing
	// a repaint of the window.
	if now := time.Now(); t.hovered && now.Sub(t.statsAt) >= statsEvery {
		t.statsAt = now
		t.updateStats()
	}
}

// resizeOutput asks the decoder for pictures that fit the tile's pixels, so
// scaling is done once by swscale and never by the GPU.
func (t *Tile) resizeOutput() {
	if t.ctrl == nil || t.pixelW == 0 || t.pixelH == 0 {
		return
	}
	if w, h, ok := t.presentedSize(); ok { // the X11 path (present.go)
		t.ctrl.SetOutputSize(w, h)
		return
	}
	if t.srcW == 0 || t.srcH == 0 {
		// Until the first picture says the source's size, ask for the
		// tile's width (the height follows the source's aspect ratio):
		// a first picture at the camera's full size would cost its
		// buffers' memory for nothing.
		t.ctrl.SetOutputSize(t.pixelW&^1, 0)
		return
	}
	bw, bh := t.zoomBox()
	w, h := fitSize(t.srcW, t.srcH, bw, bh)
	t.ctrl.SetOutputSize(w, h)
}

// fitSize is the largest size with the source's aspect ratio inside the box,
// rounded down to even numbers as swscale prefers; (0, 0) while the source
// size is unknown keeps the decoder's own size.
func fitSize(srcW, srcH, boxW, boxH int) (int, int) {
	if srcW <= 0 || srcH <= 0 || boxW <= 0 || boxH <= 0 {
		return 0, 0
	}
	w, h := boxW, boxW*srcH/srcW
	if h > boxH {
		w, h = boxH*srcW/srcH, boxH
	}
	if w > srcW || h > srcH { // never upscale in software
		return srcW, srcH
	}
	return max(w&^1, 2), max(h&^1, 2)
}

func (t *Tile) updateStats() {
	t.statsReason = false
	if why := t.Reason(); why != "" && !t.picture.Visible() {
		// No picture to measure: the hover says the whole reason.
		t.statsText, t.statsReason = why, true
	} else if t.ctrl != nil {
		s := t.ctrl.Stats()
		t.statsText = fmt.Sprintf("%dx%d %s  %.0f fps  %.0f kbit/s  lost %d  jitter %.0f ms",
			s.Width, s.Height, s.Codec, s.FPS, s.BitrateKbps, s.PacketsLost, s.JitterMs)
		t.statsText += latencyText(s) + erleText(t.ctrl)
		if rep, ok := t.ctrl.ServerReport(); ok && rep.Status != "" {
			t.statsText += "\nserver: " + serverText(rep)
		}
	} else {
		t.statsText = ""
	}
	if !t.stats.Visible() {
		return
	}
	h := t.stats.MinSize().Height
	t.fitStats(t.Size().Width, t.statsRoom)
	if t.stats.MinSize().Height != h {
		t.Refresh()
	}
}

// StatsText is the hover text before it is wrapped to the tile: the
// statistics, or the full reason of a failure.
func (t *Tile) StatsText() string { return t.statsText }

// fitStats wraps the hover text to width, at most as many lines as fit in
// height, the last cut with an ellipsis.
func (t *Tile) fitStats(width, height float32) {
	pad := theme.Padding()
	th := theme.CaptionTextSize()
	style := t.stats.TextStyle
	lineH := fyne.MeasureText("M", th, style).Height + theme.LineSpacing()
	lines := max(1, int((height-2*pad)/lineH))
	text := wrapText(t.statsText, th, style, width-6*pad, lines)
	if text != t.stats.Text {
		t.stats.SetText(text)
	}
}

// wrapText breaks s at spaces so that no line is wider than width, keeping
// runs of two spaces (the statistics' field separators) as break points
// first; past maxLines the last line ends with an ellipsis.
func wrapText(s string, size float32, style fyne.TextStyle, width float32, maxLines int) string {
	if s == "" || width <= 0 {
		return ""
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		sep := "  "
		parts := strings.Split(para, sep)
		if len(parts) == 1 {
			sep, parts = " ", strings.Fields(para)
		}
		line := ""
		for _, p := range parts {
			try := p
			if line != "" {
				try = line + sep + p
			}
			if line == "" || fyne.MeasureText(try, size, style).Width <= width {
				line = try
				continue
			}
			out = append(out, line)
			line = p
		}
		out = append(out, line)
	}
	for i := range out {
		out[i] = fitText(out[i], size, style, width)
	}
	if len(out) > maxLines {
		out = out[:maxLines]
		last := out[maxLines-1]
		if !strings.HasSuffix(last, "…") {
			out[maxLines-1] = fitText(last+" …", size, style, width)
		}
	}
	return strings.Join(out, "\n")
}

// serverText words what the server said: status, its info, its rates.
func serverText(r session.ServerReport) string {
	s := r.Status
	if r.Info != "" {
		s += " (" + r.Info + ")"
	}
	if r.VideoKbps > 0 || r.FPS > 0 {
		s += fmt.Sprintf("  %.0f kbit/s  %.0f fps", r.VideoKbps, r.FPS)
	}
	return s
}

// MouseIn implements desktop.Hoverable: show the statistics overlay,
// unless the pointer rests where it was when the window opened
// (pointerleave.go).
func (t *Tile) MouseIn(e *desktop.MouseEvent) {
	if !restingOn(t, e) {
		t.hoverIn()
	}
}

func (t *Tile) hoverIn() {
	t.hovered = true
	t.updateStats()
	t.stats.Show()
	t.statsBG.Show()
	t.Refresh()
}

// MouseMoved implements desktop.Hoverable: the first move of a pointer
// that rested over the tile as its window opened shows the overlay.
func (t *Tile) MouseMoved(e *desktop.MouseEvent) {
	if !t.hovered && !restingOn(t, e) {
		t.hoverIn()
	}
}

// MouseOut implements desktop.Hoverable.
func (t *Tile) MouseOut() {
	t.hovered = false
	t.stats.Hide()
	t.statsBG.Hide()
	t.Refresh()
}

// Tapped focuses the tile.
func (t *Tile) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp(); c != nil {
		if w := c.Driver().CanvasForObject(t); w != nil {
			w.Focus(t)
		}
	}
}

// Dragged implements fyne.Draggable: the wall shows where the tile lands.
func (t *Tile) Dragged(e *fyne.DragEvent) {
	if t.zoomPan(e) {
		return
	}
	t.dragAt = e.AbsolutePosition
	if t.OnDrag != nil {
		t.OnDrag(t.dragAt, false)
	}
}

// DragEnd implements fyne.Draggable: the tile moves where it was let go.
func (t *Tile) DragEnd() {
	if !t.zoomDragEnd() && t.OnDrag != nil {
		t.OnDrag(t.dragAt, true)
	}
}

// DoubleTapped maximises or restores the tile.
func (t *Tile) DoubleTapped(*fyne.PointEvent) {
	if !t.zoomReset() && t.OnMaximise != nil {
		t.OnMaximise()
	}
}

// FocusGained implements fyne.Focusable.
func (t *Tile) FocusGained() {
	t.focused = true
	if t.OnFocus != nil {
		t.OnFocus()
	}
	t.Refresh()
}

// FocusLost implements fyne.Focusable.
func (t *Tile) FocusLost() {
	t.focused = false
	t.Refresh()
}

// TypedRune implements fyne.Focusable: the window's shortcuts get it.
func (t *Tile) TypedRune(r rune) { passRune(t, r) }

// TypedKey maximises on Enter and closes on Delete.
func (t *Tile) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if t.OnMaximise != nil {
			t.OnMaximise()
		}
	case fyne.KeyDelete:
		if t.OnClose != nil {
			t.OnClose()
		}
	case fyne.KeyEscape:
		if t.maximised && t.OnMaximise != nil {
			t.OnMaximise()
		}
	default:
		if t.OnKey != nil {
			t.OnKey(e)
		}
	}
}

type tileRenderer struct {
	t      *Tile
	middle *fyne.Container
	objs   []fyne.CanvasObject
}

func (r *tileRenderer) Layout(size fyne.Size) {
	t := r.t
	presentDirty.Store(true) // its child window follows (present.go)
	t.bg.Resize(size)
	t.border.layout(size)
	// The title bar sits above the picture, never on it.
	bar := float32(barHeight)
	t.layoutPicture(fyne.NewPos(0, bar), fyne.NewSize(size.Width, max(size.Height-bar, 1)))
	t.dim.Move(t.picture.Position())
	t.dim.Resize(t.picture.Size())
	pad := theme.Padding()
	btn := t.closeBtn.MinSize()
	x := t.layoutBar(size.Width)
	t.title.Text = fitText(t.Title, t.title.TextSize, t.title.TextStyle, x-pad*3)
	tsz := t.title.MinSize()
	t.title.Move(fyne.NewPos(pad*2, (bar-tsz.Height)/2))
	t.titleBG.Resize(fyne.NewSize(size.Width, bar))
	t.titleBG.Move(fyne.NewPos(0, 0))
	t.fitPhase(size.Width)
	ms := r.middle.MinSize()
	w := size.Width - 4*pad
	r.middle.Resize(fyne.NewSize(w, ms.Height))
	r.middle.Move(fyne.NewPos((size.Width-w)/2, bar+(size.Height-bar-ms.Height)/2))
	// The hover text: the statistics along the bottom of the picture, or a
	// failure's whole reason from the top of the tile down to its buttons,
	// never over them.
	statsTop := bar
	room := size.Height - bar
	if t.statsReason {
		room = max(r.middle.Position().Y+ms.Height-t.retry.MinSize().Height-theme.Padding()-bar, 1)
	}
	t.statsRoom = room
	if t.stats.Visible() {
		t.fitStats(size.Width, room)
	}
	ts := t.stats.MinSize()
	if !t.statsReason {
		statsTop = size.Height - ts.Height
	}
	t.stats.Resize(fyne.NewSize(size.Width-2*pad, ts.Height))
	t.statsBG.Resize(fyne.NewSize(size.Width, ts.Height))
	t.statsBG.Move(fyne.NewPos(0, statsTop))
	t.stats.Move(fyne.NewPos(pad, statsTop))
	tb := t.talkBtn.MinSize()
	t.talkBtn.Resize(tb)
	bottom := size.Height - tb.Height - pad
	if t.stats.Visible() && !t.statsReason {
		// Above the statistics, but never into the title bar.
		bottom = max(bottom-ts.Height-2*pad, bar+pad)
	}
	t.talkBtn.Move(fyne.NewPos(size.Width-tb.Width-pad, bottom))
	t.level.Resize(fyne.NewSize(min(160, size.Width/3), tb.Height/2))
	t.level.Move(fyne.NewPos(size.Width-tb.Width-2*pad-t.level.Size().Width, bottom+tb.Height/4))
	t.talkNote.Move(fyne.NewPos(pad*2, bottom+pad))
	t.deco.layout(size, btn)
	t.layoutBar(size.Width) // after the decoration, which places its own
	t.tips.layout(size)
	if size != t.lastSize {
		t.lastSize = size
		scale := float32(1)
		if c := fyne.CurrentApp(); c != nil {
			if cv := c.Driver().CanvasForObject(t); cv != nil {
				scale = cv.Scale()
			}
		}
		t.pixelW, t.pixelH = int(size.Width*scale), int(size.Height*scale)
		t.resizeOutput()
	}
}

func (r *tileRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 90) }

// barIcons are the title bar's icons from the right, the most needed
// first: close, maximise, sound, snapshot, record, motion alerts, and own
// window where the tile can have one.
func (t *Tile) barIcons() []fyne.CanvasObject {
	icons := []fyne.CanvasObject{t.closeBtn, t.maxBtn, t.speaker, t.deco.snap, t.deco.rec, t.deco.watch}
	if t.OnOwnWindow != nil { // the main wall's tiles only
		icons = append(icons, t.winBtn)
	}
	return icons
}

// squeezedOut is where an icon without room in the title bar goes: far
// outside any window, so it neither draws nor takes a click.
var squeezedOut = fyne.NewPos(-1e5, -1e5)

// layoutBar places the title bar's visible icons from the right edge and
// returns where they start. Icons go, the least needed first, before the
// name is cut: the name keeps its whole width (up to half the bar) while
// any icon but close is left to give up.
func (t *Tile) layoutBar(width float32) float32 {
	pad := theme.Padding()
	need := min(fyne.MeasureText(t.Title, t.title.TextSize, t.title.TextStyle).Width, width/2) + pad*3
	var shown []fyne.CanvasObject
	for _, o := range t.barIcons() {
		if o.Visible() {
			shown = append(shown, o)
		}
	}
	keep := len(shown)
	for keep > 1 && width-float32(keep)*barHeight < need {
		keep--
	}
	t.squeezed = t.squeezed[:0]
	x := width
	for i, o := range shown {
		if i >= keep {
			o.Resize(fyne.NewSize(0, 0))
			o.Move(squeezedOut)
			t.squeezed = append(t.squeezed, o)
			continue
		}
		x -= barHeight
		o.Resize(fyne.NewSize(barHeight, barHeight))
		o.Move(fyne.NewPos(x, 0))
	}
	return x
}

// IconShown reports whether a title bar icon shows: visible and not
// squeezed out for the name's sake.
func (t *Tile) IconShown(o fyne.CanvasObject) bool {
	if !o.Visible() {
		return false
	}
	for _, s := range t.squeezed {
		if s == o {
			return false
		}
	}
	return true
}

func (r *tileRenderer) Refresh() {
	t := r.t
	switch {
	case t.flash != nil:
		t.border.set(highlightColor, 5)
	case t.focused:
		t.border.set(focusColor, 2)
	default:
		t.border.set(color.Transparent, 2)
	}
	r.Layout(t.Size())
	canvas.Refresh(t)
}

func (r *tileRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *tileRenderer) Destroy()                     {}

// holdButton is a button that acts while held: press calls onPress,
// release (or the pointer leaving while pressed) calls onRelease.
type holdButton struct {
	widget.Button
	onPress, onRelease func()
	held               bool
	tip                // its name on hover (tooltip.go)
}

func newHoldButton(label string, icon fyne.Resource, onPress, onRelease func()) *holdButton {
	b := &holdButton{onPress: onPress, onRelease: onRelease}
	b.Text, b.Icon = label, icon
	b.ExtendBaseWidget(b)
	return b
}

// SetPressed shows the held state.
func (b *holdButton) SetPressed(on bool) {
	if on {
		b.Importance = widget.DangerImportance
	} else {
		b.Importance = widget.MediumImportance
	}
	b.Refresh()
}

// Tapped is handled by MouseDown and MouseUp.
func (b *holdButton) Tapped(*fyne.PointEvent) {}

// MouseDown implements desktop.Mouseable.
func (b *holdButton) MouseDown(*desktop.MouseEvent) {
	b.out(b)
	if b.Disabled() {
		return
	}
	b.held = true
	b.onPress()
}

// MouseUp implements desktop.Mouseable.
func (b *holdButton) MouseUp(*desktop.MouseEvent) { b.release() }

// MouseOut releases a held button when the pointer leaves it.
func (b *holdButton) MouseOut() {
	b.Button.MouseOut()
	b.out(b)
	b.release()
}

// MouseIn implements desktop.Hoverable.
func (b *holdButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.in(b)
}

func (b *holdButton) release() {
	if b.held {
		b.held = false
		b.onRelease()
	}
}
