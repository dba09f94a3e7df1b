package trtc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/whep"
)

// Kind is the Tencent TRTC account (rooms over WHIP/WHEP): its config keys
// (INTERFACE.md, kind = "trtc"), how to check them, its client and its
// pre-check target.
var Kind = session.Kind{
	Config: config.Kind{
		Name:  "trtc",
		Title: "Tencent TRTC rooms over WHIP/WHEP",
		Fields: []config.Field{
			{Key: "endpoint", Label: "Endpoint", Help: "Signaling base, e.g. https://signaling.rtc-web.com",
				Required: true, Example: "https://example.com", Ref: func(a *config.Account) any { return &a.Endpoint }},
			{Key: "sdk_app_id", Label: "SDKAppID", Help: "From the TRTC console, a number", Type: config.TypeInt,
				Required: true, Example: int64(1), Ref: func(a *config.Account) any { return &a.SDKAppID }},
			{Key: "secret_key", Label: "SDKSecretKey", Help: "Used to sign UserSig locally", Secret: true,
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.SecretKey }},
			{Key: "user_id", Label: "User ID", Help: "The user this desk joins rooms as",
				Required: true, Example: "x", Ref: func(a *config.Account) any { return &a.UserID }},
			// rooms stays in Values as written (strings, or tables with
			// members); validate sets TRTCRooms and TRTCMembers from it.
			{Key: "rooms", Label: "Rooms", Help: "One room per line: ROOM, or ROOM: member, member", Type: config.TypeAny,
				Multiline: true, FormParse: parseRooms, FormText: roomsText, TOML: roomsTOML},
			// usersig_ttl stays in Values as written; validate sets
			// UserSigTTL from it.
			{Key: "usersig_ttl", Label: "UserSig lifetime", Help: "Optional: lifetime of the UserSig computed locally, e.g. 24h",
				Example: "24h"},
		},
		Validate: validate,
	},
	Build: build,
}

