package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lookout-app/lookout/session/kinds"
)

// TestAccountFormSpeaksItsLabels: the form lists kinds by what they are,
// words every problem in its own labels (never a config key), keeps
// Connect and Save in place as its message grows, and says truly where a
// secret goes: the OS keyring, or without one the 0600 config file.
func TestAccountFormSpeaksItsLabels(t *testing.T) {
	test.NewTempApp(t)
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config(),
		Keyring: &memKeyring{secrets: map[string]string{}}}
	f := newAccountForm(m, nil, []string{"demo"})
	w := test.NewTempWindow(t, f.box)
	w.Resize(fyne.NewSize(620, 560))

	for _, o := range f.kind.Options {
		for _, name := range m.Kinds.Names() {
			if o == name {
				t.Errorf("the kind %q is offered by its config name", o)
			}
		}
	}
	if !strings.Contains(strings.Join(f.kind.Options, "|"), "Tuya IoT cloud (tuya)") {
		t.Fatalf("kinds offered: %v", f.kind.Options)
	}

	test.Type(f.name, "Bad Name")
	test.Type(f.entry("endpoint"), "ftp://x")
	test.Type(f.entry("sign_method"), "sha")
	probs := f.Problems()
	for field, want := range map[string]string{
		"name":        `Account name "Bad Name" is invalid`,
		"endpoint":    "Endpoint must be an absolute https:// url",
		"client_id":   "Access ID is required",
		"uid":         "User ID is required",
		"sign_method": `Sign method must be "hmac" or "md5", not "sha"`,
	} {
		if !strings.HasPrefix(probs[field], want) {
			t.Errorf("%s: %q, want %q", field, probs[field], want)
		}
	}
	// The sign method is a choice of the two the cloud takes.
	se := f.choices["tuya/sign_method"]
	tuyaKind, _ := m.Kinds.Lookup("tuya")
	var choices []string
	for _, fs := range tuyaKind.FormFields() {
		if fs.Key == "sign_method" {
			choices = fs.Choices
		}
	}
	if se == nil || strings.Join(choices, ",") != "hmac,md5" {
		t.Fatalf("the sign method is no choice of hmac and md5: %v %v", se, choices)
	}
	onForm := false
	for _, it := range f.form.Items {
		onForm = onForm || it.Text == "Sign method" && slices.Contains(inputsOf(it.Widget), fyne.CanvasObject(se))
	}
	if !onForm {
		t.Fatal("the form shows no choice for the sign method")
	}
	keys := regexp.MustCompile(`\b(client_id|sign_method|uid|endpoint|secret)\b`)
	for field, p := range probs {
		if k := keys.FindString(p); k != "" {
			t.Errorf("%s's problem %q names the config key %s", field, p, k)
		}
	}
	if keys.MatchString(f.status.Text) {
		t.Errorf("the message names config keys: %q", f.status.Text)
	}

	se.SetText("md5")
	if p := f.Problems()["sign_method"]; p != "" {
		t.Fatalf("md5 picked: problem %q", p)
	}

	// Connect and Save stay put as the message grows.
	d := fyne.CurrentApp().Driver()
	before := d.AbsolutePositionForObject(f.save)
	f.status.SetText(strings.Repeat("Cannot connect: the service said something long. ", 8))
	f.box.Refresh()
	if after := d.AbsolutePositionForObject(f.save); after != before {
		t.Fatalf("Save moved from %v to %v as the message grew", before, after)
	}

	hint := func(f *accountForm, label string) string {
		for _, it := range f.form.Items {
			if it.Text == label {
				return it.HintText
			}
		}
		return ""
	}
	if h := hint(f, "Access Secret"); !strings.Contains(h, "saved in the OS keyring") || f.keyringNote != nil {
		t.Errorf("with a keyring the secret's hint says %q", h)
	}
	none := &AccountManager{ConfigPath: m.ConfigPath, Kinds: m.Kinds, KeyringProblem: "no D-Bus session"}
	g := newAccountForm(none, nil, nil)
	test.NewTempWindow(t, g.box)
	if h := hint(g, "Access Secret"); strings.Contains(h, "OS keyring") {
		t.Errorf("without a keyring the secret's hint says %q", h)
	}
	inForm := false
	for _, it := range g.form.Items {
		inForm = inForm || it.Widget == g.keyringNote && g.keyringNote != nil && g.keyringNote.Visible()
	}
	if !inForm || !strings.Contains(g.keyringNote.Text, "config file") ||
		!strings.Contains(g.keyringNote.Text, "0600") || !strings.Contains(g.keyringNote.Text, "no D-Bus session") {
		t.Errorf("without a keyring the form does not say where the secret goes (%v)", g.keyringNote)
	}
	// The name's problem shows under it once the user leaves it.
	w.Canvas().Focus(f.name)
	w.Canvas().Focus(f.entry("uid"))
	if !shows(f.form, probs["name"]) {
		t.Errorf("the form does not show %q under the name", probs["name"])
	}
}

