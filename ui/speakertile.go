package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// SpeakerControl is what a speaker tile asks of the sessions behind it;
// speakerCtrl implements it and widget tests use a fake.
type SpeakerControl interface {
	// Start opens a session and sends the microphone until Stop; onStatus
	// hears the session's states and ended (both from any goroutine) why
	// the talk stopped.
	Start(onStatus func(session.Status), ended func(error)) error
	// Stop releases push-to-talk or hangs up.
	Stop()
	// Remaining is the time left before the service's session cap.
	Remaining() (time.Duration, bool)
	// SentLevel and HeardLevel are the levels of the audio sent and heard.
	SentLevel() audio.Level
	HeardLevel() audio.Level
}

// SpeakerTile is a speaker's place on the wall: its name, its duplex
// mode, a level meter of what is sent and, for full duplex, of what is
// heard. Half-duplex and send-only speakers talk while Talk is held; a
// full-duplex one is an open call ended by Hang up.
type SpeakerTile struct {
	widget.BaseWidget

	Title string
	dev   session.Device
	ctrl  SpeakerControl
	// OnClose is set by the wall.
	OnClose func()

	bg       *canvas.Rectangle
	title    *widget.Label
	mode     *widget.Label
	status   *widget.Label
	sent     *levelMeter
	heard    *levelMeter
	heardRow *fyne.Container
	talkBtn  *holdButton
	callBtn  *widget.Button
	closeBtn *widget.Button

	active    bool
	focused   bool     // has the keyboard (speakerkeys.go)
	ring      *outline // shows focused
	spaceHeld bool
	// talking: the talk is live (the state line says "talking").
	talking   bool
	remaining string
	stopMeter chan struct{}
	// failed: the last talk or call failed (its reason is the state line).
	failed bool
	hover  speakerHover // speakerhover.go
}

// Ready reports whether the speaker is live on the wall: talking, or idle
// with a microphone to talk with and no failure since the last talk.
func (t *SpeakerTile) Ready() bool {
	if t.active {
		return t.talking
	}
	return !t.failed && t.idleText() == "ready"
}

// ModeText says how a speaker talks, as its tile shows it.
func ModeText(d session.Device) string {
	switch {
	case d.SendOnly:
		return "send only · push to talk"
	case d.Talk == session.TalkFull:
		return "full duplex · call"
	default:
		return "half duplex · push to talk"
	}
}

// NewSpeakerTile makes the audio tile of speaker d titled title.
func NewSpeakerTile(title string, d session.Device, ctrl SpeakerControl) *SpeakerTile {
	t := &SpeakerTile{Title: title, dev: d, ctrl: ctrl}
	t.bg = canvas.NewRectangle(tileBG)
	t.ring = newOutline(color.Transparent, 2)
	t.title = widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.mode = widget.NewLabel(ModeText(d))
	t.status = widget.NewLabel("ready")
	t.status.Wrapping = fyne.TextWrapWord
	t.sent = newLevelMeter()
	t.heard = newLevelMeter()
	t.heardRow = container.NewBorder(nil, nil, widget.NewLabel("heard"), nil, t.heard)
	t.talkBtn = newHoldButton("Talk", theme.MediaRecordIcon(), t.start, t.Stop)
	t.callBtn = widget.NewButtonWithIcon("Call", theme.MediaPlayIcon(), func() {
		if t.active {
			t.Stop()
		} else {
			t.start()
		}
	})
	t.closeBtn = widget.NewButtonWithIcon("", theme.CancelIcon(), func() {
		if t.OnClose != nil {
			t.OnClose()
		}
	})
	t.closeBtn.Importance = widget.LowImportance
	if d.Talk == session.TalkFull {
		t.talkBtn.Hide()
	} else {
		t.callBtn.Hide()
	}
	if d.Talk != session.TalkFull || d.SendOnly {
		t.heardRow.Hide()
	}
	t.status.SetText(t.idleText())
	t.hover = newSpeakerHover()
	t.ExtendBaseWidget(t)
	return t
}

// idleText is the state line while nothing is sent: ready, or why talk
// cannot start (no microphone).
func (t *SpeakerTile) idleText() string {
	if u, ok := t.ctrl.(interface{ Unavailable() string }); ok {
		if why := u.Unavailable(); why != "" {
			return "talk unavailable: " + why
		}
	}
	return "ready"
}

