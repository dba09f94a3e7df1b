package whep

import (
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// Link is one link-value of a Link header (RFC 8288): the target URI and
// its parameters, names lower-cased.
type Link struct {
	URI    string
	Params map[string]string
}

// maxLinks bounds the links taken from one response.
const maxLinks = 32

// ParseLinks parses the values of a response's Link headers. Errors never
// quote the header, which may carry TURN credentials. Each value may
// hold several comma-separated links; quoted parameter values may contain
// commas and semicolons.
func ParseLinks(values []string) ([]Link, error) {
	var out []Link
	for _, v := range values {
		rest := v
		for {
			rest = strings.TrimLeft(rest, " \t,")
			if rest == "" {
				break
			}
			if len(out) == maxLinks {
				return nil, fmt.Errorf("%w: more than %d links", ErrLink, maxLinks)
			}
			l, r, err := parseLink(rest)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
			rest = r
		}
	}
	return out, nil
}

// parseLink reads one link-value and returns what follows it.
func parseLink(s string) (Link, string, error) {
	if s[0] != '<' {
		return Link{}, "", fmt.Errorf("%w: expected '<'", ErrLink)
	}
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return Link{}, "", fmt.Errorf("%w: no closing '>'", ErrLink)
	}
	l := Link{URI: strings.TrimSpace(s[1:end]), Params: map[string]string{}}
	s = s[end+1:]
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == ',' {
			return l, s, nil
		}
		if s[0] != ';' {
			return Link{}, "", fmt.Errorf("%w: expected ';' or ','", ErrLink)
		}
		s = strings.TrimLeft(s[1:], " \t")
		i := strings.IndexAny(s, "=;,")
		if i < 0 {
			i = len(s)
		}
		name := strings.ToLower(strings.TrimSpace(s[:i]))
		if name == "" {
			return Link{}, "", fmt.Errorf("%w: empty parameter name", ErrLink)
		}
		s = s[i:]
		val := ""
		if s != "" && s[0] == '=' {
			s = strings.TrimLeft(s[1:], " \t")
			var err error
			if val, s, err = paramValue(s); err != nil {
				return Link{}, "", err
			}
		}
		if _, dup := l.Params[name]; !dup { // RFC 8288 3.3: the first one counts
			l.Params[name] = val
		}
	}
}

// paramValue reads a token or a quoted-string.
func paramValue(s string) (string, string, error) {
	if s == "" || s[0] != '"' {
		i := strings.IndexAny(s, ";, \t")
		if i < 0 {
			i = len(s)
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return "", "", fmt.Errorf("%w: unterminated quoted value", ErrLink)
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("%w: unterminated quoted value", ErrLink)
}

// ICEServers returns the ICE servers among links (rel="ice-server", RFC 9725
// section 4.6): STUN and TURN URIs with their username and credential.
// Links with other relations, and URIs of other schemes, are left out.
func ICEServers(links []Link) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, l := range links {
		if !hasRel(l.Params["rel"], "ice-server") {
			continue
		}
		scheme, _, _ := strings.Cut(l.URI, ":")
		switch strings.ToLower(scheme) {
		case "stun", "stuns", "turn", "turns":
		default:
			continue
		}
		s := webrtc.ICEServer{URLs: []string{l.URI}}
		if u, ok := l.Params["username"]; ok {
			s.Username = u
			s.Credential = l.Params["credential"]
			s.CredentialType = webrtc.ICECredentialTypePassword
		}
		out = append(out, s)
	}
	return out
}

// hasRel reports whether a rel parameter (a space-separated list) holds want.
func hasRel(rel, want string) bool {
	for _, r := range strings.Fields(rel) {
		if strings.EqualFold(r, want) {
			return true
		}
	}
	return false
}
