package tuya

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// sdpDoc is an SDP split into its session part and media sections, one line
// per string, line endings removed.
type sdpDoc struct {
	session []string
	media   []*section
}

// section is one media section; lines[0] is its m= line.
type section struct {
	lines []string
}

// parseSDP splits s on LF or CRLF, dropping trailing blanks and empty lines.
func parseSDP(s string) *sdpDoc {
	d := &sdpDoc{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r \t")
		if line == "" {
			continue
		}
		switch {
		case strings.HasPrefix(line, "m="):
			d.media = append(d.media, &section{lines: []string{line}})
		case len(d.media) == 0:
			d.session = append(d.session, line)
		default:
			last := d.media[len(d.media)-1]
			last.lines = append(last.lines, line)
		}
	}
	return d
}

// String joins the lines with CRLF, the line ending SDP requires.
func (d *sdpDoc) String() string {
	var b strings.Builder
	for _, l := range d.session {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	for _, s := range d.media {
		for _, l := range s.lines {
			b.WriteString(l)
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

// clone copies d deeply.
func (d *sdpDoc) clone() *sdpDoc {
	n := &sdpDoc{session: slices.Clone(d.session)}
	for _, s := range d.media {
		n.media = append(n.media, &section{lines: slices.Clone(s.lines)})
	}
	return n
}

// hasAttr reports whether lines hold attribute name ("a=name" or "a=name:...").
func hasAttr(lines []string, name string) bool {
	_, ok := attr(lines, name)
	return ok
}

// attr returns the value of the first attribute name in lines.
func attr(lines []string, name string) (string, bool) {
	for _, l := range lines {
		if l == "a="+name {
			return "", true
		}
		if v, ok := strings.CutPrefix(l, "a="+name+":"); ok {
			return v, true
		}
	}
	return "", false
}

// kind returns the media type of the section ("audio", "video", ...).
func (s *section) kind() string {
	f := strings.Fields(strings.TrimPrefix(s.lines[0], "m="))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// mid returns the section's a=mid, or "".
func (s *section) mid() string {
	v, _ := attr(s.lines, "mid")
	return v
}

// fmts returns the payload types of the m= line.
func (s *section) fmts() []string {
	f := strings.Fields(s.lines[0])
	if len(f) < 4 {
		return nil
	}
	return f[3:]
}

// setFmts rewrites the payload types of the m= line.
func (s *section) setFmts(pts []string) {
	f := strings.Fields(s.lines[0])
	if len(f) < 3 {
		return
	}
	s.lines[0] = strings.Join(append(f[:3:3], pts...), " ")
}

// codec is one payload type of a section.
type codec struct {
	pt    string
	name  string // encoding name as written, e.g. "H264"
	clock string
	fmtp  string
}

// staticPT names the static payload types of RFC 3551 a camera might leave
// without an rtpmap.
var staticPT = map[string][2]string{
	"0": {"PCMU", "8000"},
	"8": {"PCMA", "8000"},
	"9": {"G722", "8000"},
}

// ptLine returns the payload type an rtpmap, fmtp or rtcp-fb line is about,
// and the rest of the line.
func ptLine(l string) (pt, rest string, ok bool) {
	for _, p := range []string{"a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"} {
		if v, found := strings.CutPrefix(l, p); found {
			pt, rest, _ = strings.Cut(v, " ")
			return pt, rest, true
		}
	}
	return "", "", false
}

// codecs returns the section's payload types in m= line order.
func (s *section) codecs() []codec {
	byPT := map[string]*codec{}
	var out []*codec
	for _, pt := range s.fmts() {
		c := &codec{pt: pt}
		if st, ok := staticPT[pt]; ok {
			c.name, c.clock = st[0], st[1]
		}
		byPT[pt] = c
		out = append(out, c)
	}
	for _, l := range s.lines[1:] {
		if v, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, enc, _ := strings.Cut(v, " ")
			if c := byPT[pt]; c != nil {
				parts := strings.Split(enc, "/")
				c.name = parts[0]
				if len(parts) > 1 {
					c.clock = parts[1]
				}
			}
		} else if v, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
			pt, params, _ := strings.Cut(v, " ")
			if c := byPT[pt]; c != nil {
				c.fmtp = params
			}
		}
	}
	res := make([]codec, len(out))
	for i, c := range out {
		res[i] = *c
	}
	return res
}

// fmtpParam returns parameter key of an fmtp value ("a=1;b=2").
func fmtpParam(fmtp, key string) string {
	for _, p := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// mimeName returns the encoding name of a MIME type ("video/H264" -> "H264").
func mimeName(mime string) string {
	_, n, ok := strings.Cut(mime, "/")
	if !ok {
		return mime
	}
	return n
}

// shapeOffer rewrites a pion offer for a Tuya camera: CRLF line endings,
// the audio section first, no header extensions (a=extmap) but the video's
// abs-capture-time (keepCaptureTime), only the
// codecs named in allowed (MIME types; this drops rtx, red, ulpfec and
// flexfec), no transport-cc feedback, no ssrc-group and only the first
// SSRC's cname and msid. While fits says the result is too big it goes
// further: H.264 with packetization-mode=1 only, then a single H.264
// variant without REMB, then no SSRC lines and only "nack pli" feedback.
// It returns the result and, when it moved sections, the original order of
// their mids (for repairAnswer).
func shapeOffer(sdp string, allowed []string, fits func(string) bool) (string, []string, error) {
	d := parseSDP(sdp)
	if len(d.media) == 0 {
		return "", nil, fmt.Errorf("tuya: shape offer: %w: the offer has no media section", session.ErrProtocol)
	}
	var mids []string
	for _, s := range d.media {
		mids = append(mids, s.mid())
	}
	// Tuya cameras expect the audio m-line first, as browsers offer it.
	sort.SliceStable(d.media, func(i, j int) bool {
		return d.media[i].kind() == "audio" && d.media[j].kind() != "audio"
	})
	var moved []string
	for i, s := range d.media {
		if s.mid() != mids[i] {
			moved = mids
			break
		}
	}
	names := make(map[string]bool)
	for _, m := range allowed {
		names[strings.ToUpper(mimeName(m))] = true
	}
	var size int
	for level := 0; level <= 3; level++ {
		out, err := shapeLevel(d.clone(), names, level)
		if err != nil {
			return "", nil, err
		}
		if fits(out) {
			return out, moved, nil
		}
		size = len(out)
	}
	return "", nil, fmt.Errorf("tuya: shape offer: %w: the SDP is still %d bytes after removing all it can", ErrOfferTooLarge, size)
}

// keepCaptureTime reports whether l is the video section's abs-capture-time
// extension, kept up to level 1: the demo cameras stamp each picture with
// its capture time under it, for the tile's latency; cameras that do not
// know it ignore it, as they ignore a browser's.
func keepCaptureTime(l, kind string, level int) bool {
	return kind == "video" && level < 2 && strings.HasPrefix(l, "a=extmap:") && strings.HasSuffix(l, " "+player.AbsCaptureTimeURI)
}

// shapeLevel applies one level of shaping to d (see shapeOffer).
func shapeLevel(d *sdpDoc, names map[string]bool, level int) (string, error) {
	d.session = slices.DeleteFunc(d.session, func(l string) bool { return l == "a=extmap-allow-mixed" })
	for _, s := range d.media {
		k := s.kind()
		if k != "audio" && k != "video" {
			continue
		}
		keep := map[string]bool{}
		var kept []string
		var h264 []codec
		for _, c := range s.codecs() {
			if names[strings.ToUpper(c.name)] {
				if strings.EqualFold(c.name, "H264") {
					h264 = append(h264, c)
				}
				kept = append(kept, c.pt)
				keep[c.pt] = true
			}
		}
		if len(kept) == 0 {
			var want []string
			for n := range names {
				want = append(want, n)
			}
			sort.Strings(want)
			return "", fmt.Errorf("tuya: shape offer: %w: the %s section offers none of %s", session.ErrUnsupportedCodec, k, strings.Join(want, ", "))
		}
		if level >= 1 && len(h264) > 1 {
			var pm1 []codec
			for _, c := range h264 {
				if fmtpParam(c.fmtp, "packetization-mode") == "1" {
					pm1 = append(pm1, c)
				}
			}
			if len(pm1) > 0 {
				h264 = pm1
			}
			if level >= 2 {
				best := h264[0]
				for _, c := range h264 {
					if strings.EqualFold(fmtpParam(c.fmtp, "profile-level-id"), "42e01f") {
						best = c
						break
					}
				}
				h264 = []codec{best}
			}
			stay := map[string]bool{}
			for _, c := range h264 {
				stay[c.pt] = true
			}
			for _, c := range s.codecs() {
				if keep[c.pt] && strings.EqualFold(c.name, "H264") && !stay[c.pt] {
					delete(keep, c.pt)
				}
			}
			kept = slices.DeleteFunc(kept, func(pt string) bool { return !keep[pt] })
		}
		s.setFmts(kept)
		firstSSRC := ""
		lines := s.lines[:1]
		for _, l := range s.lines[1:] {
			if keepCaptureTime(l, k, level) {
				lines = append(lines, l)
				continue
			}
			if strings.HasPrefix(l, "a=extmap:") || l == "a=extmap-allow-mixed" || strings.HasPrefix(l, "a=ssrc-group:") {
				continue
			}
			if pt, rest, ok := ptLine(l); ok {
				if pt != "*" && !keep[pt] {
					continue
				}
				if strings.HasPrefix(l, "a=rtcp-fb:") {
					if rest == "transport-cc" || (level >= 2 && rest == "goog-remb") || (level >= 3 && rest != "nack pli") {
						continue
					}
				}
			}
			if v, ok := strings.CutPrefix(l, "a=ssrc:"); ok {
				id, a, _ := strings.Cut(v, " ")
				if firstSSRC == "" {
					firstSSRC = id
				}
				if level >= 3 || id != firstSSRC || strings.HasPrefix(a, "mslabel:") || strings.HasPrefix(a, "label:") {
					continue
				}
			}
			if level >= 3 && strings.HasPrefix(l, "a=msid:") {
				continue
			}
			lines = append(lines, l)
		}
		s.lines = lines
	}
	return d.String(), nil
}

// repairAnswer fixes what Tuya cameras get wrong in answers so that pion
// accepts them:
//   - CRLF line endings, no blank lines or trailing spaces;
//   - fingerprints as "a=fingerprint:<lower-case hash> <UPPER:HEX>" with a
//     single space (pion splits on exactly one space) and colons;
//   - a=setup missing → "a=setup:active"; actpass (illegal in an answer) →
//     active;
//   - a=mid missing → the mid of the matching offer section, and a BUNDLE
//     group when the offer had one and the answer has none;
//   - payload types that differ from the offer's for the same codec are
//     mapped back to the offer's numbers; codecs the offer did not have are
//     removed;
//   - sections back in the order given by mids (the offer pion made), when
//     not nil.
func repairAnswer(offer, answer string, mids []string) (string, error) {
	od := parseSDP(offer)
	ad := parseSDP(answer)
	if len(ad.media) == 0 {
		return "", fmt.Errorf("tuya: answer: %w: no media section", session.ErrProtocol)
	}
	fixLines := func(lines []string) {
		for i, l := range lines {
			if strings.HasPrefix(l, "a=fingerprint:") {
				lines[i] = fixFingerprint(l)
			} else if l == "a=setup:actpass" {
				lines[i] = "a=setup:active"
			}
		}
	}
	fixLines(ad.session)
	sessionSetup := hasAttr(ad.session, "setup")
	for i, as := range ad.media {
		fixLines(as.lines)
		os := matchSection(od, as, i)
		if as.mid() == "" && os != nil && os.mid() != "" {
			as.lines = append(as.lines, "a=mid:"+os.mid())
		}
		if !sessionSetup && !hasAttr(as.lines, "setup") {
			as.lines = append(as.lines, "a=setup:active")
		}
		if os != nil {
			remapPayloads(as, os)
		}
	}
	if !hasAttr(ad.session, "group") && hasAttr(od.session, "group") {
		var am []string
		for _, s := range ad.media {
			if m := s.mid(); m != "" {
				am = append(am, m)
			}
		}
		if len(am) > 0 {
			ad.session = append(ad.session, "a=group:BUNDLE "+strings.Join(am, " "))
		}
	}
	if len(mids) > 0 {
		pos := func(s *section) int {
			if i := slices.Index(mids, s.mid()); i >= 0 {
				return i
			}
			return len(mids)
		}
		sort.SliceStable(ad.media, func(i, j int) bool { return pos(ad.media[i]) < pos(ad.media[j]) })
	}
	return ad.String(), nil
}

// matchSection finds the offer section an answer section answers: same mid,
// else same index and kind, else the first of the same kind.
func matchSection(od *sdpDoc, as *section, i int) *section {
	if m := as.mid(); m != "" {
		for _, s := range od.media {
			if s.mid() == m {
				return s
			}
		}
	}
	if i < len(od.media) && od.media[i].kind() == as.kind() {
		return od.media[i]
	}
	for _, s := range od.media {
		if s.kind() == as.kind() {
			return s
		}
	}
	return nil
}

// fixFingerprint normalizes one a=fingerprint line.
func fixFingerprint(l string) string {
	f := strings.Fields(strings.TrimPrefix(l, "a=fingerprint:"))
	if len(f) != 2 {
		return l
	}
	val := strings.ToUpper(f[1])
	if !strings.Contains(val, ":") && len(val)%2 == 0 && isHex(val) {
		var b strings.Builder
		for i := 0; i < len(val); i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(val[i : i+2])
		}
		val = b.String()
	}
	return "a=fingerprint:" + strings.ToLower(f[0]) + " " + val
}

// isHex reports whether s is upper-case hex digits only.
func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// remapPayloads maps the payload types of answer section as onto those of
// offer section os for the same codec and drops codecs the offer lacks.
func remapPayloads(as, os *section) {
	acodecs := as.codecs()
	if len(acodecs) == 0 {
		return
	}
	ocodecs := os.codecs()
	offerPT := map[string]codec{}
	for _, c := range ocodecs {
		offerPT[c.pt] = c
	}
	same := func(a, o codec) bool {
		return a.name != "" && strings.EqualFold(a.name, o.name) && a.clock == o.clock
	}
	mapping := map[string]string{}
	used := map[string]bool{}
	for _, ac := range acodecs {
		if oc, ok := offerPT[ac.pt]; ok && same(ac, oc) && !used[ac.pt] {
			mapping[ac.pt] = ac.pt
			used[ac.pt] = true
		}
	}
	isRTX := func(c codec) bool { return strings.EqualFold(c.name, "rtx") }
	for _, ac := range acodecs {
		if _, done := mapping[ac.pt]; done || isRTX(ac) {
			continue
		}
		best, bestScore := "", -1
		for _, oc := range ocodecs {
			if used[oc.pt] || !same(ac, oc) {
				continue
			}
			score := 0
			if fmtpParam(ac.fmtp, "packetization-mode") == fmtpParam(oc.fmtp, "packetization-mode") {
				score += 2
			}
			ap, op := fmtpParam(ac.fmtp, "profile-level-id"), fmtpParam(oc.fmtp, "profile-level-id")
			if len(ap) >= 2 && len(op) >= 2 && strings.EqualFold(ap[:2], op[:2]) {
				score++
			}
			if score > bestScore {
				best, bestScore = oc.pt, score
			}
		}
		if best != "" {
			mapping[ac.pt] = best
			used[best] = true
		}
	}
	for _, ac := range acodecs {
		if _, done := mapping[ac.pt]; done || !isRTX(ac) {
			continue
		}
		apt, ok := mapping[fmtpParam(ac.fmtp, "apt")]
		if !ok {
			continue
		}
		for _, oc := range ocodecs {
			if isRTX(oc) && !used[oc.pt] && fmtpParam(oc.fmtp, "apt") == apt {
				mapping[ac.pt] = oc.pt
				used[oc.pt] = true
				break
			}
		}
	}
	if len(mapping) == 0 {
		return // nothing in common: leave it for pion to report
	}
	var pts []string
	for _, pt := range as.fmts() {
		if n, ok := mapping[pt]; ok {
			pts = append(pts, n)
		}
	}
	lines := []string{as.lines[0]}
	for _, l := range as.lines[1:] {
		pt, rest, ok := ptLine(l)
		if ok && pt != "*" {
			n, keep := mapping[pt]
			if !keep {
				continue
			}
			prefix := l[:strings.Index(l, ":")+1]
			if strings.HasPrefix(l, "a=fmtp:") {
				if apt := fmtpParam(rest, "apt"); apt != "" {
					if na, ok := mapping[apt]; ok {
						rest = strings.Replace(rest, "apt="+apt, "apt="+na, 1)
					}
				}
			}
			l = prefix + n
			if rest != "" {
				l += " " + rest
			}
		}
		lines = append(lines, l)
	}
	as.lines = lines
	as.setFmts(pts)
}
