package ui

import (
	"context"
	"errors"
	"image/color"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session/config"
)

// readableWidth is the widest a block of text is laid out, for reading.
const readableWidth = 760

// widthLayout gives its objects the full width up to max, centred.
type widthLayout struct{ max float32 }

// Layout implements fyne.Layout.
func (l widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.max)
	for _, o := range objs {
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos((size.Width-w)/2, max(0, (size.Height-h)/2)))
	}
}

// MinSize implements fyne.Layout.
func (l widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return fyne.NewSize(min(m.Width, l.max), m.Height)
}

// configErrorParts returns where a config problem is (the file, and its
// line when known) and what it is, from the config package's *config.Error
// found in err. Another error concerns the file at path as a whole: the
// place is path, and the reason the cause the error wraps (or the whole
// error).
func configErrorParts(err error, path string) (place, reason string) {
	var ce *config.Error
	if errors.As(err, &ce) {
		place = ce.File
		if place != "" && ce.Line > 0 {
			place += ", line " + strconv.Itoa(ce.Line)
		}
		return place, ce.Msg
	}
	if cause := errors.Unwrap(err); cause != nil {
		return path, cause.Error()
	}
	return path, err.Error()
}

// showConfigError shows the config error with what can be done about it:
// look around the demo site, open the folder of the file, or quit.
func (win *window) showConfigError(ctx context.Context) {
	place, reason := configErrorParts(win.opt.ConfigError, win.opt.ConfigPath)
	head := widget.NewLabelWithStyle("Lookout cannot use its config file", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	why := widget.NewLabel(reason)
	why.Wrapping = fyne.TextWrapWord
	why.Importance = widget.DangerImportance
	rows := []fyne.CanvasObject{head, why}
	if place != "" {
		where := widget.NewLabelWithStyle(place, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		where.Wrapping = fyne.TextWrapBreak // a path has no spaces to wrap at
		rows = append(rows, where)
	}
	help := widget.NewLabel("Fix the file in a text editor and start Lookout again. " +
		"Meanwhile you can look around the demo site, which needs no account.")
	help.Wrapping = fyne.TextWrapWord
	open := widget.NewButtonWithIcon("Open the demo site", theme.MediaPlayIcon(), func() { win.openDemoAfterError(ctx) })
	open.Importance = widget.HighImportance
	folder := widget.NewButtonWithIcon("Open config folder", theme.FolderOpenIcon(), win.openConfigFolder)
	if win.opt.ConfigPath == "" {
		folder.Disable()
	}
	quit := widget.NewButton("Quit", win.a.Quit)
	rows = append(rows, help, container.NewHBox(open, folder, layout.NewSpacer(), quit))
	body := container.New(widthLayout{max: readableWidth}, container.NewPadded(container.NewVBox(rows...)))
	win.w.SetContent(body)
}

// openConfigFolder shows the folder of the config file in the desktop's
// file manager, or says where it is when there is none.
func (win *window) openConfigFolder() {
	dir := filepath.Dir(win.opt.ConfigPath)
	if win.openURL != nil {
		if err := win.openURL(&url.URL{Scheme: "file", Path: dir}); err != nil {
			dialog.ShowError(err, win.w)
		}
		return
	}
	noManager := func(why string) {
		dialog.ShowInformation("No file manager", "No file manager could show the folder ("+why+").\nThe config file is in "+dir, win.w)
	}
	opener := map[string]string{"darwin": "open", "windows": "explorer"}[runtime.GOOS]
	if opener == "" {
		opener = "xdg-open"
	}
	path, err := exec.LookPath(opener)
	if err != nil {
		noManager(opener + " is not installed")
		return
	}
	// The opener's own output is not ours to print, and it is waited for:
	// no zombie is left behind.
	ctx, cancel := context.WithTimeout(context.Background(), openerTimeout)
	cmd := exec.CommandContext(ctx, path, dir)
	if err := cmd.Start(); err != nil {
		cancel()
		noManager(err.Error())
		return
	}
	win.extra.wg.Add(1)
	go func() {
		defer win.extra.wg.Done()
		defer cancel()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			do(func() { noManager(opener + " failed: " + err.Error()) })
		}
	}()
}

// openerTimeout bounds how long the file manager's opener is waited for;
// it hands the folder over and ends well within it.
const openerTimeout = 5 * time.Second

// openDemoAfterError opens the demo site with a banner saying the config
// is broken.
func (win *window) openDemoAfterError(ctx context.Context) {
	accs, err := win.opt.OpenDemo(ctx)
	if err != nil {
		dialog.ShowError(err, win.w)
		return
	}
	win.build(ctx, accs)
	place, _ := configErrorParts(win.opt.ConfigError, win.opt.ConfigPath)
	if place == "" {
		place = "see the message at start-up"
	}
	text := canvas.NewText("Demo site: your config file has an error ("+place+"). Fix it and restart Lookout to see your cameras.",
		theme.Color(theme.ColorNameForeground))
	text.TextStyle = fyne.TextStyle{Bold: true}
	bg := canvas.NewRectangle(colorWithAlpha(theme.Color(theme.ColorNameWarning), 0x60))
	win.banner = text
	win.w.SetContent(container.NewBorder(container.NewStack(bg, container.NewPadded(text)), nil, nil, nil, win.w.Content()))
	win.w.SetTitle("Lookout — demo site (config has an error)")
}

// colorWithAlpha returns c with alpha a.
func colorWithAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}
