// Package config reads Lookout's TOML config file: the accounts of the camera
// clouds and media servers the app watches. Every problem found in the file
// is an *Error naming the file and the line, so the CLI can print
// "lookout: config FILE:LINE: what is wrong" and the GUI can show it.
//
// The parser knows no vendor: it is given the Kinds (session/kinds holds
// the list), and each Kind says its keys, their types, which are required
// and which secret, and validates its own account with Validate, whose
// *FieldErrors the parser places at their line. Every account has a name
// ([a-z0-9_-]+, unique) and a kind; ca_file, when set, is a PEM bundle
// holding at least one certificate. A key the account's kind does not use
// is an error, like any unknown key.
//
// Secrets (the fields a Kind marks Secret) may be written as "keyring:KEY";
// Resolve reads those from the OS keyring when an account is used, never at
// parse time.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// EnvConfig names the environment variable that picks the config file when
// no --config flag is given.
const EnvConfig = "LOOKOUT_CONFIG"

// Config is a parsed and validated config file.
type Config struct {
	Path     string    // the file it was read from
	Missing  bool      // the file did not exist; Accounts is empty
	Accounts []Account // in file order; names are unique
}

// Account is one [[account]] table. Which fields are set depends on Kind:
// the built-in kinds keep theirs in the typed fields below (their Field.Ref
// points there), any other kind in Values. Secret-bearing fields (Secret,
// Token, SecretKey and WHEPStream.Token) may hold "keyring:KEY": pass them
// through Resolve.
type Account struct {
	Name string // unique, [a-z0-9_-]+
	Kind string // the Name of one of the Kinds it was parsed with
	Line int    // line of its [[account]] header

	// Values holds the keys of a kind's fields that have no Ref, by key:
	// string, int64, []string or the value as decoded.
	Values map[string]any

	// tuya (Endpoint is also used by een and trtc)
	Endpoint   string   // absolute https:// base URL
	ClientID   string   // Access ID
	Secret     string   // Access Secret
	UID        string   // user id of the linked app account
	SignMethod string   // "hmac" (the default) or "md5"
	Devices    []string // device ids to show; empty lists the user's devices

	// een
	Token string // OAuth access token

	// wcs
	URL      string    // wss:// URL of the WCS WebSocket API
	AppKey   string    // WCS application; "defaultApp" when not set
	Streams  []string  // stream names shown as tiles
	WCSRooms []WCSRoom // optional named groups of streams
	// TalkStream names the stream published while talking on a tile;
	// "{stream}" stands for the tile's stream (or room) name. Empty when
	// not set: the client's default, "{stream}-talk", applies.
	TalkStream string

	// whep
	WHEPStreams []WHEPStream // at least one

	// trtc
	SDKAppID  int64    // TRTC application id
	SecretKey string   // SDKSecretKey, used to compute UserSig locally
	UserID    string   // the user id this app joins rooms as
	TRTCRooms []string // room ids
	// TRTCMembers names, per room id, the members shown as the room's
	// tiles (rooms = [{name = "8080", members = ["alice"]}]).
	TRTCMembers map[string][]string
	// UserSigTTL is the lifetime of the UserSig computed locally
	// (usersig_ttl); zero means the client's default.
	UserSigTTL time.Duration

	// CAFile is an optional PEM bundle trusted in addition to the system
	// roots. A relative path in the file is taken from the config file's
	// directory; the field holds the resolved path.
	CAFile string
}

// WCSRoom is one entry of a wcs account's rooms: a name and its streams.
type WCSRoom struct {
	Name    string
	Streams []string
}

// WHEPStream is one [[account.stream]] of a whep account.
type WHEPStream struct {
	Name       string // source id, unique in the account
	URL        string // WHEP endpoint (play)
	PublishURL string // optional WHIP endpoint used for talk
	// SubURL is an optional WHEP endpoint of a smaller stream of the same
	// camera, played on the grid (URL is played when maximised).
	SubURL string
	Token  string // optional bearer token
}

// Account returns the account with the given name.
func (c *Config) Account(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// DefaultPath returns os.UserConfigDir()/lookout/config.toml.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: no user config directory: %w", err)
	}
	return filepath.Join(dir, "lookout", "config.toml"), nil
}

// Path picks the config file: the --config flag value if non-empty, else
// $LOOKOUT_CONFIG if non-empty, else DefaultPath.
func Path(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if env := os.Getenv(EnvConfig); env != "" {
		return env, nil
	}
	return DefaultPath()
}

// Load reads and validates the file at path, whose accounts may be of the
// kinds ks. A missing file is not an error: Load returns a Config with
// Missing set and no accounts (the app then runs the demo site). Every
// error is an *Error.
func (ks Kinds) Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Path: path, Missing: true}, nil
	}
	if err != nil {
		msg := "cannot read the file"
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg += ": " + pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: msg, Err: err}
	}
	return ks.Parse(path, data)
}

