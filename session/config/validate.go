package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// reName is what an account name may look like: it is the first part of
// every source name ("home/<device-id>") and must survive a shell unquoted.
var reName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// kindKeys lists, per kind, the keys an account of that kind may hold
// besides name, kind and ca_file.
var kindKeys = map[string][]string{
	KindTuya: {"endpoint", "client_id", "secret", "uid", "sign_method", "devices"},
	KindEEN:  {"endpoint", "token"},
	KindWCS:  {"url", "app_key", "streams", "rooms", "talk_stream"},
	KindWHEP: {"stream"},
	KindTRTC: {"endpoint", "sdk_app_id", "secret_key", "user_id", "rooms", "usersig_ttl"},
}

// requiredKeys lists, per kind, the keys an account cannot do without. A wcs
// account also needs streams or rooms, and a whep account at least one
// [[account.stream]]; those are checked apart.
var requiredKeys = map[string][]string{
	KindTuya: {"endpoint", "client_id", "secret", "uid"},
	KindEEN:  {"endpoint", "token"},
	KindWCS:  {"url"},
	KindWHEP: nil,
	KindTRTC: {"endpoint", "sdk_app_id", "secret_key", "user_id"},
}

const kindList = "tuya, een, wcs, whep or trtc"

// validator checks decoded accounts against the rules of their kind and
// collects every problem with its line.
type validator struct {
	file  string
	dir   string // the config file's directory, for relative ca_file paths
	ps    *positions
	names map[string]int // account name -> line of its name key
	errs  []*Error
}

