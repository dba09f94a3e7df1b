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
	fmt.Fprintf(&b, "## %s\n\n", headline(rep))
	if d := rep.Devices; d != nil {
		b.WriteString("### Devices\n\n")
		for _, r := range d.Microphones {
			fmt.Fprintf(&b, "- **Microphone%s**: %s%s\n", deviceName(r), okWord(r.OK), verdictText(r))
		}
		for _, r := range d.Speakers {
			fmt.Fprintf(&b, "- **Speaker%s**: %s%s\n", deviceName(r), okWord(r.OK), verdictText(r))
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
		fmt.Fprintf(&b, "### Account %s (%s): %s, network %s\n\n%s\n\n", a.Account, a.Kind, okWord(a.OK),
			qualityText(a.Quality), accountVerdict(rep, a))
		if a.Measured != "" {
			fmt.Fprintf(&b, "Measured: %s\n\n", a.Measured)
		}
		if !a.Unmeasured() {
			fmt.Fprintf(&b, "RTT %.1f ms, loss up %.1f%% down %.1f%%, %.0f kbit/s up, %.0f kbit/s down\n\n",
				a.RTTMs, 100*a.LossUp, 100*a.LossDown, a.UpKbps, a.DownKbps)
		}
		for _, s := range a.Steps {
			fmt.Fprintf(&b, "- %s %s (%.1f ms): %s\n", okMark(s.OK), s.Name, s.Ms, s.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// headline is the report's first line in plain words.
func headline(rep check.Report) string {
	if rep.OK {
		return "Ready: everything a call needs works"
	}
	if d := rep.Devices; d != nil && !check.DevicesUsable(d) {
		for _, x := range append(append([]check.DeviceResult{}, d.Microphones...), d.Speakers...) {
			if !x.OK {
				if x.Name == "" || x.Name == "(none)" {
					return "Not ready: " + x.Verdict
				}
				return fmt.Sprintf("Not ready: %s: %s", x.Name, x.Verdict)
			}
		}
	}
	for _, a := range rep.Accounts {
		if !a.OK {
			return fmt.Sprintf("Not ready: account %s: %s", a.Account, a.Verdict)
		}
	}
	return "Not ready: " + rep.FirstProblem()
}

// deviceName is " <name>" for a device row, or "" when none was found.
func deviceName(r check.DeviceResult) string {
	if r.Name == "" || r.Name == "(none)" {
		return ""
	}
	return " " + r.Name
}

// qualityText explains a network quality figure on TRTC's scale.
func qualityText(q int) string {
	if q == check.QualityUnknown {
		return "quality unknown (not measured)"
	}
	return fmt.Sprintf("quality %s (%d on a scale from 1 best to 6 disconnected)", check.QualityName(q), q)
}

// accountVerdict is the account's verdict, corrected where the devices
// rule out talk: the network can be smooth while talk is unavailable.
func accountVerdict(rep check.Report, a check.AccountReport) string {
	if talkPossible(rep) {
		return a.Verdict
	}
	v := strings.Replace(a.Verdict, "video and talk will be smooth", "video will be smooth", 1)
	v = strings.Replace(v, "video and talk will work well", "video will work well", 1)
	return v + "; talk is unavailable: no working microphone"
}

// talkPossible reports whether the devices checked include a working
// microphone (true when devices were not checked).
func talkPossible(rep check.Report) bool {
	d := rep.Devices
	if d == nil {
		return true
	}
	for _, m := range d.Microphones {
		if m.OK {
			return true
		}
	}
	return false
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
<p>{{.Verdict}}</p>{{with .Measured}}<p>Measured: {{.}}</p>{{end}}{{if not .Unmeasured}}<p>RTT {{printf "%.1f" .RTTMs}} ms, loss up {{pct .LossUp}} down {{pct .LossDown}}, {{printf "%.0f" .UpKbps}} kbit/s up, {{printf "%.0f" .DownKbps}} kbit/s down</p>{{end}}
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
	text := widget.NewRichText(reportSegments(markdown)...)
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

// reportSegments renders the report's markdown for the wizard. Fyne's own
// markdown reader splits words at underscores ("pcm_ mulaw"), and the
// report only uses headings, paragraphs, list items and a bold lead-in, so
// it is read here.
func reportSegments(md string) []widget.RichTextSegment {
	var segs []widget.RichTextSegment
	text := func(s string, style widget.RichTextStyle) *widget.TextSegment {
		return &widget.TextSegment{Text: s, Style: style}
	}
	inline := func(line string) []widget.RichTextSegment {
		var out []widget.RichTextSegment
		for i, part := range strings.Split(line, "**") {
			if part == "" {
				continue
			}
			style := widget.RichTextStyleInline
			if i%2 == 1 {
				style = widget.RichTextStyleStrong
				style.Inline = true
			}
			out = append(out, text(part, style))
		}
		if len(out) > 0 { // the last one ends the line
			out[len(out)-1].(*widget.TextSegment).Style.Inline = false
		}
		return out
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "## "):
			segs = append(segs, text(strings.TrimPrefix(line, "## "), widget.RichTextStyleHeading))
		case strings.HasPrefix(line, "### "):
			segs = append(segs, text(strings.TrimPrefix(line, "### "), widget.RichTextStyleSubHeading))
		case strings.HasPrefix(line, "- ✓ "), strings.HasPrefix(line, "- ✗ "):
			// A step's mark is its bullet: a list bullet before it
			// would make two.
			segs = append(segs, inline(strings.TrimPrefix(line, "- "))...)
		case strings.HasPrefix(line, "- "):
			item := &widget.ParagraphSegment{Texts: inline(strings.TrimPrefix(line, "- "))}
			segs = append(segs, &widget.ListSegment{Items: []widget.RichTextSegment{item}})
		default:
			segs = append(segs, inline(line)...)
		}
	}
	return segs
}
