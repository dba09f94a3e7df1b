package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"image/color"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
)

// barHeight is the height of a tile's title bar, above its picture.
const barHeight = 24

// barBG is the title bar's backing: opaque, so the title and icons read on
// any picture and never cover the camera's own caption.
var barBG = color.NRGBA{R: 0x22, G: 0x25, B: 0x2b, A: 0xff}

// iconButton is a small flat icon button for the tile's title bar.
type iconButton struct {
	widget.BaseWidget
	Icon    fyne.Resource
	OnTap   func()
	img     *canvas.Image
	hover   *canvas.Rectangle
	hovered bool
	// Active marks the state the button toggles (the heard speaker).
	Active bool
	tip    // its name on hover (tooltip.go)
}

func newIconButton(icon fyne.Resource, tap func()) *iconButton {
	b := &iconButton{Icon: icon, OnTap: tap, hover: canvas.NewRectangle(color.Transparent)}
	b.img = canvas.NewImageFromResource(icon)
	b.img.FillMode = canvas.ImageFillContain
	b.hover.CornerRadius = 3
	b.ExtendBaseWidget(b)
	return b
}

// SetIcon changes the icon.
func (b *iconButton) SetIcon(icon fyne.Resource) {
	b.Icon = icon
	b.img.Resource = icon
	b.Refresh()
}

// Tapped implements fyne.Tappable.
func (b *iconButton) Tapped(*fyne.PointEvent) {
	b.out(b)
	if b.OnTap != nil {
		b.OnTap()
	}
}

// MouseIn implements desktop.Hoverable.
func (b *iconButton) MouseIn(*desktop.MouseEvent) {
	b.hovered = true
	b.Refresh()
	b.in(b)
}

// MouseMoved implements desktop.Hoverable.
func (b *iconButton) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (b *iconButton) MouseOut() {
	b.hovered = false
	b.Refresh()
	b.out(b)
}

// MinSize is the bar's height, square.
func (b *iconButton) MinSize() fyne.Size { return fyne.NewSize(barHeight, barHeight) }

// CreateRenderer implements fyne.Widget.
func (b *iconButton) CreateRenderer() fyne.WidgetRenderer { return &iconRenderer{b: b} }

type iconRenderer struct{ b *iconButton }

func (r *iconRenderer) Layout(size fyne.Size) {
	r.b.hover.Resize(size)
	const icon = 16
	r.b.img.Resize(fyne.NewSize(icon, icon))
	r.b.img.Move(fyne.NewPos((size.Width-icon)/2, (size.Height-icon)/2))
}

func (r *iconRenderer) MinSize() fyne.Size { return r.b.MinSize() }

func (r *iconRenderer) Refresh() {
	switch {
	case r.b.Active:
		r.b.hover.FillColor = color.NRGBA{R: 0x3d, G: 0x8b, B: 0xff, A: 0xc0}
	case r.b.hovered:
		r.b.hover.FillColor = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x30}
	default:
		r.b.hover.FillColor = color.Transparent
	}
	r.b.hover.Refresh()
	r.b.img.Refresh()
}

func (r *iconRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.b.hover, r.b.img} }
func (r *iconRenderer) Destroy()                     {}

// offline reports whether the tile shows no session (failed or waiting
// to retry): maximise and sound make no sense then.
func (t *Tile) offline() bool {
	return t.status.State == session.StateFailed || t.status.State == session.StateRetrying
}

// updateButtons shows the title bar's buttons that apply now.
func (t *Tile) updateButtons() {
	if t.offline() {
		t.maxBtn.Hide()
	} else {
		t.maxBtn.Show()
	}
	if t.OnOwnWindow == nil {
		t.winBtn.Hide()
	} else {
		t.winBtn.Show()
	}
	if t.offline() || !t.soundShown {
		t.speaker.Hide()
	} else {
		t.speaker.Show()
	}
	t.Refresh()
}

// newWindowButton is the title bar's button that opens the tile in a
// window of its own, or, in that window, puts it back on the wall.
func (t *Tile) newWindowButton() *iconButton {
	return newIconButton(theme.ComputerIcon(), func() {
		if t.OnOwnWindow != nil {
			t.OnOwnWindow()
		}
	})
}

// setTips names the tile's icons and the Talk button on hover, with their
// keys (shortcuts.go), as the tile's state is when the name shows.
func (t *Tile) setTips() {
	name := func(b *tip, words func() string) { b.on, b.words = t.tips, words }
	say := func(s string) func() string { return func() string { return s } }
	name(&t.closeBtn.tip, say("Close (Delete)"))
	name(&t.maxBtn.tip, func() string {
		if t.maximised {
			return "Restore the grid (Enter, Esc)"
		}
		return "Maximise (Enter)"
	})
	name(&t.winBtn.tip, func() string {
		if t.ownWindow {
			return "Back to the wall"
		}
		return "Own window, full screen (W)"
	})
	name(&t.speaker.tip, func() string {
		if t.muted {
			return "Unmute"
		}
		return "Mute"
	})
	name(&t.talkBtn.tip, say("Talk (hold Space)"))
	d := t.deco
	name(&d.snap.tip, say("Snapshot (Ctrl+S)"))
	name(&d.rec.tip, func() string {
		if d.rec0 != nil {
			return "Stop recording (Ctrl+R)"
		}
		return "Record (Ctrl+R)"
	})
	name(&d.watch.tip, func() string {
		if d.watching {
			return "Stop motion alerts"
		}
		return "Alert on motion"
	})
}

