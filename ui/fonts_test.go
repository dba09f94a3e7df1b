package ui

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
)

// uiStrings returns every string literal of this package's non-test Go
// files: the text the UI itself can draw (titles, labels, hints, the
// shortcut sheet, the report's marks).
func uiStrings(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

func parseFont(t *testing.T, r fyne.Resource) *font.Face {
	t.Helper()
	f, err := font.ParseTTF(bytes.NewReader(r.Content()))
	if err != nil {
		t.Fatalf("%s: %v", r.Name(), err)
	}
	return f
}

// TestUITextNeedsNoEmojiFont: the build leaves Fyne's bundled emoji font
// out (tag no_emoji, TestBuildLeavesOutEmojiFont), which saves about 5 MB of
// Go heap per text style (docs/PERFORMANCE.md). That must change no glyph
// the UI draws: every rune of the UI's own strings is in the theme's
// NotoSans, or, where it is not (arrows, ✓, ✗), Fyne takes it from the
// system font it loads anyway, never from the emoji font.
func TestUITextNeedsNoEmojiFont(t *testing.T) {
	text := parseFont(t, theme.DefaultTextFont())
	bold := parseFont(t, theme.DefaultTextBoldFont())
	var emoji *font.Face
	if r := theme.DefaultEmojiFont(); r != nil {
		emoji = parseFont(t, r)
	} else {
		t.Log("built with no_emoji: the emoji font is not linked")
	}
	seen := map[rune]bool{}
	for _, s := range uiStrings(t) {
		for _, r := range s {
			if r < 0x80 || seen[r] || r == '\ufffd' {
				continue
			}
			seen[r] = true
			_, inText := text.Cmap.Lookup(r)
			_, inBold := bold.Cmap.Lookup(r)
			if inText && inBold {
				continue
			}
			if emoji == nil {
				continue
			}
			if _, ok := emoji.Cmap.Lookup(r); ok {
				t.Errorf("%q (%U) in %q is drawn from Fyne's emoji font, which the build leaves out", r, r, s)
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no non-ASCII rune found in the UI's strings: the walk is broken")
	}
}

// TestBuildLeavesOutEmojiFont: the Makefile builds the window with Fyne's
// no_emoji tag, so Fyne does not parse its 4 MB colour emoji font once per
// text style.
func TestBuildLeavesOutEmojiFont(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not found")
	}
	cmd := exec.Command("make", "-n", "-s", "build", "package")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "MAKEFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n: %v\n%s", err, out)
	}
	build := regexp.MustCompile(`go build .*\./cmd/lookout|\.ci/build-lookout `)
	tags := regexp.MustCompile(`-tags[= ]'?[^ ']*\bno_emoji\b`)
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if !build.MatchString(line) {
			continue
		}
		n++
		if !tags.MatchString(line) {
			t.Errorf("built without the no_emoji tag: %s", line)
		}
	}
	if n < 2 {
		t.Fatalf("found %d builds of ./cmd/lookout in make -n build package, want 2:\n%s", n, out)
	}
}
