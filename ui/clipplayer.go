package ui

import (
	"errors"
	"fmt"
	"image/color"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/player"
)

// The clip player: an event's ▶ plays its clip in a window the size of its
// tile (at least minClipWidth wide), with play and pause, a seek slider and the position. player/
// ffmpeg's ClipReader reads the file and player.ClipPlayer plays it;
// its pictures go to this window's own canvas.Image, and its sound, while
// it plays, to the window's speaker in place of the heard tile (given back
// when the clip pauses or closes).

// ClipFile is a recording opened for the clip player (player/ffmpeg's
// ClipReader).
type ClipFile interface {
	player.ClipSource
	// Size is the picture's coded size.
	Size() (width, height int)
	// SetOutputSize sets the size of the pictures it decodes (0 keeps
	// the coded size; a single 0 follows the aspect ratio).
	SetOutputSize(width, height int)
	// AudioErr says why the clip is silent (nil when its sound plays).
	AudioErr() error
	Close() error
}

// minClipWidth is the narrowest clip player, whatever the tile's size.
const minClipWidth = 480

// clipTick is how often the slider and the position follow a playing clip.
const clipTick = 100 * time.Millisecond

// clipView is one clip in its player window.
type clipView struct {
	win    *window
	path   string
	w      fyne.Window
	file   ClipFile
	p      *player.ClipPlayer
	latest *player.Latest
	queued atomic.Bool   // a paint is queued on the Fyne goroutine
	shown  *player.Frame // the frame img shows (a reference held)
	img    *canvas.Image
	play   *widget.Button
	slider *clipSlider
	pos    *widget.Label
	sound  *widget.Label
	desk   *widget.Button // opens the clip with the desktop's player
	// setting: the slider is moved by the clip, not the user.
	setting bool
	// heard is the clip's source for the audio router; before is the
	// heard tile it replaced while playing ("" when it is not heard).
	heard, before string
	silent        bool // no sound can play
	stop          chan struct{}
	wg            sync.WaitGroup
	closed        bool
}

// playClip opens e's clip in the clip player (the window of that clip if
// it is open already), or, without a clip reader, in the desktop's player.
func (ev *events) playClip(e *event) {
	if e.clip == nil || !e.written {
		return
	}
	path := e.clip.Path()
	for _, cv := range ev.players {
		if cv.path == path {
			cv.w.RequestFocus()
			return
		}
	}
	win := ev.win
	if win.opt.Actions == nil || win.opt.Actions.OpenClip == nil {
		win.openClipExternally(path)
		return
	}
	size := ev.tileSize(e.source)
	cv, err := win.openClipView(path, e.title+" · "+e.at.Format("15:04:05"), size)
	if err != nil {
		e.note, e.err = "clip: "+err.Error(), true
		e.row.update()
		win.log.Warn("open clip", "file", path, "err", err)
		return
	}
	ev.players = append(ev.players, cv)
}

// openClipExternally opens path with the desktop's player.
func (win *window) openClipExternally(path string) {
	if err := openURL(win.a, &url.URL{Scheme: "file", Path: path}); err != nil {
		win.log.Warn("open clip", "file", path, "err", err)
	}
}

// tileSize is the size of source's tile on the wall, or a sub stream's
// tile when it shows none.
func (ev *events) tileSize(source string) fyne.Size {
	if w := ev.win.wall; w != nil {
		if i := w.index(source); i >= 0 {
			if s := w.entries[i].tile.Size(); s.Width >= 160 && s.Height >= 90 {
				return s
			}
		}
	}
	return fyne.NewSize(640, 360)
}