func (v *validator) fail(line int, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// acct carries what the checks of one account share.
type acct struct {
	base   string // index path of the account table
	header int    // line of its [[account]] header
	label  string // `tuya account "home"`, for messages
}

// at returns the line of the account's key (or deeper path), or the
// account's header line when the key is not in the file.
func (v *validator) at(a acct, path ...string) int {
	return v.ps.at(join(append([]string{a.base}, path...)...), a.header)
}

func (v *validator) has(a acct, key string) bool { return v.ps.has(join(a.base, key)) }

// account validates the i-th account and converts it.
func (v *validator) account(i int, r *rawAccount) Account {
	a := acct{base: join("account", strconv.Itoa(i))}
	a.header = v.ps.at(a.base, 0)
	out := Account{Name: r.Name, Kind: r.Kind, Line: a.header}

	switch {
	case !v.has(a, "name"):
		v.fail(a.header, "account has no name; add name = \"...\" using a-z, 0-9, _ and -")
	case !reName.MatchString(r.Name):
		v.fail(v.at(a, "name"), "account name %q is invalid; use only a-z, 0-9, _ and -", r.Name)
	default:
		line := v.at(a, "name")
		if first, dup := v.names[r.Name]; dup {
			v.fail(line, "account name %q is already used on line %d; names must be unique", r.Name, first)
		} else {
			v.names[r.Name] = line
		}
	}

	allowed, known := kindKeys[r.Kind]
	switch {
	case !v.has(a, "kind"):
		v.fail(a.header, "account has no kind; add kind = \"...\" with one of %s", kindList)
		return out
	case !known:
		v.fail(v.at(a, "kind"), "unknown kind %q; use %s", r.Kind, kindList)
		return out
	}
	a.label = r.Kind + " account"
	if r.Name != "" {
		a.label += fmt.Sprintf(" %q", r.Name)
	}

	for _, k := range v.ps.children[a.base] {
		if k != "name" && k != "kind" && k != "ca_file" && !contains(allowed, k) {
			v.fail(v.at(a, k), "key %q is not used by %s accounts; remove it", k, r.Kind)
		}
	}

	var missing []string
	for _, k := range requiredKeys[r.Kind] {
		if !v.has(a, k) {
			missing = append(missing, k)
		}
	}
	switch r.Kind {
	case KindWCS:
		if len(r.Streams) == 0 && isEmpty(r.Rooms) {
			missing = append(missing, "streams (or rooms)")
		}
	case KindWHEP:
		if len(r.Stream) == 0 {
			missing = append(missing, "a [[account.stream]] with name and url")
		}
	}
	if len(missing) > 0 {
		v.fail(a.header, "%s is missing %s", a.label, strings.Join(missing, ", "))
	}

	switch r.Kind {
	case KindTuya:
		v.url(a, "endpoint", r.Endpoint, "https", "http")
		v.nonEmpty(a, "client_id", r.ClientID)
		v.secret(a, "secret", r.Secret)
		v.nonEmpty(a, "uid", r.UID)
		out.Endpoint, out.ClientID, out.Secret, out.UID = r.Endpoint, r.ClientID, r.Secret, r.UID
		out.SignMethod = r.SignMethod
		switch r.SignMethod {
		case "":
			out.SignMethod = SignHMAC
		case SignHMAC, SignMD5:
		default:
			v.fail(v.at(a, "sign_method"), "sign_method must be %q or %q, not %q", SignHMAC, SignMD5, r.SignMethod)
		}
		out.Devices = v.ids(a, "devices", "device id", r.Devices, map[string]bool{})
	case KindEEN:
		v.url(a, "endpoint", r.Endpoint, "https", "http")
		v.secret(a, "token", r.Token)
		out.Endpoint, out.Token = r.Endpoint, r.Token
	case KindWCS:
		v.url(a, "url", r.URL, "wss", "ws")
		out.URL, out.AppKey = r.URL, r.AppKey
		if !v.has(a, "app_key") {
			out.AppKey = DefaultWCSAppKey
		} else {
			v.nonEmpty(a, "app_key", r.AppKey)
		}
		if v.nonEmpty(a, "talk_stream", r.TalkStream) {
			out.TalkStream = r.TalkStream
		}
		seen := map[string]bool{}
		out.Streams = v.ids(a, "streams", "stream", r.Streams, seen)
		out.WCSRooms = v.wcsRooms(a, r.Rooms, seen)
	case KindWHEP:
		out.WHEPStreams = v.whepStreams(a, r.Stream)
	case KindTRTC:
		v.url(a, "endpoint", r.Endpoint, "https", "http")
		if v.has(a, "sdk_app_id") && r.SDKAppID <= 0 {
			v.fail(v.at(a, "sdk_app_id"), "sdk_app_id must be a positive integer")
		}
		v.secret(a, "secret_key", r.SecretKey)
		v.nonEmpty(a, "user_id", r.UserID)
		out.Endpoint, out.SDKAppID, out.SecretKey, out.UserID = r.Endpoint, r.SDKAppID, r.SecretKey, r.UserID
		out.TRTCRooms, out.TRTCMembers = v.trtcRooms(a, r.Rooms)
		if v.has(a, "usersig_ttl") {
			d, err := time.ParseDuration(r.UserSigTTL)
			if err != nil || d < time.Minute {
				v.fail(v.at(a, "usersig_ttl"), "usersig_ttl %q must be a duration of at least 1m, like \"24h\"", r.UserSigTTL)
			}
			out.UserSigTTL = d
		}
	}

	if r.CAFile != "" {
		out.CAFile = v.caFile(a, r.CAFile)
	}
	return out
}

// nonEmpty rejects a key that is present but empty; absent keys are
// reported once, as missing, at the header.
func (v *validator) nonEmpty(a acct, key, val string) bool {
	if v.has(a, key) && strings.TrimSpace(val) == "" {
		v.fail(v.at(a, key), "%s is empty; set it", key)
		return false
	}
	return true
}

// secret checks a secret-bearing key; its value never appears in messages.
func (v *validator) secret(a acct, key, val string, path ...string) {
	if len(path) == 0 && !v.nonEmpty(a, key, val) {
		return
	}
	if k, ok := strings.CutPrefix(val, KeyringPrefix); ok && strings.TrimSpace(k) == "" {
		v.fail(v.at(a, append(path, key)...), "%s says %q but names no key; write \"keyring:KEY\"", key, KeyringPrefix)
	}
}

// url checks that val is an absolute URL with the secure scheme, or the
// insecure one on a loopback host.
func (v *validator) url(a acct, key, val, secure, insecure string, path ...string) {
	line := v.at(a, append(path, key)...)
	if path == nil && !v.has(a, key) {
		return
	}
	if strings.TrimSpace(val) == "" {
		v.fail(line, "%s is empty; set an absolute %s:// url", key, secure)
		return
	}
	u, err := url.Parse(val)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		v.fail(line, "%s is not an absolute url; write %s://HOST/...", key, secure)
		return
	}
	switch strings.ToLower(u.Scheme) {
	case secure:
	case insecure:
		if !isLoopback(u.Hostname()) {
			v.fail(line, "%s must use %s://; %s:// is allowed only for 127.0.0.1, localhost or ::1", key, secure, insecure)
		}
	default:
		v.fail(line, "%s must be an absolute %s:// url", key, secure)
	}
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validID reports whether s can be the last part of a source name.
func validID(s string) bool {
	if strings.TrimSpace(s) == "" || strings.Contains(s, "/") {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// ids checks a list of source ids held by key; seen collects the ids of the
// account so far, to reject an id used twice.
func (v *validator) ids(a acct, key, what string, vals []string, seen map[string]bool, path ...string) []string {
	for j, s := range vals {
		line := v.at(a, append(append([]string{}, path...), key, strconv.Itoa(j))...)
		switch {
		case !validID(s):
			v.fail(line, "%s %q is invalid; ids cannot be blank or contain '/'", what, s)
		case seen[s]:
			v.fail(line, "%s %q is listed twice in %s", what, s, a.label)
		default:
			seen[s] = true
		}
	}
	return vals
}

// elems returns the elements of a rooms value decoded as interface{}, or
// false when it is not an array.
func elems(x any) ([]any, bool) {
	switch t := x.(type) {
	case nil:
		return nil, true
	case []any:
		return t, true
	case []map[string]any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = t[i]
		}
		return out, true
	case []string:
		out := make([]any, len(t))
		for i := range t {
			out[i] = t[i]
		}
		return out, true
	}
	return nil, false
}

func isEmpty(x any) bool {
	e, ok := elems(x)
	return ok && len(e) == 0
}

// trtcRooms converts the rooms of a trtc account: an array of room ids, or
// of tables with a name and the members shown as its tiles.
func (v *validator) trtcRooms(a acct, rooms any) ([]string, map[string][]string) {
	const want = `rooms must be an array of strings or tables, like rooms = ["8080"] or [{name = "8080", members = ["alice"]}]`
	list, ok := elems(rooms)
	if !ok {
		v.fail(v.at(a, "rooms"), want)
		return nil, nil
	}
	var out []string
	members := map[string][]string{}
	seen := map[string]bool{}
	for j, e := range list {
		idx := strconv.Itoa(j)
		line := v.at(a, "rooms", idx)
		var memberList []string
		s, ok := e.(string)
		if m, isTable := e.(map[string]any); isTable {
			for _, k := range v.ps.children[join(a.base, "rooms", idx)] {
				if k != "name" && k != "members" {
					v.fail(v.at(a, "rooms", idx, k), "unknown key %q in a trtc room; use name and members", k)
				}
			}
			s, ok = m["name"].(string)
			if !ok {
				v.fail(line, "trtc room needs a name string, like {name = \"8080\"}")
				continue
			}
			if raw, has := m["members"]; has {
				ml, isList := elems(raw)
				if !isList {
					v.fail(v.at(a, "rooms", idx, "members"), "room members must be an array of strings")
					continue
				}
				var names []string
				for k, x := range ml {
					str, isStr := x.(string)
					if !isStr {
						v.fail(v.at(a, "rooms", idx, "members", strconv.Itoa(k)), "room members must be an array of strings")
						continue
					}
					names = append(names, str)
				}
				memberList = v.ids(a, "members", "member", names, map[string]bool{}, "rooms", idx)
			}
		} else if !ok {
			if n, isInt := e.(int64); isInt {
				v.fail(line, "room %d must be a string; write \"%d\"", n, n)
			} else {
				v.fail(line, want)
			}
			continue
		}
		switch {
		case !validID(s):
			v.fail(line, "room %q is invalid; ids cannot be blank or contain '/'", s)
		case seen[s]:
			v.fail(line, "room %q is listed twice in %s", s, a.label)
		default:
			seen[s] = true
			out = append(out, s)
			if len(memberList) > 0 {
				members[s] = memberList
			}
		}
	}
	if len(members) == 0 {
		members = nil
	}
	return out, members
}

// wcsRooms converts the rooms of a wcs account: tables with a name and
// streams. Room names share seen with the account's streams.
func (v *validator) wcsRooms(a acct, rooms any, seen map[string]bool) []WCSRoom {
	const want = `rooms must be an array of tables, like rooms = [{name = "ops", streams = ["a", "b"]}]`
	list, ok := elems(rooms)
	if !ok {
		v.fail(v.at(a, "rooms"), want)
		return nil
	}
	var out []WCSRoom
	for j, e := range list {
		idx := strconv.Itoa(j)
		line := v.at(a, "rooms", idx)
		m, ok := e.(map[string]any)
		if !ok {
			v.fail(line, want)
			continue
		}
		var room WCSRoom
		for _, k := range v.ps.children[join(a.base, "rooms", idx)] {
			if k != "name" && k != "streams" {
				v.fail(v.at(a, "rooms", idx, k), "unknown key %q in a wcs room; use name and streams", k)
			}
		}
		name, hasName := m["name"]
		switch s, isStr := name.(string); {
		case !hasName:
			v.fail(line, "wcs room is missing name")
		case !isStr:
			v.fail(v.at(a, "rooms", idx, "name"), "room name must be a string")
		case !validID(s):
			v.fail(v.at(a, "rooms", idx, "name"), "room %q is invalid; ids cannot be blank or contain '/'", s)
		case seen[s]:
			v.fail(v.at(a, "rooms", idx, "name"), "room %q is already a stream or room of %s", s, a.label)
		default:
			seen[s] = true
			room.Name = s
		}
		streams, hasStreams := m["streams"]
		list, isList := elems(streams)
		switch {
		case !hasStreams || (isList && len(list) == 0):
			v.fail(line, "wcs room needs streams, like streams = [\"a\", \"b\"]")
			continue
		case !isList:
			v.fail(v.at(a, "rooms", idx, "streams"), "room streams must be an array of strings")
			continue
		}
		var names []string
		for k, s := range list {
			str, isStr := s.(string)
			if !isStr {
				v.fail(v.at(a, "rooms", idx, "streams", strconv.Itoa(k)), "room streams must be an array of strings")
				continue
			}
			names = append(names, str)
		}
		room.Streams = v.ids(a, "streams", "stream", names, map[string]bool{}, "rooms", idx)
		out = append(out, room)
	}
	return out
}

// whepStreams converts the [[account.stream]] tables of a whep account.
func (v *validator) whepStreams(a acct, raw []rawStream) []WHEPStream {
	var out []WHEPStream
	seen := map[string]bool{}
	for j, r := range raw {
		idx := strconv.Itoa(j)
		head := v.at(a, "stream", idx)
		var missing []string
		for _, k := range []string{"name", "url"} {
			if !v.ps.has(join(a.base, "stream", idx, k)) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			v.fail(head, "stream of %s is missing %s", a.label, strings.Join(missing, ", "))
		}
		if v.ps.has(join(a.base, "stream", idx, "name")) {
			line := v.at(a, "stream", idx, "name")
			switch {
			case !validID(r.Name):
				v.fail(line, "stream %q is invalid; ids cannot be blank or contain '/'", r.Name)
			case seen[r.Name]:
				v.fail(line, "stream %q is listed twice in %s", r.Name, a.label)
			default:
				seen[r.Name] = true
			}
		}
		if v.ps.has(join(a.base, "stream", idx, "url")) {
			v.url(a, "url", r.URL, "https", "http", "stream", idx)
		}
		if r.PublishURL != "" {
			v.url(a, "publish_url", r.PublishURL, "https", "http", "stream", idx)
		}
		if r.SubURL != "" {
			v.url(a, "sub_url", r.SubURL, "https", "http", "stream", idx)
		}
		v.secret(a, "token", r.Token, "stream", idx)
		out = append(out, WHEPStream{Name: r.Name, URL: r.URL, PublishURL: r.PublishURL, SubURL: r.SubURL, Token: r.Token})
	}
	return out
}

// caFile checks that the bundle exists and holds a certificate, and returns
// its path resolved against the config file's directory.
func (v *validator) caFile(a acct, name string) string {
	line := v.at(a, "ca_file")
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(v.dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		reason := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		v.fail(line, "cannot read ca_file %q: %s", name, reason)
		return p
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		v.fail(line, "ca_file %q holds no PEM certificate", name)
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