// Parse validates data, the contents of the config file at path (path names
// the file in errors and anchors a relative ca_file), whose accounts may be
// of the kinds ks. Every error is an *Error, its Err the *FieldError it
// concerns when it concerns one; when the file has several problems, it is
// the one on the earliest line.
func (ks Kinds) Parse(path string, data []byte) (*Config, error) {
	var raw rawFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, decodeError(path, data, err)
	}
	tables := map[string]bool{}
	for _, k := range ks {
		for _, f := range k.Fields {
			if f.Type == TypeTables {
				tables[f.Key] = true
			}
		}
	}
	ps, ok := index(data, tables)
	if !ok {
		return nil, &Error{File: path, Msg: "invalid toml"}
	}
	v := validator{file: path, dir: filepath.Dir(path), ps: ps, kinds: ks, names: map[string]int{}}
	if ps.problem != nil {
		v.errs = append(v.errs, &Error{File: path, Line: ps.problem.Line, Msg: ps.problem.Msg})
	}
	// The types first, as a decoder would: a value of the wrong type is
	// the one problem worth saying about its account.
	values := make([]map[string]any, len(raw.Account))
	for i := range raw.Account {
		values[i] = v.types(i, raw.Account[i])
	}
	if len(v.errs) == 0 {
		cfg := &Config{Path: path}
		for i := range raw.Account {
			cfg.Accounts = append(cfg.Accounts, v.account(i, values[i]))
		}
		if len(v.errs) == 0 {
			return cfg, nil
		}
	}
	sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Line < v.errs[j].Line })
	return nil, v.errs[0]
}

// rawFile is the decoding target; Parse validates it into a Config.
type rawFile struct {
	Account []rawAccount `toml:"account"`
}

// rawAccount is one [[account]] table as decoded; its keys are checked
// against the fields of its kind.
type rawAccount map[string]any

var (
	reDecodeType = regexp.MustCompile(`^cannot decode TOML (.+) into struct field \S+ of type (\S+)$`)
	reStoreTable = regexp.MustCompile(`^cannot store (a table|an array table) in a (\S+)$`)
)

// decodeError turns go-toml's errors into an *Error at the right line, with
// the Go types in its messages replaced by what the user should write.
func decodeError(path string, data []byte, err error) *Error {
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		first := se.Errors[0]
		for _, e := range se.Errors[1:] {
			if l, _ := e.Position(); l < lineOf(first) {
				first = e
			}
		}
		return &Error{File: path, Line: lineOf(first), Msg: unknownKeyMsg(first.Key())}
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return &Error{File: path, Msg: "invalid toml: " + strings.TrimPrefix(err.Error(), "toml: "), Err: err}
	}
	line, col := de.Position()
	if line == 1 && col == 1 && len(de.Key()) > 0 {
		// go-toml points at the start of the file when the bad value is an
		// array nested in an array (arrays keep no position): find the key.
		if ps, ok := index(data, nil); ok {
			if l := ps.firstMatch(de.Key()); l > 0 {
				line = l
			}
		}
	}
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	key := displayKey(de.Key())
	if m := reDecodeType.FindStringSubmatch(msg); m != nil && key != "" {
		if want := tomlType(m[2]); want != "" {
			return &Error{File: path, Line: line, Msg: fmt.Sprintf("%s must be %s, not %s %s", key, want, article(m[1]), m[1])}
		}
	}
	if m := reStoreTable.FindStringSubmatch(msg); m != nil && key != "" {
		if want := tomlType(m[2]); want != "" {
			return &Error{File: path, Line: line, Msg: fmt.Sprintf("%s must be %s, not %s", key, want, m[1])}
		}
	}
	return &Error{File: path, Line: line, Msg: "invalid toml: " + msg}
}

func lineOf(e toml.DecodeError) int {
	l, _ := e.Position()
	return l
}

// unknownKeyMsg words a key the decoder found no place for.
func unknownKeyMsg(key toml.Key) string {
	if len(key) == 0 {
		return "unknown key"
	}
	name := key[len(key)-1]
	table := strings.Join(key[:len(key)-1], ".")
	switch table {
	case "":
		return fmt.Sprintf("unknown key %q at the top level; only [[account]] tables belong there", name)
	case "account", "account.stream":
		return fmt.Sprintf("unknown key %q in [[%s]]; check its spelling", name, table)
	}
	return fmt.Sprintf("unknown key %q in %s; check its spelling", name, table)
}

// displayKey names a key as the user wrote it inside its table.
func displayKey(key toml.Key) string {
	if len(key) > 1 && key[0] == "account" {
		key = key[1:]
	}
	return strings.Join(key, ".")
}

// tomlType describes in TOML words what a Go field type of rawFile takes.
func tomlType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "int64":
		return "an integer"
	case goType == "[]string":
		return "an array of strings"
	case strings.HasSuffix(goType, "rawAccount"):
		return "[[account]] tables"
	}
	return ""
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