// CreateRenderer implements fyne.Widget.
func (t *SpeakerTile) CreateRenderer() fyne.WidgetRenderer {
	icon := widget.NewIcon(theme.VolumeUpIcon())
	top := container.NewBorder(nil, nil, icon, t.closeBtn, t.title)
	meters := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel("sent"), nil, t.sent), t.heardRow)
	buttons := container.NewHBox(layout.NewSpacer(), t.talkBtn, t.callBtn, layout.NewSpacer())
	// The name and the Talk or Call button always show; the lines
	// between scroll when the wall's cell is smaller than they are (the
	// cell, not the tile, sets the window's minimum size).
	body := container.NewBorder(top, buttons, nil, nil, container.NewVScroll(container.NewVBox(t.mode, t.status, meters, t.hover.label)))
	ring := container.New(outlineLayout{t.ring}, t.ring.objects()...)
	return widget.NewSimpleRenderer(container.NewStack(t.bg, container.NewPadded(body), ring))
}

// MinSize keeps the tile at least as small as a camera tile allows.
func (t *SpeakerTile) MinSize() fyne.Size {
	return t.BaseWidget.MinSize().Max(fyne.NewSize(160, 90))
}

// Mode is the duplex mode shown.
func (t *SpeakerTile) Mode() string { return t.mode.Text }

// StatusText is the state line shown.
func (t *SpeakerTile) StatusText() string { return t.status.Text }

// Active reports whether a talk or call is in progress.
func (t *SpeakerTile) Active() bool { return t.active }

// CallVisible reports whether the tile is a call (full duplex) rather than
// push-to-talk.
func (t *SpeakerTile) CallVisible() bool { return t.callBtn.Visible() }

// HeardVisible reports whether the heard-audio meter shows.
func (t *SpeakerTile) HeardVisible() bool { return t.heardRow.Visible() }

// SentLevel and HeardLevel are the meters' values, 0 to 1.
func (t *SpeakerTile) SentLevel() float64 { return t.sent.Value }

// HeardLevel is the heard meter's value, 0 to 1.
func (t *SpeakerTile) HeardLevel() float64 { return t.heard.Value }

// Press starts talking (Talk held) or the call (Call pressed).
func (t *SpeakerTile) Press() { t.start() }

func (t *SpeakerTile) start() {
	if t.active || t.ctrl == nil {
		return
	}
	err := t.ctrl.Start(func(st session.Status) {
		do(func() { t.showStatus(st) })
	}, func(err error) {
		do(func() { t.ended(err) })
	})
	if err != nil {
		t.status.SetText("talk failed: " + session.Reason(err))
		t.failed = true
		return
	}
	t.active, t.failed = true, false
	t.status.SetText("connecting…")
	t.stopMeter = make(chan struct{})
	go t.meter(t.stopMeter)
	t.updateButtons()
}

// Stop releases Talk or hangs up the call.
func (t *SpeakerTile) Stop() {
	if t.active && t.ctrl != nil {
		t.ctrl.Stop()
	}
}

func (t *SpeakerTile) showStatus(st session.Status) {
	if !t.active {
		return
	}
	t.talking = st.State == session.StateLive
	switch st.State {
	case session.StateLive:
		t.status.SetText("talking" + t.remaining)
	case session.StateFailed, session.StateRetrying:
		t.status.SetText("failed: " + st.Reason())
	case session.StateClosed:
	default:
		t.status.SetText(st.State.String() + "…")
	}
}

func (t *SpeakerTile) ended(err error) {
	if t.active {
		close(t.stopMeter)
	}
	t.active, t.talking = false, false
	t.remaining = ""
	t.sent.SetValue(0)
	t.heard.SetValue(0)
	t.failed = err != nil
	if err != nil {
		t.status.SetText("failed: " + session.Reason(err))
	} else {
		t.status.SetText(t.idleText())
	}
	t.updateButtons()
}

func (t *SpeakerTile) updateButtons() {
	t.talkBtn.SetPressed(t.active)
	if t.active {
		t.callBtn.SetText("Hang up")
		t.callBtn.SetIcon(theme.MediaStopIcon())
		t.callBtn.Importance = widget.DangerImportance
	} else {
		t.callBtn.SetText("Call")
		t.callBtn.SetIcon(theme.MediaPlayIcon())
		t.callBtn.Importance = widget.MediumImportance
	}
	t.callBtn.Refresh()
}

