package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session/check"
)

// reportMarkdown renders a pre-check report for the wizard's last page.
func reportMarkdown(rep check.Report) string {
	var b strings.Builder
	if rep.OK {
		b.WriteString("## Ready: everything a call needs works\n\n")
	} else {
		fmt.Fprintf(&b, "## Not ready: %s\n\n", rep.FirstProblem())
	}
	if d := rep.Devices; d != nil {
		b.WriteString("### Devices\n\n")
		for _, r := range d.Microphones {
			fmt.Fprintf(&b, "- **Microphone %s**: %s%s\n", r.Name, okWord(r.OK), verdictText(r))
		}
		for _, r := range d.Speakers {
			fmt.Fprintf(&b, "- **Speaker %s**: %s%s\n", r.Name, okWord(r.OK), verdictText(r))
		}
		b.WriteString("\n")
	}
	if c := rep.Codecs; c != nil {
		hw := "none"
		if len(c.HWAccel) > 0 {
			hw = strings.Join(c.HWAccel, ", ")
		}
		fmt.Fprintf(&b, "### Codecs\n\n- Decoders: %s\n- Encoders: %s\n- Hardware decoding: %s\n\n",
			strings.Join(c.Decoders, ", "), strings.Join(c.Encoders, ", "), hw)
	}
	if c := rep.Capacity; c != nil {
		fmt.Fprintf(&b, "### This PC\n\n- **%d tiles at 720p30** (%.0f frames/s decoded)\n- **%d tiles at 1080p30** (%.0f frames/s decoded)\n\n",
			c.Tiles720p30, c.DecodeFPS720p, c.Tiles1080p30, c.DecodeFPS1080p)
	}
	for _, a := range rep.Accounts {
		fmt.Fprintf(&b, "### Account %s (%s): %s, quality %d (%s)\n\n%s\n\n", a.Account, a.Kind, okWord(a.OK),
			a.Quality, check.QualityName(a.Quality), a.Verdict)
		fmt.Fprintf(&b, "RTT %.1f ms, loss up %.1f%% down %.1f%%, %.0f kbit/s up, %.0f kbit/s down\n\n",
			a.RTTMs, 100*a.LossUp, 100*a.LossDown, a.UpKbps, a.DownKbps)
		for _, s := range a.Steps {
			fmt.Fprintf(&b, "- %s %s (%.1f ms): %s\n", okMark(s.OK), s.Name, s.Ms, s.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

func okMark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func verdictText(r check.DeviceResult) string {
	s := ""
	if r.Verdict != "" {
		s = ", " + r.Verdict
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ok": okWord, "pct": func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"quality": check.QualityName, "join": strings.Join,
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Lookout pre-check</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.FAILED{color:#b00}.ok{color:#070}</style></head>
<body><h1>Lookout pre-check: <span class="{{ok .OK}}">{{if .OK}}ready{{else}}not ready{{end}}</span></h1>
{{with .Devices}}<h2>Devices</h2><table><tr><th>device</th><th>name</th><th>result</th><th>verdict</th></tr>
{{range .Microphones}}<tr><td>microphone</td><td>{{.Name}}</td><td class="{{ok .OK}}">{{ok .OK}}</td><td>{{.Verdict}} {{.Detail}}</td></tr>{{end}}
{{range .Speakers}}<tr><td>speaker</td><td>{{.Name}}</td><td class="{{ok .OK}}">{{ok .OK}}</td><td>{{.Verdict}} {{.Detail}}</td></tr>{{end}}</table>{{end}}
{{with .Codecs}}<h2>Codecs</h2><p>Decoders: {{join .Decoders ", "}}<br>Encoders: {{join .Encoders ", "}}<br>Hardware decoding: {{if .HWAccel}}{{join .HWAccel ", "}}{{else}}none{{end}}</p>{{end}}
{{with .Capacity}}<h2>This PC</h2><p><b>{{.Tiles720p30}} tiles at 720p30</b> ({{printf "%.0f" .DecodeFPS720p}} frames/s decoded), <b>{{.Tiles1080p30}} tiles at 1080p30</b> ({{printf "%.0f" .DecodeFPS1080p}} frames/s decoded)</p>{{end}}
{{range .Accounts}}<h2>Account {{.Account}} ({{.Kind}}): <span class="{{ok .OK}}">{{ok .OK}}</span>, quality {{.Quality}} ({{quality .Quality}})</h2>
<p>{{.Verdict}}</p><p>RTT {{printf "%.1f" .RTTMs}} ms, loss up {{pct .LossUp}} down {{pct .LossDown}}, {{printf "%.0f" .UpKbps}} kbit/s up, {{printf "%.0f" .DownKbps}} kbit/s down</p>
<table><tr><th>step</th><th>result</th><th>ms</th><th>detail</th></tr>{{range .Steps}}<tr><td>{{.Name}}</td><td class="{{ok .OK}}">{{ok .OK}}</td><td>{{printf "%.1f" .Ms}}</td><td>{{.Detail}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))

// reportHTML renders the report as a standalone HTML page.
func reportHTML(rep check.Report) ([]byte, error) {
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, rep); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// reportPNGWidth is the width of the report picture in points.
const reportPNGWidth = 800

// renderReport draws the report's markdown on an opaque background at its
// full height.
func renderReport(markdown string) image.Image {
	text := widget.NewRichTextFromMarkdown(markdown)
	text.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	content := container.NewStack(bg, container.NewPadded(text))
	c := software.NewCanvas()
	c.SetPadded(false)
	c.SetContent(content)
	c.Resize(fyne.NewSize(reportPNGWidth, 100))
	h := content.MinSize().Height
	c.Resize(fyne.NewSize(reportPNGWidth, h))
	return c.Capture()
}