// Tooltip is the name of the icon the pointer rests on, or "" while none
// shows.
func (t *Tile) Tooltip() string { return t.tips.Text() }

// MaximiseVisible reports whether the maximise button shows.
func (t *Tile) MaximiseVisible() bool { return t.maxBtn.Visible() }

// retryText is the one short line shown while waiting to retry: the kind
// of failure (failureKind) and what the retry policy does
// (session.Status.Wait) with a countdown, or "retrying…" once the wait is
// over: a "0 s" never stays on screen. The full reason is on hover and in
// Details.
func retryText(st session.Status, now time.Time) string {
	left := countdown(st.RetryAt.Sub(now))
	in := func(verb string) string {
		if left > 0 {
			return verb + " in " + clock(left)
		}
		return verb + "…"
	}
	switch st.Wait {
	case session.WaitAway:
		return "Publisher away · " + in("retrying")
	case session.WaitCredentials:
		return "Credentials refused · " + in("renewing")
	case session.WaitCodec:
		return "No common codec · " + in("retrying")
	case session.WaitOffline:
		return "Device offline · " + in("checking again")
	}
	return failureKind(st.Err) + " · " + in("retrying")
}

// failureKind names the kind of a failure in two or three words, decided
// on the error's sentinels and types (never its text): the tile's one
// short line; the service's own words are its Details.
func failureKind(err error) string {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		alert     tls.AlertError
		record    tls.RecordHeaderError
		dns       *net.DNSError
		op        *net.OpError
	)
	switch {
	case err == nil:
		return "Stopped"
	case errors.Is(err, session.ErrNoPicture):
		return "No picture"
	case errors.Is(err, session.ErrUnauthorized):
		return "Sign-in refused"
	case errors.Is(err, session.ErrOffline):
		return "Device offline"
	case errors.Is(err, session.ErrNotFound):
		return "Not found"
	case errors.Is(err, session.ErrBusy):
		return "Busy"
	case errors.Is(err, session.ErrHangup):
		return "Hung up"
	case errors.Is(err, session.ErrUnsupportedCodec):
		return "No common codec"
	case errors.Is(err, session.ErrNoPath):
		return "No network path"
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return "Certificate refused"
	case errors.As(err, &alert), errors.As(err, &record):
		return "TLS failed"
	case errors.Is(err, session.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "Timed out"
	case errors.As(err, &dns):
		return "Name not found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Connection refused"
	case errors.As(err, &op), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "Network error"
	case errors.Is(err, session.ErrProtocol):
		return "Protocol error"
	}
	return "Failed"
}

// countdown is a wait in whole seconds, rounded up: it shows 1 s until the
// wait is over, and 0 after.
func countdown(d time.Duration) time.Duration {
	return max(0, (d+time.Second-1)/time.Second*time.Second)
}

// clock words a countdown: "12 s", or "4:10" from a minute on.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// tickRetry rewrites the countdown each time its second changes, until the
// wait is over or the state changes: on the seconds clock (idleclock.go),
// so that all the wall's countdowns change in one repaint a second.
func (t *Tile) tickRetry() {
	if t.status.State != session.StateRetrying || !t.status.RetryAt.After(time.Now()) {
		seconds.drop(t)
		t.counting = false
		return // "now" stays until the attempt's own state
	}
	st := t.status
	shown := phaseText(st, time.Now(), t.hasPicture)
	t.counting = true
	seconds.put(t, func() bool {
		if t.status.State != session.StateRetrying || t.status.RetryAt != st.RetryAt {
			return false
		}
		now := time.Now()
		text := phaseText(st, now, t.hasPicture)
		switch {
		case !st.RetryAt.After(now) || text != shown && t.hovered:
			// The wait is over ("now" stays until the attempt's own
			// state), or the hover's text follows: the whole tile, as
			// SetStatus shows it; it puts the next tick.
			t.SetStatus(t.status)
			return false
		case text != shown:
			// Only the countdown moved: its line, nothing else.
			shown = text
			t.setPhase(st, now)
		}
		return true
	})
}

// fitText shortens s with an ellipsis to fit width.
func fitText(s string, size float32, style fyne.TextStyle, width float32) string {
	if fyne.MeasureText(s, size, style).Width <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && fyne.MeasureText(string(r)+"…", size, style).Width > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