// openClipView opens path in a player window whose picture is size.
func (win *window) openClipView(path, title string, size fyne.Size) (*clipView, error) {
	file, err := win.opt.Actions.OpenClip(path, SpeakerFormat)
	if err != nil {
		return nil, err
	}
	cv := &clipView{win: win, path: path, file: file, latest: player.NewLatest(), heard: "clip:" + path, stop: make(chan struct{})}
	size = fitPicture(size, file)
	if size.Width < minClipWidth {
		// A small tile's player still has room for its controls.
		size = fyne.NewSize(minClipWidth, size.Height*minClipWidth/size.Width)
	}
	scale := float32(1)
	if c := win.w.Canvas(); c != nil && c.Scale() > 0 {
		scale = c.Scale()
	}
	file.SetOutputSize(int(size.Width*scale), int(size.Height*scale))
	cv.img = canvas.NewImageFromImage(nil)
	cv.img.FillMode = canvas.ImageFillContain
	cv.img.ScaleMode = canvas.ImageScaleFastest
	cv.play = widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), cv.toggle)
	cv.slider = newClipSlider(max(cv.dur().Seconds(), 0.01))
	cv.slider.OnChanged = func(v float64) {
		if !cv.setting {
			cv.seek(time.Duration(v * float64(time.Second)))
		}
	}
	cv.pos = widget.NewLabel("")
	cv.sound = widget.NewLabel("")
	cv.sound.SizeName = theme.SizeNameCaptionText
	cv.sound.Truncation = fyne.TextTruncateEllipsis
	cv.silent = true
	switch err := file.AudioErr(); {
	case err != nil:
		cv.sound.SetText("no sound: " + err.Error())
	case win.snd == nil || win.snd.router == nil || win.snd.speaker == nil:
		cv.sound.SetText("no sound: no speaker")
	default:
		cv.silent = false
		cv.sound.SetText("sound while it plays")
	}
	cv.desk = widget.NewButtonWithIcon("", theme.ComputerIcon(), func() { win.openClipExternally(path) })
	cv.desk.Importance = widget.LowImportance
	buttons := container.NewBorder(nil, nil, container.NewHBox(cv.play, cv.pos), cv.desk, cv.sound)
	bg := canvas.NewRectangle(color.Black)
	picture := container.NewStack(bg, cv.img)
	body := container.NewBorder(nil, container.NewVBox(cv.slider, buttons), nil, nil, picture)

	cv.w = win.a.NewWindow("Clip — " + title)
	cv.w.SetContent(body)
	cv.w.Resize(fyne.NewSize(size.Width, size.Height+body.MinSize().Height))
	cv.w.SetOnClosed(func() { win.eventsOf().closePlayer(cv) })
	cv.w.Show()
	// Started once the window is shown, so its first picture paints.
	cv.p = player.NewClipPlayer(file, player.ClipConfig{Sink: cv, Audio: cv.playAudio})
	cv.refresh()
	cv.wg.Add(1)
	go cv.follow()
	return cv, nil
}

// fitPicture is the largest size of the clip's picture shape within tile.
func fitPicture(tile fyne.Size, file ClipFile) fyne.Size {
	w, h := file.Size()
	if w <= 0 || h <= 0 {
		return tile
	}
	fit := fyne.NewSize(tile.Width, tile.Width*float32(h)/float32(w))
	if fit.Height > tile.Height {
		fit = fyne.NewSize(tile.Height*float32(w)/float32(h), tile.Height)
	}
	return fit
}

func (cv *clipView) dur() time.Duration { return cv.file.Duration() }

// PutFrame implements player.Sink (on the player's goroutine): the newest
// picture is painted on the Fyne goroutine, latest wins.
func (cv *clipView) PutFrame(f *player.Frame) {
	cv.latest.PutFrame(f)
	if cv.queued.CompareAndSwap(false, true) {
		do(cv.paint)
	}
}

// paint shows the newest picture.
func (cv *clipView) paint() {
	cv.queued.Store(false)
	if cv.closed {
		return
	}
	f := cv.latest.Acquire()
	if f == nil || f == cv.shown {
		f.Release()
		return
	}
	cv.img.Image = f.Image
	cv.img.Refresh()
	cv.shown.Release()
	cv.shown = f
}

// playAudio plays the clip's sound (on the player's goroutine).
func (cv *clipView) playAudio(pcm []int16) {
	if cv.silent {
		return
	}
	cv.win.snd.router.sink(cv.heard).PlayAudio(pcm, SpeakerFormat)
}

