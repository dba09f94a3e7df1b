package diag

import (
	"bytes"
	"regexp"
	"strings"
)

// The config file in a bundle is often one that fails to load: that is why
// the user asks for support. Its redaction therefore cannot lean on a TOML
// parser, nor on the file being well formed. redactTOML walks the text with
// a lexer that knows TOML's shapes (bare, quoted and dotted keys, inline
// tables, arrays, the four kinds of strings) and tolerates broken ones: an
// unterminated string runs to the end of its line (a multi-line one to the
// end of the file), a secret key whose value is missing takes the next line
// as its value, and anything that is neither a comment, a table header nor
// "key = value" is removed whole, since a stray line in a broken file may
// be a pasted secret.

// secretWords mark a key as secret when its last segment contains one of
// them, whatever the kind: "client_secret", "api_token", "mqtt_password".
var secretWords = []string{"secret", "token", "passw", "pwd", "credential", "usersig", "user_sig", "api_key", "apikey", "private"}

// isSecretKey reports whether a TOML key segment (without quotes) names a
// secret: one of secretKeys exactly, or a key holding one of
// secretWords, case-insensitively.
func isSecretKey(key string) bool {
	k := strings.ToLower(strings.TrimSpace(key))
	for _, s := range secretKeys {
		if k == s {
			return true
		}
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// tomlRedactor rewrites one config text.
type tomlRedactor struct {
	in  []byte
	i   int
	out bytes.Buffer
	// inSecretTable: the current [table] has a secret key in its name
	// ([account.token]), so every value in it is secret.
	inSecretTable bool
}

// redactTOML returns text with the value of every secret key replaced by
// "<redacted>" (keyring references and empty strings kept) and every line
// that is not TOML removed.
func redactTOML(text []byte) []byte {
	r := &tomlRedactor{in: text}
	r.out.Grow(len(text))
	r.body()
	return r.out.Bytes()
}

func (r *tomlRedactor) eof() bool  { return r.i >= len(r.in) }
func (r *tomlRedactor) peek() byte { return r.in[r.i] }

// copyTo copies the input up to j.
func (r *tomlRedactor) copyTo(j int) {
	if j > len(r.in) {
		j = len(r.in)
	}
	r.out.Write(r.in[r.i:j])
	r.i = j
}

// skipSpace copies spaces and tabs.
func (r *tomlRedactor) skipSpace() {
	j := r.i
	for j < len(r.in) && (r.in[j] == ' ' || r.in[j] == '\t') {
		j++
	}
	r.copyTo(j)
}

// skipBlank copies whitespace, newlines and comments.
func (r *tomlRedactor) skipBlank() {
	for !r.eof() {
		switch r.peek() {
		case ' ', '\t', '\r', '\n':
			r.copyTo(r.i + 1)
		case '#':
			r.comment()
		default:
			return
		}
	}
}

// reCommentSecret finds "key = value" or "key: value" with a secret key in
// a comment: a secret commented out ("# secret = \"old one\"") is still a
// secret.
var reCommentSecret = regexp.MustCompile(`(?i)((?:^|[^a-z0-9_])["']?(?:[a-z0-9_.-]*(?:` + strings.Join(secretWords, "|") +
	`)[a-z0-9_.-]*|` + alt(secretKeys) + `)["']?[ \t]*[:=][ \t]*)(\S.*)$`)

// comment copies a comment to the line's end, with the value of any secret
// key in it replaced.
func (r *tomlRedactor) comment() {
	j := r.lineEnd()
	c := r.in[r.i:j]
	if m := reCommentSecret.FindSubmatchIndex(c); m != nil {
		r.out.Write(c[:m[3]])
		r.out.WriteString(Redacted)
		r.i = j
		return
	}
	r.copyTo(j)
}

// lineEnd is the index of the end of the current line (its '\r' or '\n').
func (r *tomlRedactor) lineEnd() int {
	j := r.i
	for j < len(r.in) && r.in[j] != '\n' && r.in[j] != '\r' {
		j++
	}
	return j
}

// dropToLineEnd replaces the rest of the line by Redacted.
func (r *tomlRedactor) dropToLineEnd() {
	j := r.lineEnd()
	if len(bytes.TrimSpace(r.in[r.i:j])) > 0 {
		r.out.WriteString(Redacted)
	}
	r.i = j
}

// body is the top level: comments, table headers and key/value pairs.
func (r *tomlRedactor) body() {
	for {
		r.skipBlank()
		if r.eof() {
			return
		}
		if r.peek() == '[' {
			r.header()
			continue
		}
		if !r.keyValue(r.inSecretTable, '\n') {
			r.dropToLineEnd()
		}
	}
}

// header copies a [table] or [[array]] header: keys, dots and brackets. A
// header that does not close where a key allows is dropped to the line's
// end.
func (r *tomlRedactor) header() {
	start, outStart := r.i, r.out.Len()
	r.inSecretTable = false
	for !r.eof() && r.peek() == '[' {
		r.copyTo(r.i + 1)
	}
	for {
		r.skipSpace()
		if r.eof() {
			return
		}
		switch c := r.peek(); {
		case c == ']':
			for !r.eof() && r.peek() == ']' {
				r.copyTo(r.i + 1)
			}
			return
		case c == '.':
			r.copyTo(r.i + 1)
		case c == '"' || c == '\'' || isBareKeyChar(c):
			end, name, ok := r.keySegment(r.i)
			if ok && isSecretKey(name) {
				r.inSecretTable = true
			}
			if !ok {
				r.out.Truncate(outStart)
				r.i = start
				r.dropToLineEnd()
				return
			}
			if c == '"' || c == '\'' {
				// A quoted table name is odd in a Lookout config and may
				// be a pasted value: it is not kept.
				r.out.WriteString(`"` + Redacted + `"`)
				r.i = end
			} else {
				r.copyTo(end)
			}
		default:
			r.dropToLineEnd()
			return
		}
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// keySegment reads one key segment at j: a bare key or a quoted one. It
// returns the index after it, the key's name, and false when there is no
// well-formed segment there.
func (r *tomlRedactor) keySegment(j int) (int, string, bool) {
	if j >= len(r.in) {
		return j, "", false
	}
	switch q := r.in[j]; q {
	case '"', '\'':
		k := j + 1
		for k < len(r.in) && r.in[k] != q && r.in[k] != '\n' {
			if q == '"' && r.in[k] == '\\' {
				k++
			}
			k++
		}
		if k >= len(r.in) || r.in[k] != q {
			return j, "", false
		}
		return k + 1, string(r.in[j+1 : k]), true
	default:
		k := j
		for k < len(r.in) && isBareKeyChar(r.in[k]) {
			k++
		}
		return k, string(r.in[j:k]), k > j
	}
}

// keyValue reads "key = value" (keys possibly dotted and quoted) and copies
// it, with the value redacted when a segment of the key is secret or
// inSecret is set. It
// returns false, having consumed nothing, when there is no "key =" here.
// stop is the byte that ends the enclosing construct ('}' in an inline
// table), for error recovery.
func (r *tomlRedactor) keyValue(inSecret bool, stop byte) bool {
	j := r.i
	secret := inSecret
	for {
		for j < len(r.in) && (r.in[j] == ' ' || r.in[j] == '\t') {
			j++
		}
		end, name, ok := r.keySegment(j)
		if !ok {
			return false
		}
		secret = secret || isSecretKey(name)
		j = end
		for j < len(r.in) && (r.in[j] == ' ' || r.in[j] == '\t') {
			j++
		}
		if j < len(r.in) && r.in[j] == '.' {
			j++
			continue
		}
		break
	}
	if j >= len(r.in) || r.in[j] != '=' {
		return false
	}
	r.copyTo(j + 1)
	r.value(secret, stop)
	return true
}

// value reads a value after '=' (or inside an array) and copies it, or
// writes Redacted in its place when secret.
func (r *tomlRedactor) value(secret bool, stop byte) {
	r.skipSpace()
	if r.eof() || r.peek() == '\n' || r.peek() == '\r' || r.peek() == '#' {
		// No value on the line: a broken file. A secret's value may be on
		// the next line; take that line whole.
		if secret {
			if !r.eof() && r.peek() == '#' {
				r.comment()
			}
			r.skipBlank()
			if !r.eof() {
				r.dropToLineEnd()
			}
		}
		return
	}
	start := r.i
	outStart := r.out.Len()
	switch c := r.peek(); {
	case bytes.HasPrefix(r.in[r.i:], []byte(`"""`)):
		r.copyTo(r.multiline(`"""`, true))
	case bytes.HasPrefix(r.in[r.i:], []byte(`'''`)):
		r.copyTo(r.multiline(`'''`, false))
	case c == '"' || c == '\'':
		r.copyTo(r.quoted(c))
	case c == '[':
		r.copyTo(r.i + 1)
		r.array(secret)
	case c == '{':
		r.copyTo(r.i + 1)
		r.inlineTable(secret)
	default:
		j := r.i
		for j < len(r.in) && !bytes.ContainsRune([]byte(",]}#\r\n"), rune(r.in[j])) && r.in[j] != stop {
			j++
		}
		for j > r.i && (r.in[j-1] == ' ' || r.in[j-1] == '\t') {
			j--
		}
		r.copyTo(j)
	}
	if !secret {
		return
	}
	v := r.in[start:r.i]
	if keepSecretValue(v) {
		return
	}
	r.out.Truncate(outStart)
	r.out.WriteString(`"` + Redacted + `"`)
}

// keepSecretValue reports whether a secret key's value may stay: an empty
// string, or a single-line string naming a keyring key.
func keepSecretValue(v []byte) bool {
	if len(v) < 2 || v[0] != v[len(v)-1] || (v[0] != '"' && v[0] != '\'') {
		return false
	}
	inner := v[1 : len(v)-1]
	if len(inner) == 0 {
		return true
	}
	return bytes.HasPrefix(inner, []byte("keyring:")) && !bytes.ContainsAny(inner, "\"'\\ \t\r\n")
}

// quoted returns the end of a one-line string at r.i: after its closing
// quote, or the line's end when it has none.
func (r *tomlRedactor) quoted(q byte) int {
	j := r.i + 1
	for j < len(r.in) && r.in[j] != '\n' && r.in[j] != '\r' {
		if q == '"' && r.in[j] == '\\' {
			j += 2
			continue
		}
		if r.in[j] == q {
			return j + 1
		}
		j++
	}
	return min(j, len(r.in))
}

// multiline returns the end of a multi-line string at r.i: after its
// closing delimiter, or the end of the text when it has none.
func (r *tomlRedactor) multiline(delim string, escapes bool) int {
	j := r.i + len(delim)
	for j < len(r.in) {
		if escapes && r.in[j] == '\\' {
			j += 2
			continue
		}
		if bytes.HasPrefix(r.in[j:], []byte(delim)) {
			j += len(delim)
			// Up to two more quotes belong to the content (TOML allows
			// """a"""" ending in a quote).
			for k := 0; k < 2 && j < len(r.in) && r.in[j] == delim[0]; k++ {
				j++
			}
			return j
		}
		j++
	}
	return len(r.in)
}

// array copies the items of an array up to its ']', each item through
// value; a secret array is redacted whole by the caller.
func (r *tomlRedactor) array(secret bool) {
	for {
		r.skipBlank()
		if r.eof() {
			return
		}
		switch r.peek() {
		case ']':
			r.copyTo(r.i + 1)
			return
		case ',':
			r.copyTo(r.i + 1)
		case '}', '=':
			// Broken: not an array item. Whatever follows on the line
			// could be anything.
			r.dropToLineEnd()
			if secret {
				return
			}
		default:
			before := r.i
			r.value(secret, ']')
			if r.i == before {
				r.dropToLineEnd()
			}
		}
	}
}

// inlineTable copies the pairs of an inline table up to its '}', each
// value redacted when its key is secret (or the whole table is).
func (r *tomlRedactor) inlineTable(secret bool) {
	for {
		r.skipBlank()
		if r.eof() {
			return
		}
		switch r.peek() {
		case '}':
			r.copyTo(r.i + 1)
			return
		case ',':
			r.copyTo(r.i + 1)
		default:
			if !r.keyValue(secret, '}') {
				// Not "key = value": drop what is on the line up to the
				// table's end, or all of it.
				j := r.i
				for j < len(r.in) && r.in[j] != '}' && r.in[j] != '\n' && r.in[j] != '\r' {
					j++
				}
				if j > r.i {
					r.out.WriteString(Redacted)
				}
				r.i = j
			}
		}
	}
}