// meter moves the level bars and the time left ten times a second until
// stop is closed.
func (t *SpeakerTile) meter(stop <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		sent, heard := t.ctrl.SentLevel(), t.ctrl.HeardLevel()
		left, capped := t.ctrl.Remaining()
		do(func() {
			if !t.active {
				return
			}
			// -60 dBFS and below shows empty, 0 dBFS full.
			t.sent.SetValue(max(0, min(1, (sent.RMSdBFS+60)/60)))
			t.heard.SetValue(max(0, min(1, (heard.RMSdBFS+60)/60)))
			t.hover.update(sent, heard, t.ctrl)
			if capped {
				t.remaining = fmt.Sprintf(" · %s left", left.Round(time.Second))
				if t.talking {
					t.status.SetText("talking" + t.remaining)
				}
			}
		})
	}
}

// speakerCtrl runs a speaker tile's talks: each opens sessions through a
// session.Relay (which renews them before the service's cap) and sends the
// shared microphone until released.
type speakerCtrl struct {
	done    <-chan struct{} // the wall's lifetime
	source  string
	full    bool
	factory SessionFactory
	snd     *sound

	mu     sync.Mutex
	cancel context.CancelFunc
	relay  *session.Relay
	mic    *mic
	live   *atomic.Bool // true while the latest talk or call runs
	heard  audio.Meter
	closed bool
	wg     sync.WaitGroup
}

// meteredSink measures what a full-duplex speaker sends before it is played.
type meteredSink struct {
	m    *audio.Meter
	next session.AudioSink
}

func (s meteredSink) PlayAudio(pcm []int16, f audio.Format) {
	s.m.Channels = f.Channels
	s.m.Add(pcm)
	if s.next != nil {
		s.next.PlayAudio(pcm, f)
	}
}

// Start implements SpeakerControl.
func (c *speakerCtrl) Start(onStatus func(session.Status), ended func(error)) error {
	if c.snd == nil || c.snd.mic == nil {
		return errors.New("no microphone")
	}
	cfg, err := c.factory(c.source, session.QualitySub)
	if err != nil {
		return err
	}
	cfg.Sink = player.NewLatest()
	var next session.AudioSink
	if c.full {
		// The call is what the operator listens to.
		c.snd.router.setHeard(c.source)
		next = c.snd.router.sink(c.source)
	}
	cfg.Audio = meteredSink{m: &c.heard, next: next}
	cfg.OnStatus = onStatus
	r, err := session.NewRelay(cfg, 0)
	if err != nil {
		return err
	}
	m := c.snd.mic
	capt, err := m.forTalk()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return session.ErrClosed
	}
	ctx, cancel := until(c.done)
	live := new(atomic.Bool)
	live.Store(true)
	c.cancel, c.relay, c.mic, c.live = cancel, r, m, live
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		defer live.Store(false)
		ended(r.Talk(ctx, capt))
	}()
	return nil
}

// Unavailable says in a few words why no talk can start, or "": the
// tile's state line has no room for the microphone's own error, which the
// window's status bar shows.
func (c *speakerCtrl) Unavailable() string {
	switch {
	case c.snd == nil:
		return "no sound system"
	case c.snd.mic == nil:
		return "no microphone"
	}
	return ""
}

// Stop implements SpeakerControl.
func (c *speakerCtrl) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
}

// Remaining implements SpeakerControl.
func (c *speakerCtrl) Remaining() (time.Duration, bool) {
	c.mu.Lock()
	r := c.relay
	c.mu.Unlock()
	if r == nil {
		return 0, false
	}
	return r.Remaining()
}

// SentLevel implements SpeakerControl.
func (c *speakerCtrl) SentLevel() audio.Level {
	c.mu.Lock()
	m := c.mic
	c.mu.Unlock()
	if m == nil {
		return audio.Level{RMSdBFS: audio.FloordBFS, PeakdBFS: audio.FloordBFS, Silent: true}
	}
	return m.meter.Last()
}

// HeardLevel implements SpeakerControl.
func (c *speakerCtrl) HeardLevel() audio.Level { return c.heard.Last() }