// inputsOf is a form item's widget, or the objects it stacks.
func inputsOf(o fyne.CanvasObject) []fyne.CanvasObject {
	if w, ok := o.(*wheelInput); ok {
		return []fyne.CanvasObject{w.input, w.entry}
	}
	return []fyne.CanvasObject{o}
}

// TestAccountFormWheelOverAnEntry: the mouse wheel scrolls the form when
// the pointer is over a single-line input, as it does over a label.
func TestAccountFormWheelOverAnEntry(t *testing.T) {
	test.NewTempApp(t)
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config(),
		Keyring: &memKeyring{secrets: map[string]string{}}}
	f := newAccountForm(m, nil, nil)
	w := test.NewTempWindow(t, f.box)
	w.Resize(fyne.NewSize(620, 360))
	d := fyne.CurrentApp().Driver()
	for _, e := range []fyne.CanvasObject{f.name, f.entry("endpoint")} {
		f.scroll.ScrollToTop()
		at := d.AbsolutePositionForObject(e).Add(fyne.NewPos(20, 10))
		test.Scroll(w.Canvas(), at, 0, -40)
		if f.scroll.Offset.Y <= 0 {
			t.Errorf("the wheel over the %T at %v did not scroll the form down", e, at)
		}
	}
	f.scroll.ScrollToBottom()
	bottom := f.scroll.Offset.Y
	at := d.AbsolutePositionForObject(f.choices["tuya/sign_method"]).Add(fyne.NewPos(20, 10))
	test.Scroll(w.Canvas(), at, 0, 40)
	if bottom <= 0 || f.scroll.Offset.Y >= bottom {
		t.Errorf("the wheel over the sign method at %v did not scroll the form up from %v", at, bottom)
	}
}

// TestAccountFormSetsRoomMembers: a TRTC room's members are set in the
// form, one room a line ("8080: alice, bob"), saved as INTERFACE.md has
// them and shown the same way when the account is edited.
func TestAccountFormSetsRoomMembers(t *testing.T) {
	test.NewTempApp(t)
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config(),
		Keyring: &memKeyring{secrets: map[string]string{}}}
	f := newAccountForm(m, nil, nil)
	test.NewTempWindow(t, f.box)
	f.kind.SetSelected(kindTitle(m.Kinds, "trtc"))
	if f.entry("rooms") == nil || !f.entry("rooms").MultiLine {
		t.Fatal("no several-line input for the rooms")
	}
	f.name.SetText("meet")
	f.entry("endpoint").SetText("https://signaling.example.com")
	f.entry("sdk_app_id").SetText("1400000000")
	f.entry("secret_key").SetText("s3cret")
	f.entry("user_id").SetText("desk-1")
	f.entry("rooms").SetText("8080: alice, bob\nlobby")
	if p := f.Problems(); len(p) != 0 {
		t.Fatalf("problems %v", p)
	}
	f.doSave()
	cfg, err := m.Kinds.Load(m.ConfigPath)
	if err != nil {
		t.Fatalf("%v (form said %q)", err, f.status.Text)
	}
	if raw, _ := os.ReadFile(m.ConfigPath); !strings.Contains(string(raw), `rooms = [{name = "8080", members = ["alice", "bob"]}, "lobby"]`) {
		t.Errorf("saved as\n%s", raw)
	}
	a := cfg.Accounts[0]
	if !slices.Equal(a.TRTCRooms, []string{"8080", "lobby"}) || !slices.Equal(a.TRTCMembers["8080"], []string{"alice", "bob"}) ||
		len(a.TRTCMembers["lobby"]) != 0 {
		t.Fatalf("saved rooms %v with members %v", a.TRTCRooms, a.TRTCMembers)
	}
	g := newAccountForm(m, &a, nil)
	test.NewTempWindow(t, g.box)
	if got := g.entry("rooms").Text; got != "8080: alice, bob\nlobby" {
		t.Errorf("editing shows the rooms as %q", got)
	}
	// A member that is no id is a problem under the rooms.
	g.entry("rooms").SetText("8080: alice, a/b")
	if g.Problems()["rooms"] == "" {
		t.Errorf("member a/b accepted: %v", g.Problems())
	}
}
