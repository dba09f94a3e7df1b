package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/kinds"
)

// mark is what an input shows at its right edge: "✓" (valid), "✗" (its
// problem) or "" (nothing). A choice is walked as itself: its entry is
// drawn by the choice's renderer.
func mark(f *accountForm, e *widget.Entry) string {
	got := ""
	walk(shown(f, e), func(o fyne.CanvasObject) {
		img, ok := o.(*canvas.Image)
		if !ok || !img.Visible() || img.Resource == nil {
			return
		}
		switch name := img.Resource.Name(); { // the theme's icons, coloured
		case strings.HasSuffix(name, "check.svg"):
			got = "✓"
		case strings.HasSuffix(name, "error.svg"):
			got = "✗"
		}
	})
	return got
}

// shown is the input of e as the form shows it: e, or the choice holding it.
func shown(f *accountForm, e *widget.Entry) interface {
	fyne.Focusable
	fyne.CanvasObject
} {
	for _, se := range f.choices {
		if &se.Entry == e {
			return se
		}
	}
	return e
}

// examples fills the form's inputs of its kind with the kind's example
// values: an account the config takes.
func examples(t *testing.T, f *accountForm, k config.Kind) {
	t.Helper()
	a := config.Account{Name: "desk", Kind: k.Name}
	for _, fs := range k.FormFields() {
		if fs.Example != nil {
			fs.Set(&a, fs.Example)
		}
	}
	f.fill(a)
	for _, fs := range k.FormFields() {
		if fs.Secret && fs.Example != nil {
			f.set(fs.Key, fmt.Sprint(fs.Example))
		}
		for _, sub := range fs.Sub {
			if sub.Secret && sub.Example != nil {
				f.set(fs.Key+"."+sub.Key, fmt.Sprint(sub.Example))
			}
		}
	}
}

// TestAccountFormMarksOnlyValidFields: for every kind of account and every
// input of its form, typed values the config refuses (judged by parsing
// the account the form would save, with every other input at its kind's
// example) show no ✓ on the input, their ✗ and the problem under it; a
// value the config takes shows ✓ and no problem.
func TestAccountFormMarksOnlyValidFields(t *testing.T) {
	test.NewTempApp(t)
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config(),
		Keyring: &memKeyring{secrets: map[string]string{}}}
	bad := []string{"", "x", "Bad Name", "not a url", "ftp://x", "https://", "http://h/p", "-1", "0", "70000",
		"missing.pem", "a, b", "sha", "x\ny"}
	for _, k := range m.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			f := newAccountForm(m, nil, nil)
			w := test.NewTempWindow(t, f.box)
			w.Resize(fyne.NewSize(640, 900))
			f.kind.SetSelected(kindTitle(m.Kinds, k.Name))
			examples(t, f, k)
			if p := f.Problems(); len(p) > 0 {
				t.Fatalf("the kind's examples: problems %v", p)
			}
			inputs := map[string]*widget.Entry{"name": f.name}
			for _, fs := range k.FormFields() {
				if e := f.entry(fs.Key); e != nil {
					inputs[fs.Key] = e
				}
			}
			for key, e := range inputs {
				if e.Text != "" && mark(f, e) != "✓" {
					t.Errorf("%s holds its example %q and shows %q, want ✓", key, e.Text, mark(f, e))
				}
			}
			other := f.entry("ca_file") // where the focus goes when an input is left
			for key, e := range inputs {
				if key == "ca_file" {
					other = f.name
				}
				was := e.Text
				for _, v := range bad {
					w.Canvas().Focus(shown(f, e))
					e.SetText("")
					test.Type(shown(f, e), v)
					w.Canvas().Focus(other)
					a := f.account()
					_, err := m.Kinds.Parse(m.ConfigPath, []byte(m.Kinds.RenderAccount(a)))
					if key == "name" && err == nil && a.Name == "" {
						err = fmt.Errorf("no name")
					}
					p := f.Problems()[key]
					switch {
					case err != nil && (mark(f, e) == "✓" || p == "" || mark(f, e) != "✗"):
						t.Errorf("%s = %q is refused by the config (%v), yet the input shows %q and the problem %q",
							key, v, err, mark(f, e), p)
					case err != nil && !shows(f.form, p):
						t.Errorf("%s = %q: the problem %q is not under the input", key, v, p)
					case err == nil && (p != "" || v != "" && mark(f, e) != "✓"):
						t.Errorf("%s = %q is taken by the config, yet the input shows %q and the problem %q", key, v, mark(f, e), p)
					}
				}
				e.SetText(was)
				if key == "ca_file" {
					other = f.entry("ca_file")
				}
			}
		})
	}
}