// commaList splits s at commas, leaving out blanks.
func commaList(s string) []any {
	var out []any
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseRooms reads the form's rooms, one a line: "8080", or
// "8080: alice, bob" for a room with members (a line of commas alone is
// several rooms). The value has the shape TOML decodes rooms into.
func parseRooms(s string) any {
	var out []any
	for _, line := range strings.Split(s, "\n") {
		name, members, ok := strings.Cut(line, ":")
		if !ok {
			out = append(out, commaList(line)...)
			continue
		}
		room := map[string]any{"name": strings.TrimSpace(name)}
		if m := commaList(members); m != nil {
			room["members"] = m
		}
		out = append(out, room)
	}
	if out == nil {
		return nil
	}
	return out
}

// roomsText writes rooms as the form shows them, one room a line.
func roomsText(v any) string {
	list, _ := config.Elems(v)
	var lines []string
	for _, e := range list {
		switch r := e.(type) {
		case string:
			lines = append(lines, r)
		case map[string]any:
			name, _ := r["name"].(string)
			members, _ := config.Elems(r["members"])
			if len(members) == 0 {
				lines = append(lines, name)
				continue
			}
			var names []string
			for _, m := range members {
				if str, ok := m.(string); ok {
					names = append(names, str)
				}
			}
			lines = append(lines, name+": "+strings.Join(names, ", "))
		}
	}
	return strings.Join(lines, "\n")
}

// roomsTOML writes rooms as INTERFACE.md has them: ["8080"] or
// [{name = "8080", members = ["alice", "bob"]}]; "" for none.
func roomsTOML(v any) string {
	list, _ := config.Elems(v)
	if len(list) == 0 {
		return ""
	}
	quoteAll := func(xs []any) string {
		var q []string
		for _, x := range xs {
			if str, ok := x.(string); ok {
				q = append(q, config.Quote(str))
			}
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	var items []string
	for _, e := range list {
		switch r := e.(type) {
		case string:
			items = append(items, config.Quote(r))
		case map[string]any:
			name, _ := r["name"].(string)
			item := "{name = " + config.Quote(name)
			if members, _ := config.Elems(r["members"]); len(members) > 0 {
				item += ", members = " + quoteAll(members)
			}
			items = append(items, item+"}")
		}
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// validate checks a trtc account's keys and copies them into a.
func validate(c *config.Check, a *config.Account) error {
	var errs []error
	a.Endpoint, a.SDKAppID, a.SecretKey, a.UserID = c.String("endpoint"), c.Int("sdk_app_id"), c.String("secret_key"), c.String("user_id")
	errs = append(errs, c.URL(a.Endpoint, "https", "http", "endpoint"))
	if c.Has("sdk_app_id") && a.SDKAppID <= 0 {
		errs = append(errs, config.Problem([]string{"sdk_app_id"}, "sdk_app_id must be a positive integer"))
	}
	errs = append(errs, c.Secret(a.SecretKey, "secret_key"), c.NonEmpty("user_id"))
	var err error
	a.TRTCRooms, a.TRTCMembers, err = rooms(c)
	errs = append(errs, err)
	if c.Has("usersig_ttl") {
		ttl := c.String("usersig_ttl")
		d, err := time.ParseDuration(ttl)
		if err != nil || d < time.Minute {
			errs = append(errs, config.Problem([]string{"usersig_ttl"}, "usersig_ttl %q must be a duration of at least 1m, like \"24h\"", ttl))
		}
		a.UserSigTTL = d
	}
	return errors.Join(errs...)
}

// rooms converts the rooms of a trtc account: an array of room ids, or of
// tables with a name and the members shown as its tiles.
func rooms(c *config.Check) ([]string, map[string][]string, error) {
	const want = `rooms must be an array of strings or tables, like rooms = ["8080"] or [{name = "8080", members = ["alice"]}]`
	list, ok := config.Elems(c.Value("rooms"))
	if !ok {
		return nil, nil, config.Problem([]string{"rooms"}, want)
	}
	var out []string
	var errs []error
	fail := func(path []string, format string, args ...any) {
		errs = append(errs, config.Problem(append([]string{"rooms"}, path...), format, args...))
	}
	members := map[string][]string{}
	seen := map[string]bool{}
	for j, e := range list {
		idx := strconv.Itoa(j)
		var memberList []string
		s, ok := e.(string)
		if m, isTable := e.(map[string]any); isTable {
			for _, k := range c.Keys("rooms", idx) {
				if k != "name" && k != "members" {
					fail([]string{idx, k}, "unknown key %q in a trtc room; use name and members", k)
				}
			}
			s, ok = m["name"].(string)
			if !ok {
				fail([]string{idx}, "trtc room needs a name string, like {name = \"8080\"}")
				continue
			}
			if raw, has := m["members"]; has {
				ml, isList := config.Elems(raw)
				if !isList {
					fail([]string{idx, "members"}, "room members must be an array of strings")
					continue
				}
				var names []string
				for k, x := range ml {
					str, isStr := x.(string)
					if !isStr {
						fail([]string{idx, "members", strconv.Itoa(k)}, "room members must be an array of strings")
						continue
					}
					names = append(names, str)
				}
				errs = append(errs, c.IDs("member", names, map[string]bool{}, "rooms", idx, "members"))
				memberList = names
			}
		} else if !ok {
			if n, isInt := e.(int64); isInt {
				fail([]string{idx}, "room %d must be a string; write \"%d\"", n, n)
			} else {
				fail([]string{idx}, want)
			}
			continue
		}
		switch {
		case !config.ValidID(s):
			fail([]string{idx}, "room %q is invalid; ids cannot be blank or contain '/'", s)
		case seen[s]:
			fail([]string{idx}, "room %q is listed twice in %s", s, c.Label)
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
	return out, members, errors.Join(errs...)
}

// build makes the client of a trtc account.
func build(a config.Account, env session.Env) (*session.Client, error) {
	key, err := config.Resolve(a.SecretKey, env.Keyring)
	if err != nil {
		return nil, err
	}
	rooms := make([]Room, 0, len(a.TRTCRooms))
	for _, r := range a.TRTCRooms {
		rooms = append(rooms, Room{Name: r, Members: a.TRTCMembers[r]})
	}
	c, err := New(Config{
		Endpoint: a.Endpoint, SDKAppID: a.SDKAppID, SecretKey: key, UserID: a.UserID,
		Rooms: rooms, UserSigTTL: a.UserSigTTL, HTTPClient: env.HTTPClient, Logger: env.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &session.Client{Directory: c, Opener: c, Close: c.Close, Members: c.Members,
		Target: func(ctx context.Context) (session.ProbeTarget, error) {
			t, err := whep.Target(ctx, a.Name, a.Kind, a.TRTCRooms, c.Endpoints, env)
			if len(a.TRTCRooms) > 0 {
				t.Media, t.MediaName = session.FirstMedia(c, a.TRTCRooms[0]), "room "+a.TRTCRooms[0]
			}
			return t, err
		}}, nil
}
