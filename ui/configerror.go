package ui

import (
	"context"
	"image/color"
	"net/url"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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

// splitConfigError separates "FILE:LINE: reason" into the place and the
// reason; an error of another shape is all reason.
func splitConfigError(msg, path string) (place, reason string) {
	if path != "" && strings.HasPrefix(msg, path) {
		rest := strings.TrimPrefix(msg, path)
		if line, r, ok := strings.Cut(strings.TrimPrefix(rest, ":"), ": "); ok && line != "" && strings.Trim(line, "0123456789") == "" {
			return path + ", line " + line, r
		}
		return path, strings.TrimPrefix(strings.TrimPrefix(rest, ":"), " ")
	}
	return "", msg
}

// showConfigError shows the config error with what can be done about it:
// look around the demo site, open the folder of the file, or quit.
func (win *window) showConfigError(ctx context.Context) {
	place, reason := splitConfigError(win.opt.ConfigError.Error(), win.opt.ConfigPath)
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
	help := widget.NewLabel("Fix the file and start Lookout again. The file is never rewritten. " +
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
// file manager.
func (win *window) openConfigFolder() {
	u := &url.URL{Scheme: "file", Path: filepath.Dir(win.opt.ConfigPath)}
	open := win.openURL
	if open == nil {
		open = win.a.OpenURL
	}
	if err := open(u); err != nil {
		dialog.ShowError(err, win.w)
	}
}

// openDemoAfterError opens the demo site with a banner saying the config
// is broken.
func (win *window) openDemoAfterError(ctx context.Context) {
	accs, err := win.opt.OpenDemo(ctx)
	if err != nil {
		dialog.ShowError(err, win.w)
		return
	}
	win.build(ctx, accs)
	place, _ := splitConfigError(win.opt.ConfigError.Error(), win.opt.ConfigPath)
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
