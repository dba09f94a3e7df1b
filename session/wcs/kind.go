package wcs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// Kind is the Flashphoner WCS account: its config keys (INTERFACE.md,
// kind = "wcs"), how to check them, its client and its pre-check target.
var Kind = session.Kind{
	Config: config.Kind{
		Name:  "wcs",
		Title: "Flashphoner WCS raw WebSocket API",
		Fields: []config.Field{
			{Key: "url", Label: "URL", Help: "WebSocket API, e.g. wss://wcs.example.com:8443",
				Required: true, Example: "wss://example.com", Ref: func(a *config.Account) any { return &a.URL }},
			{Key: "app_key", Label: "App key", Help: "Optional; defaultApp when empty",
				Example: DefaultAppKey, Ref: func(a *config.Account) any { return &a.AppKey }},
			{Key: "streams", Label: "Streams", Help: "Stream names shown as tiles, comma separated",
				Type: config.TypeStrings, Example: []string{"x"}, Ref: func(a *config.Account) any { return &a.Streams }},
			{Key: "rooms", Label: "Rooms", Help: "Optional groups: ops=cam1,cam2; lobby=cam3",
				Type: config.TypeAny, Ref: func(a *config.Account) any { return &a.WCSRooms },
				TOML: roomsTOML, FormText: roomsText, FormParse: roomsParse},
			{Key: "talk_stream", Label: "Talk stream", Help: "Optional: the stream published while talking; {stream} is the tile's",
				Example: "{stream}-talk", Ref: func(a *config.Account) any { return &a.TalkStream }},
		},
		Validate: validate,
	},
	Build: build,
}

// validate checks a wcs account's keys and copies them into a.
func validate(c *config.Check, a *config.Account) error {
	var errs []error
	a.URL, a.AppKey = c.String("url"), c.String("app_key")
	errs = append(errs, c.URL(a.URL, "wss", "ws", "url"))
	if !c.Has("app_key") {
		a.AppKey = DefaultAppKey
	} else {
		errs = append(errs, c.NonEmpty("app_key"))
	}
	if err := c.NonEmpty("talk_stream"); err != nil {
		errs = append(errs, err)
	} else {
		a.TalkStream = c.String("talk_stream")
	}
	a.Streams = c.Strings("streams")
	if rooms, ok := config.Elems(c.Value("rooms")); len(a.Streams) == 0 && ok && len(rooms) == 0 {
		errs = append(errs, config.Missing("streams", "streams (or rooms)"))
	}
	seen := map[string]bool{}
	errs = append(errs, c.IDs("stream", a.Streams, seen, "streams"))
	var err error
	a.WCSRooms, err = rooms(c, seen)
	return errors.Join(append(errs, err)...)
}

// rooms converts the rooms of a wcs account: tables with a name and
// streams. Room names share seen with the account's streams.
func rooms(c *config.Check, seen map[string]bool) ([]config.WCSRoom, error) {
	const want = `rooms must be an array of tables, like rooms = [{name = "ops", streams = ["a", "b"]}]`
	list, ok := config.Elems(c.Value("rooms"))
	if !ok {
		return nil, config.Problem([]string{"rooms"}, want)
	}
	var out []config.WCSRoom
	var errs []error
	fail := func(path []string, format string, args ...any) {
		errs = append(errs, config.Problem(append([]string{"rooms"}, path...), format, args...))
	}
	for j, e := range list {
		idx := strconv.Itoa(j)
		m, ok := e.(map[string]any)
		if !ok {
			fail([]string{idx}, want)
			continue
		}
		var room config.WCSRoom
		for _, k := range c.Keys("rooms", idx) {
			if k != "name" && k != "streams" {
				fail([]string{idx, k}, "unknown key %q in a wcs room; use name and streams", k)
			}
		}
		name, hasName := m["name"]
		switch s, isStr := name.(string); {
		case !hasName:
			fail([]string{idx}, "wcs room is missing name")
		case !isStr:
			fail([]string{idx, "name"}, "room name must be a string")
		case !config.ValidID(s):
			fail([]string{idx, "name"}, "room %q is invalid; ids cannot be blank or contain '/'", s)
		case seen[s]:
			fail([]string{idx, "name"}, "room %q is already a stream or room of %s", s, c.Label)
		default:
			seen[s] = true
			room.Name = s
		}
		streams, hasStreams := m["streams"]
		list, isList := config.Elems(streams)
		switch {
		case !hasStreams || (isList && len(list) == 0):
			fail([]string{idx}, "wcs room needs streams, like streams = [\"a\", \"b\"]")
			continue
		case !isList:
			fail([]string{idx, "streams"}, "room streams must be an array of strings")
			continue
		}
		var names []string
		for k, s := range list {
			str, isStr := s.(string)
			if !isStr {
				fail([]string{idx, "streams", strconv.Itoa(k)}, "room streams must be an array of strings")
				continue
			}
			names = append(names, str)
		}
		errs = append(errs, c.IDs("stream", names, map[string]bool{}, "rooms", idx, "streams"))
		room.Streams = names
		out = append(out, room)
	}
	return out, errors.Join(errs...)
}

// roomsTOML writes rooms as an array of inline tables.
func roomsTOML(v any) string {
	rooms, _ := v.([]config.WCSRoom)
	parts := make([]string, len(rooms))
	for i, r := range rooms {
		q := make([]string, len(r.Streams))
		for j, s := range r.Streams {
			q[j] = config.Quote(s)
		}
		parts[i] = fmt.Sprintf("{name = %s, streams = [%s]}", config.Quote(r.Name), strings.Join(q, ", "))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// roomsText writes rooms in the form's words: "ops=cam1,cam2; lobby=cam3".
func roomsText(v any) string {
	rooms, _ := v.([]config.WCSRoom)
	parts := make([]string, len(rooms))
	for i, r := range rooms {
		parts[i] = r.Name + "=" + strings.Join(r.Streams, ",")
	}
	return strings.Join(parts, "; ")
}

// roomsParse reads the form's words for rooms.
func roomsParse(s string) any {
	var out []config.WCSRoom
	for _, r := range strings.Split(s, ";") {
		name, streams, _ := strings.Cut(r, "=")
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		room := config.WCSRoom{Name: name}
		for _, p := range strings.Split(streams, ",") {
			if p = strings.TrimSpace(p); p != "" {
				room.Streams = append(room.Streams, p)
			}
		}
		out = append(out, room)
	}
	if out == nil {
		return nil
	}
	return out
}

// build makes the client of a Flashphoner WCS account: one WebSocket to its
// url, shared by its streams and rooms.
func build(a config.Account, env session.Env) (*session.Client, error) {
	rooms := make([]Room, 0, len(a.WCSRooms))
	for _, r := range a.WCSRooms {
		rooms = append(rooms, Room{Name: r.Name, Streams: r.Streams})
	}
	c, err := New(Config{
		URL: a.URL, AppKey: a.AppKey, Streams: a.Streams, Rooms: rooms, TalkStream: a.TalkStream,
		TLSConfig: env.TLSConfig, Logger: env.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &session.Client{Directory: c, Opener: c, Close: c.Close, Members: c.Members,
		Target: func(context.Context) (session.ProbeTarget, error) {
			// WCS hands out no ICE servers: the check probes the WebSocket
			// endpoint and the host candidates a call would offer.
			return session.ProbeTarget{Account: a.Name, Kind: a.Kind, WSS: []string{c.URL()}, ICEServers: c.ICEServers(), TLSConfig: env.TLSConfig}, nil
		}}, nil
}