// toggle plays or pauses the clip.
func (cv *clipView) toggle() {
	if cv.p.Playing() {
		cv.p.Pause()
	} else {
		cv.p.Play()
	}
	cv.refresh()
}

// seek moves the clip to t (the user's slider).
func (cv *clipView) seek(t time.Duration) {
	cv.p.Seek(t)
	cv.refresh()
}

// follow refreshes the controls while the window is open: at each change
// of the player, and every clipTick while it plays.
func (cv *clipView) follow() {
	defer cv.wg.Done()
	tick := time.NewTicker(clipTick)
	defer tick.Stop()
	for {
		select {
		case <-cv.p.Changed():
		case <-tick.C:
		case <-cv.stop:
			return
		}
		do(cv.refresh)
	}
}

// refresh shows the player's state: the button, the slider, the position,
// and whose sound the speaker plays.
func (cv *clipView) refresh() {
	if cv.closed {
		return
	}
	playing := cv.p.Playing()
	if playing {
		cv.play.SetIcon(theme.MediaPauseIcon())
		cv.play.SetText("Pause")
	} else {
		cv.play.SetIcon(theme.MediaPlayIcon())
		cv.play.SetText("Play")
	}
	pos := cv.p.Position()
	cv.pos.SetText(clipClock(pos) + " / " + clipClock(cv.dur()))
	if !cv.slider.dragging {
		cv.setting = true
		cv.slider.SetValue(pos.Seconds())
		cv.setting = false
	}
	cv.hear(playing)
}

// hear gives the speaker to the clip while it plays, and back to the
// heard tile otherwise.
func (cv *clipView) hear(on bool) {
	if cv.silent {
		return
	}
	r := cv.win.snd.router
	cur := r.Heard()
	switch {
	case on && cur != cv.heard:
		cv.before = cur
		r.setHeard(cv.heard)
	case !on && cur == cv.heard:
		r.setHeard(cv.before)
	}
}

// close stops the clip and frees it; the window is closed by the caller
// or by the user.
func (cv *clipView) close() error {
	if cv.closed {
		return nil
	}
	close(cv.stop)
	cv.wg.Wait()
	err := cv.p.Close()
	cv.hear(false)
	cv.closed = true
	cv.shown.Release()
	cv.shown = nil
	cv.latest.PutFrame(nil) // drops the reference it holds
	return errors.Join(err, cv.file.Close())
}

// closePlayer closes cv and forgets it (its window closed).
func (ev *events) closePlayer(cv *clipView) {
	if err := cv.close(); err != nil {
		ev.win.log.Warn("close clip", "file", cv.path, "err", err)
	}
	for i, o := range ev.players {
		if o == cv {
			ev.players = append(ev.players[:i], ev.players[i+1:]...)
			break
		}
	}
}

// closeClipPlayers closes every clip player, at the window's end.
func (win *window) closeClipPlayers() {
	ev := win.extra.events
	if ev == nil {
		return
	}
	for len(ev.players) > 0 {
		cv := ev.players[0]
		ev.closePlayer(cv)
		cv.w.Close()
	}
}

// clipClock formats a clip position as m:ss.
func clipClock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// clipSlider is the seek slider; it knows while the user drags it, so the
// playing clip does not pull it back meanwhile.
type clipSlider struct {
	widget.Slider
	dragging bool
}

func newClipSlider(maxValue float64) *clipSlider {
	s := &clipSlider{}
	s.Min, s.Max, s.Step = 0, maxValue, 0.01
	s.Orientation = widget.Horizontal
	s.ExtendBaseWidget(s)
	return s
}

// Dragged implements fyne.Draggable.
func (s *clipSlider) Dragged(e *fyne.DragEvent) {
	s.dragging = true
	s.Slider.Dragged(e)
}

// DragEnd implements fyne.Draggable.
func (s *clipSlider) DragEnd() {
	s.dragging = false
	s.Slider.DragEnd()
}