// close ends the talk in progress and waits for it.
func (c *speakerCtrl) close() {
	c.mu.Lock()
	c.closed = true
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// object is what the wall shows for an entry.
func (e *wallEntry) object() fyne.CanvasObject {
	if e.away != nil {
		return e.away
	}
	if e.speaker != nil {
		return e.speaker
	}
	return e.tile
}

// AddSpeaker puts speaker d of source on the wall (once) as an audio tile.
func (w *Wall) AddSpeaker(source, title string, d session.Device) {
	if i := w.index(source); i >= 0 {
		if w.entries[i].speaker == nil {
			w.SetDevice(source, d)
		}
		w.page = i / w.perPage()
		w.apply()
		return
	}
	e := &wallEntry{source: source, talk: d.Talk, tile: NewTile(title, nil)}
	w.makeSpeaker(e, title, d)
	w.entries = append(w.entries, e)
	w.page = (len(w.entries) - 1) / w.perPage()
	w.apply()
	w.changed()
}

func (w *Wall) makeSpeaker(e *wallEntry, title string, d session.Device) {
	e.ctrl = &speakerCtrl{done: w.done, source: e.source, full: d.Talk == session.TalkFull && !d.SendOnly, factory: w.factory, snd: w.snd}
	e.speaker = NewSpeakerTile(title, d, e.ctrl)
	source := e.source
	e.speaker.OnClose = func() { w.Remove(source) }
}

// SetDevice turns a source put on the wall before its directory answered
// (a restored wall) into an audio tile when it is a speaker; a camera's
// tile learns whether the camera sends sound (Device.Silent).
func (w *Wall) SetDevice(source string, d session.Device) {
	i := w.index(source)
	if i < 0 {
		return
	}
	if e := w.entries[i]; d.Type != session.TypeSpeaker && e.speaker == nil {
		// A camera that sends no sound has no sound to mute.
		e.silent = d.Silent
		e.tile.SetSoundShown(w.hasSpeaker() && !e.silent)
		return
	}
	if d.Type != session.TypeSpeaker || w.entries[i].speaker != nil {
		return
	}
	e := w.entries[i]
	w.stop(e)
	w.makeSpeaker(e, d.Name, d)
	w.apply()
}

// audioTiles says which entries are speakers, for the saved wall.
func (w *Wall) audioTiles() []AudioTileState {
	var out []AudioTileState
	for _, e := range w.entries {
		if e.speaker != nil {
			d := e.speaker.dev
			out = append(out, AudioTileState{Source: e.source, Name: d.Name, Talk: d.Talk, SendOnly: d.SendOnly})
		}
	}
	return out
}

// Speakers returns the audio tiles in wall order.
func (w *Wall) Speakers() []*SpeakerTile {
	var out []*SpeakerTile
	for _, e := range w.entries {
		if e.speaker != nil {
			out = append(out, e.speaker)
		}
	}
	return out
}

// stopSpeaker ends an audio tile's talk without blocking the Fyne
// goroutine; Close waits.
func (w *Wall) stopSpeaker(e *wallEntry) {
	if e.ctrl == nil {
		return
	}
	c := e.ctrl
	w.stopping.Add(1)
	go func() {
		defer w.stopping.Done()
		c.close()
	}()
}

// deviceOf returns the directory entry of a source.
func (s *Sidebar) deviceOf(source string) (session.Device, bool) {
	name, id, _ := strings.Cut(source, "/")
	if n := s.node(name); n != nil {
		for _, d := range n.devices {
			if d.ID == id {
				return d, true
			}
		}
	}
	return session.Device{}, false
}

// openSource puts a source picked in the sidebar on the wall: a speaker as
// an audio tile, anything else as a picture tile.
func (win *window) openSource(src, title string) {
	if d, ok := win.sidebar.deviceOf(src); ok && d.Type == session.TypeSpeaker {
		win.wall.AddSpeaker(src, title, d)
		return
	}
	win.wall.Add(src, title)
	win.wall.SetTalk(src, win.sidebar.Talk(src))
	if d, ok := win.sidebar.deviceOf(src); ok {
		win.wall.SetDevice(src, d)
	}
}

// deviceDetail is the sidebar's second line of a device: its type, the
// duplex mode of a speaker, and its id.
func deviceDetail(d session.Device, id string) string {
	if d.Type == session.TypeSpeaker {
		return fmt.Sprintf("%s · %s · %s", d.Type, strings.Split(ModeText(d), " · ")[0], id)
	}
	return fmt.Sprintf("%s · %s", d.Type, id)
}
