package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// sep joins the parts of a key path in the position index. It cannot occur
// in the keys this package looks up, so quoted keys do not collide.
const sep = "\x00"

// join builds an index path from key parts and array indexes.
func join(parts ...string) string { return strings.Join(parts, sep) }

// positions maps the key paths of a valid TOML document to the lines where
// they are defined, so semantic errors found after decoding can point at a
// line. Array elements and array-table entries are path parts holding their
// decimal index: the name of the second account is "account\x001\x00name".
type positions struct {
	lines    map[string]int      // path -> 1-based line
	children map[string][]string // table path -> its direct keys, in order
	// problem is the first structural mistake go-toml accepts but Lookout
	// does not: a table where an array of tables belongs.
	problem *Error

	newlines []int // byte offsets of '\n' in the document
	arrCount map[string]int
	tables   map[string]bool // keys of an account that are arrays of tables
}

// index walks a document that go-toml has already decoded successfully with
// go-toml's own parser; tables are the account keys that hold arrays of
// tables (a whep account's stream). It reports false if the parser
// unexpectedly fails.
func index(data []byte, tables map[string]bool) (*positions, bool) {
	ps := &positions{
		lines:    map[string]int{},
		children: map[string][]string{},
		arrCount: map[string]int{},
		tables:   tables,
	}
	for i, c := range data {
		if c == '\n' {
			ps.newlines = append(ps.newlines, i)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	cur := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			it := e.Key()
			var parts []string
			line := 0
			for it.Next() {
				n := it.Node()
				if line == 0 {
					line = ps.line(n.Raw)
				}
				parts = append(parts, string(n.Data))
			}
			if len(parts) == 0 {
				return nil, false
			}
			if e.Kind == unstable.ArrayTable {
				arr := ps.resolve(parts[:len(parts)-1], line)
				if ps.problem == nil && len(parts) > 1 && parts[0] == "account" && ps.arrCount["account"] == 0 {
					ps.fail(line, "[[%s]] must come after an [[account]] header", strings.Join(parts, "."))
				}
				arr = ps.add(arr, parts[len(parts)-1], line)
				i := ps.arrCount[arr]
				ps.arrCount[arr] = i + 1
				cur = ps.add(arr, strconv.Itoa(i), line)
				continue
			}
			cur = ps.resolve(parts, line)
			if ps.wantsArrayTable(cur) {
				name := strings.Join(parts, ".")
				ps.fail(line, "[%s] must be written [[%s]] (an array of tables)", name, name)
			}
		case unstable.KeyValue:
			ps.keyValue(cur, e)
		}
	}
	if p.Error() != nil {
		return nil, false
	}
	return ps, true
}

// wantsArrayTable reports whether path is one Lookout reads as an array of
// tables: go-toml quietly decodes [account] as a one-element array, which
// hides the mistake from the user. (Keys of type TypeAny, such as rooms,
// are left to their kind's validator.)
func (ps *positions) wantsArrayTable(path string) bool {
	parts := strings.Split(path, sep)
	switch {
	case len(parts) == 1:
		return parts[0] == "account"
	case len(parts) == 3:
		return parts[0] == "account" && ps.tables[parts[2]]
	}
	return false
}

// resolve turns a header's key parts into a path, stepping into the last
// element of every array of tables on the way, as TOML does.
func (ps *positions) resolve(parts []string, line int) string {
	path := ""
	for _, k := range parts {
		path = ps.add(path, k, line)
		if n := ps.arrCount[path]; n > 0 {
			path = joinPath(path, strconv.Itoa(n-1))
		}
	}
	return path
}

// keyValue records a key-value expression (and what its value nests) under
// the table at base.
func (ps *positions) keyValue(base string, kv *unstable.Node) {
	value := kv.Value()
	if value == nil {
		return
	}
	it := kv.Key()
	path := base
	line := 0
	var parts []string
	for it.Next() {
		n := it.Node()
		if len(parts) > 0 && ps.wantsArrayTable(path) {
			ps.fail(line, "%q must go in a [[%s]] table", dotted(kv), arrayName(path))
		}
		line = ps.line(n.Raw)
		parts = append(parts, string(n.Data))
		path = ps.add(path, string(n.Data), line)
	}
	if value.Kind == unstable.InlineTable && ps.wantsArrayTable(path) {
		ps.fail(line, "%s must be [[%s]] tables, not an inline table", parts[len(parts)-1], arrayName(path))
	}
	ps.value(path, value, line)
}

// fail records the first structural problem.
func (ps *positions) fail(line int, format string, args ...any) {
	if ps.problem == nil {
		ps.problem = &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
	}
}

// dotted returns the key of a key-value as written, parts joined by dots.
func dotted(kv *unstable.Node) string {
	var parts []string
	it := kv.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

// arrayName names path without its array indexes, as in messages:
// "account", "account.stream".
func arrayName(path string) string {
	var parts []string
	for _, p := range strings.Split(path, sep) {
		if _, err := strconv.Atoi(p); err != nil {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// firstMatch returns the earliest line of a path that, with array indexes
// left out, is key or lies under it; 0 when there is none.
func (ps *positions) firstMatch(key []string) int {
	want := strings.Join(key, ".")
	best := 0
	for path, line := range ps.lines {
		name := arrayName(path)
		if (name == want || strings.HasPrefix(name, want+".")) && line > 0 && (best == 0 || line < best) {
			best = line
		}
	}
	return best
}

// value records the elements of arrays and the keys of inline tables.
func (ps *positions) value(path string, v *unstable.Node, line int) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if n := it.Node(); n.Kind == unstable.KeyValue {
				ps.keyValue(path, n)
			}
		}
	case unstable.Array:
		it := v.Children()
		i := 0
		for it.Next() {
			n := it.Node()
			if n.Kind == unstable.Comment {
				continue
			}
			l := ps.firstLine(n, line)
			ps.value(ps.add(path, strconv.Itoa(i), l), n, l)
			i++
		}
	}
}

// firstLine is the line where value node n starts, or fallback when the
// parser kept no position for it (arrays have none).
func (ps *positions) firstLine(n *unstable.Node, fallback int) int {
	for n != nil {
		if n.Raw.Length > 0 {
			return ps.line(n.Raw)
		}
		if n.Kind != unstable.Array {
			break
		}
		n = n.Child()
	}
	return fallback
}

// add records key k under parent at line (keeping the first line seen) and
// returns the child's path.
func (ps *positions) add(parent, k string, line int) string {
	if parent == "" && k != "account" {
		// The decoder reports other top-level keys, but it takes a table
		// or key spelt Account or ACCOUNT for account: go-toml matches a
		// struct field's name in any case, and TOML's names are exact.
		ps.fail(line, "unknown key %q at the top level; only [[account]] tables belong there", k)
	}
	path := joinPath(parent, k)
	if _, ok := ps.lines[path]; !ok {
		ps.lines[path] = line
		ps.children[parent] = append(ps.children[parent], k)
	}
	return path
}

// line returns the 1-based line of the start of r.
func (ps *positions) line(r unstable.Range) int {
	off := int(r.Offset)
	return sort.SearchInts(ps.newlines, off) + 1
}

// at returns the line of path, or fallback when the path is unknown.
func (ps *positions) at(path string, fallback int) int {
	if l, ok := ps.lines[path]; ok && l > 0 {
		return l
	}
	return fallback
}

// has reports whether the document defines path.
func (ps *positions) has(path string) bool {
	_, ok := ps.lines[path]
	return ok
}

func joinPath(parent, k string) string {
	if parent == "" {
		return k
	}
	return parent + sep + k
}
