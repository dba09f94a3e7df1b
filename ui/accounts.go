package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// AccountManager lets the window add, test, edit and remove the accounts of
// the config file.
type AccountManager struct {
	// ConfigPath is the config file the accounts are written to.
	ConfigPath string
	// Keyring keeps the secrets typed into the form; nil (KeyringProblem
	// says why) writes them into the config file, which is mode 0600.
	Keyring        config.KeyringStore
	KeyringProblem string
	// Build makes the client of an account, resolving "keyring:" refs;
	// close ends it.
	Build func(a config.Account) (acc Account, close func() error, err error)
	// Demo is set when the window shows the demo site because the config
	// has no account: the toolbar then offers "Add your first account".
	Demo bool
	// Kinds are the kinds of account the form offers, with their fields;
	// the file is parsed with them.
	Kinds config.Kinds

	mu      sync.Mutex
	closers map[string]func() error
}

// accountForm is the form of one account: per-kind inputs with help text,
// checked with the config validator on every keystroke.
type accountForm struct {
	m       *AccountManager
	editing string         // the name of the account edited; "" adds
	old     config.Account // the account as it was, when editing
	others  []string       // the other accounts' names
	kind    *widget.Select
	name    *widget.Entry
	scroll  *container.Scroll // the form's, which the wheel scrolls over an input
	// wheels are the single-line inputs as the form shows them, by entry.
	wheels    map[*widget.Entry]*wheelInput
	nameInput fyne.CanvasObject
	entries   map[string]*widget.Entry // by kind/key (kind/key.sub for a table's secret)
	// choices are the inputs of fields with Choices, by kind/key; their
	// entries are in entries too.
	choices  map[string]*widget.SelectEntry
	problems map[string]string // by field
	form     *widget.Form
	status   *widget.Label
	fixing   bool // status lists the problems to fix
	// keyringNote says, without an OS keyring, where secrets go; noted:
	// the form shows it.
	keyringNote *widget.Label
	noted       bool
	// demoNames are the names of the built-in demo's accounts, taken
	// while the window shows it.
	demoNames []string
	connect   *widget.Button
	save      *widget.Button
	box       *fyne.Container // the form scrolls; buttons and status stay below

	// onSave is called after the file was written, with the account as
	// written (secrets as keyring refs) and a note on where secrets went.
	onSave func(a config.Account, note string)
	// testing is the Connect in progress (its cancel).
	testMu  sync.Mutex
	testing context.CancelFunc
	wg      sync.WaitGroup
}

// newAccountForm makes the form; edit, when non-nil, is the account to edit.
func newAccountForm(m *AccountManager, edit *config.Account, others []string) *accountForm {
	f := &accountForm{m: m, others: others, entries: map[string]*widget.Entry{}, choices: map[string]*widget.SelectEntry{},
		problems: map[string]string{}}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("home")
	f.kind = widget.NewSelect(kindTitles(m.Kinds), nil)
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.connect = widget.NewButtonWithIcon("Connect", theme.MediaPlayIcon(), f.test)
	f.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), f.doSave)
	f.save.Importance = widget.HighImportance
	f.form = widget.NewForm()
	// The message grows upwards from above the buttons: Connect and Save
	// stay put whatever it says.
	f.scroll = container.NewVScroll(f.form)
	f.wheels = map[*widget.Entry]*wheelInput{}
	f.nameInput = f.wheel(f.name, f.name)
	f.wheels[f.name] = f.nameInput.(*wheelInput)
	f.box = container.NewBorder(nil, container.NewVBox(f.status, container.NewHBox(f.connect, f.save)), nil, nil,
		f.scroll)
	kind := ""
	if len(m.Kinds) > 0 {
		kind = m.Kinds[0].Name
	}
	if edit != nil {
		f.editing, f.old, kind = edit.Name, *edit, edit.Kind
	}
	f.kind.OnChanged = func(string) { f.rebuild() }
	f.kind.SetSelected(kindTitle(m.Kinds, kind))
	if edit != nil {
		f.fill(*edit)
		f.kind.Disable()
	}
	f.name.OnChanged = func(string) { f.touch(f.name); f.check() }
	f.name.Validator = func(string) error { // under the field, as the others
		if p := f.problems["name"]; p != "" {
			return errors.New(p)
		}
		return nil
	}
	f.check()
	return f
}

// rebuild lays out the inputs of the selected kind: one per field of its
// descriptor (a table field is one line per table, and one input per
// secret key of its tables), with the field's label and help.
func (f *accountForm) rebuild() {
	kind, _ := f.m.Kinds.Lookup(f.kindName())
	f.form.Items = nil
	f.noted = false
	f.form.Append("Kind", f.kind)
	f.form.AppendItem(&widget.FormItem{Text: "Name", Widget: f.nameInput, HintText: "a-z, 0-9, _ and -; sources are NAME/DEVICE"})
	for _, fs := range kind.FormFields() {
		f.addInput(fs.Key, fs.Key, fs)
		for _, sub := range fs.Sub {
			if sub.Secret {
				f.addInput(fs.Key+"."+sub.Key, fs.Key, sub)
			}
		}
	}
	f.form.Refresh()
	f.check()
}

// addInput appends the input of key, whose problems are those of field.
func (f *accountForm) addInput(key, field string, fs config.Field) {
	e := f.entries[f.kindName()+"/"+key]
	if e == nil {
		switch {
		case fs.Secret:
			e = widget.NewPasswordEntry()
		case fs.Multiline:
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(3)
		case len(fs.Choices) > 0:
			// A choice: picked from the list (typing stays possible, and
			// the validator judges it).
			se := widget.NewSelectEntry(fs.Choices)
			f.choices[f.kindName()+"/"+key] = se
			e = &se.Entry
		default:
			e = widget.NewEntry()
		}
		e.OnChanged = func(string) { f.touch(e); f.check() }
		if key == field {
			e.Validator = func(string) error {
				if p := f.problems[field]; p != "" {
					return errors.New(p)
				}
				return nil
			}
		}
		f.entries[f.kindName()+"/"+key] = e
	}
	hint := fs.Help
	if fs.Secret && f.m.Keyring != nil {
		hint = strings.TrimPrefix(hint+"; saved in the OS keyring", "; ")
	}
	var input fyne.CanvasObject = e
	if se := f.choices[f.kindName()+"/"+key]; se != nil {
		input = se
	}
	if !e.MultiLine {
		if f.wheels[e] == nil {
			f.wheels[e] = f.wheel(e, input).(*wheelInput)
		}
		input = f.wheels[e]
	}
	f.form.AppendItem(&widget.FormItem{Text: fs.Label, Widget: input, HintText: hint})
	if fs.Secret && f.m.Keyring == nil && !f.noted {
		// Said once, in full, under the first secret: a hint is one
		// line and would cut it.
		f.noted = true
		note := widget.NewLabel(f.m.secretHint())
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		f.keyringNote = note
		f.form.AppendItem(&widget.FormItem{Widget: note})
	}
}

// wheel lays a catcher of the mouse wheel over the single-line input e
// (shown as input: e itself or the choice holding it): Fyne's entry
// scrolls its own line and swallows the wheel, so the form would not
// scroll under the pointer. Taps, keys and the cursor still reach the
// input. The form shows e's problem under it once e has been typed in.
func (f *accountForm) wheel(e *widget.Entry, input fyne.CanvasObject) fyne.CanvasObject {
	c := &wheelCatcher{scroll: f.scroll}
	c.ExtendBaseWidget(c)
	w := &wheelInput{input: input, entry: e, catcher: c}
	w.ExtendBaseWidget(w)
	return w
}

// wheelInput is a single-line input with a wheelCatcher over it; to the
// form it is the input's entry: it validates as the entry does.
type wheelInput struct {
	widget.BaseWidget
	input   fyne.CanvasObject
	entry   *widget.Entry
	catcher *wheelCatcher
	touched bool
}

func (w *wheelInput) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(w.input, w.catcher))
}

// Validate validates the entry.
func (w *wheelInput) Validate() error { return w.entry.Validate() }

// SetOnValidationChanged hands the entry's validation to the form once
// the entry was typed in (as the form does for a bare entry).
func (w *wheelInput) SetOnValidationChanged(cb func(error)) {
	w.entry.SetOnValidationChanged(func(err error) {
		if w.touched {
			cb(err)
		}
	})
}

// wheelCatcher hands the wheel to the scroll it lies in.
type wheelCatcher struct {
	widget.BaseWidget
	scroll *container.Scroll
}

func (c *wheelCatcher) Scrolled(ev *fyne.ScrollEvent) { c.scroll.Scrolled(ev) }

func (c *wheelCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// kindTitle is how the form names a kind: what the service is, and the
// kind's config name, e.g. "Tuya IoT cloud (tuya)".
func kindTitle(ks config.Kinds, name string) string {
	k, ok := ks.Lookup(name)
	if !ok || k.Title == "" {
		return name
	}
	return k.Title + " (" + k.Name + ")"
}

// kindTitles are the kind choices of the form, in the list's order.
func kindTitles(ks config.Kinds) []string {
	var out []string
	for _, name := range ks.Names() {
		out = append(out, kindTitle(ks, name))
	}
	return out
}

// kindName is the config name of the kind chosen, or "".
func (f *accountForm) kindName() string {
	for _, name := range f.m.Kinds.Names() {
		if kindTitle(f.m.Kinds, name) == f.kind.Selected {
			return name
		}
	}
	return ""
}

// labelOf is the form's label of a field of the chosen kind ("Name" for
// the account's name), or "" when it has none.
func (f *accountForm) labelOf(field string) string {
	if field == "name" {
		return "Name"
	}
	kind, _ := f.m.Kinds.Lookup(f.kindName())
	for _, fs := range kind.FormFields() {
		if fs.Key == field {
			return fs.Label
		}
	}
	return ""
}

// say words a problem in the form's own labels, never a config key: a
// missing field is "<Label> is required", and the validator's words name
// the field by its label.
func (f *accountForm) say(p *config.FieldError) string {
	label := f.labelOf(p.Field)
	if label == "" {
		return p.Msg
	}
	if p.Missing {
		return label + " is required"
	}
	msg := p.Msg
	if p.Field != "name" {
		msg = replaceWord(msg, p.Field, label)
		kind, _ := f.m.Kinds.Lookup(f.kindName())
		for _, fs := range kind.FormFields() {
			if fs.Key != p.Field {
				continue
			}
			for _, sub := range fs.Sub {
				if slices.Contains(p.Path, sub.Key) {
					msg = replaceWord(msg, sub.Key, sub.Label)
				}
			}
		}
	}
	if r := []rune(msg); len(r) > 0 {
		msg = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return msg
}

// replaceWord replaces the whole-word occurrences of key in s.
func replaceWord(s, key, with string) string {
	if key == "" || with == "" {
		return s
	}
	return regexp.MustCompile(`\b`+regexp.QuoteMeta(key)+`\b`).ReplaceAllLiteralString(s, with)
}

// secretHint says where a secret typed into the form goes, as it will:
// the OS keyring when there is one, else the config file (0600).
func (m *AccountManager) secretHint() string {
	if m.Keyring != nil {
		return "Saved in the OS keyring, not in the config file"
	}
	why := ""
	if m.KeyringProblem != "" {
		why = " (" + m.KeyringProblem + ")"
	}
	return "No OS keyring" + why + ": Save writes the secrets into the config file, readable only by you (mode 0600)."
}

// entry returns the input of key for the selected kind, or nil.
func (f *accountForm) entry(key string) *widget.Entry { return f.entries[f.kindName()+"/"+key] }

// value is the trimmed text of an input ("" when the kind has none).
func (f *accountForm) value(key string) string {
	if e := f.entry(key); e != nil {
		return strings.TrimSpace(e.Text)
	}
	return ""
}

// set fills an input.
func (f *accountForm) set(key, v string) {
	if e := f.entry(key); e != nil {
		e.SetText(v)
	}
}

// fill shows an existing account; its secrets stay where they are and the
// inputs say so.
func (f *accountForm) fill(a config.Account) {
	f.name.SetText(a.Name)
	kind, _ := f.m.Kinds.Lookup(a.Kind)
	for _, fs := range kind.FormFields() {
		switch {
		case fs.Type == config.TypeTables:
			rows, _ := fs.Get(a).([]map[string]string)
			var lines []string
			for _, r := range rows {
				var words []string
				for _, sub := range fs.Sub {
					if !sub.Secret {
						words = append(words, r[sub.Key])
					}
				}
				// An optional value left empty before one that is set
				// keeps its place as "-".
				for len(words) > 0 && words[len(words)-1] == "" {
					words = words[:len(words)-1]
				}
				for i, w := range words {
					if w == "" {
						words[i] = "-"
					}
				}
				lines = append(lines, strings.Join(words, " "))
			}
			f.set(fs.Key, strings.Join(lines, "\n"))
		case !fs.Secret:
			f.set(fs.Key, fs.Text(a))
		}
	}
	for _, k := range kind.SecretKeys() {
		for _, key := range []string{k, tableOf(kind, k) + "." + k} {
			if e := f.entry(key); e != nil {
				e.SetPlaceHolder("unchanged (leave empty to keep)")
			}
		}
	}
}

// tableOf names the table field whose tables hold key, or "".
func tableOf(k config.Kind, key string) string {
	for _, fs := range k.Fields {
		for _, sub := range fs.Sub {
			if sub.Key == key {
				return fs.Key
			}
		}
	}
	return ""
}

// account builds the account the inputs describe. Empty secret inputs of
// an edited account keep its old values (or keyring refs).
func (f *accountForm) account() config.Account {
	a := config.Account{Name: strings.TrimSpace(f.name.Text), Kind: f.kindName()}
	kind, _ := f.m.Kinds.Lookup(a.Kind)
	for _, fs := range kind.FormFields() {
		switch {
		case fs.Type == config.TypeTables:
			fs.Set(&a, f.tableRows(fs))
		case fs.Secret && f.value(fs.Key) == "":
			fs.Set(&a, fs.Get(f.old))
		default:
			fs.Set(&a, fs.FormValue(f.value(fs.Key)))
		}
	}
	return a
}

// tableRows reads a table field's input, one table per line: its
// non-secret keys in order, separated by spaces; each secret key from its
// own input, or the edited account's table of the same name when empty.
func (f *accountForm) tableRows(fs config.Field) []map[string]string {
	old := map[string]map[string]string{}
	oldRows, _ := fs.Get(f.old).([]map[string]string)
	for _, r := range oldRows {
		if len(fs.Sub) > 0 {
			old[r[fs.Sub[0].Key]] = r
		}
	}
	var rows []map[string]string
	for _, line := range strings.Split(f.value(fs.Key), "\n") {
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		row := map[string]string{}
		for _, sub := range fs.Sub {
			switch {
			case sub.Secret:
				row[sub.Key] = f.value(fs.Key + "." + sub.Key)
			case len(words) > 0:
				if words[0] != "-" { // "-": an optional value left empty
					row[sub.Key] = words[0]
				}
				words = words[1:]
			}
		}
		for _, sub := range fs.Sub {
			if sub.Secret && row[sub.Key] == "" && len(fs.Sub) > 0 {
				row[sub.Key] = old[row[fs.Sub[0].Key]][sub.Key]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// check validates the inputs and shows each problem under its field: the
// validator's *FieldErrors say which field, never their words.
func (f *accountForm) check() {
	if f.kind == nil || f.kindName() == "" {
		return
	}
	a := f.account()
	f.problems = map[string]string{}
	var general []string
	for _, p := range f.m.Kinds.CheckAccount(f.m.ConfigPath, a, f.others) {
		if p.Field == "name" && slices.Contains(f.demoNames, a.Name) {
			f.problems["name"] = fmt.Sprintf("%q is an account of the built-in demo while it runs; pick another name", a.Name)
		} else if p.Field == "name" || p.Field != "" && f.entry(p.Field) != nil {
			f.problems[p.Field] = f.say(p)
		} else {
			general = append(general, f.say(p))
		}
	}
	for _, e := range f.entries {
		_ = e.Validate()
	}
	_ = f.name.Validate()
	if len(f.problems) == 0 && len(general) == 0 {
		f.save.Enable()
		f.connect.Enable()
		if f.fixing {
			f.fixing = false
			f.status.SetText("")
		}
		return
	}
	f.save.Disable()
	f.connect.Disable()
	all := general
	for _, k := range sortedKeys(f.problems) {
		all = append(all, f.problems[k])
	}
	f.fixing = true
	f.status.SetText("Fix: " + strings.Join(all, "; "))
}

// touch notes that e was typed in: the form shows its problem from now.
func (f *accountForm) touch(e *widget.Entry) {
	if w := f.wheels[e]; w != nil {
		w.touched = true
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Problems returns the problems shown, by key.
func (f *accountForm) Problems() map[string]string { return f.problems }

// test connects with what the form holds and shows the devices found or
// the exact error.
func (f *accountForm) test() {
	if f.m.Build == nil {
		f.fixing = false
		f.status.SetText("This build cannot connect from the form.")
		return
	}
	a := f.account()
	f.testMu.Lock()
	if f.testing != nil {
		f.testing()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	f.testing = cancel
	f.testMu.Unlock()
	f.fixing = false
	f.status.SetText("Connecting to " + a.Name + "…")
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer cancel()
		msg := connectMessage(ctx, f.m, a)
		do(func() { f.status.SetText(msg) })
	}()
}

// connectMessage builds a's client, lists its devices and words the result.
func connectMessage(ctx context.Context, m *AccountManager, a config.Account) string {
	acc, closeFn, err := m.Build(a)
	if err != nil {
		return "Cannot connect: " + session.Reason(err)
	}
	defer func() {
		if closeFn != nil {
			_ = closeFn()
		}
	}()
	devs, err := acc.Directory.Devices(ctx)
	if err != nil {
		return "Cannot connect: " + session.Reason(err)
	}
	names := make([]string, 0, len(devs))
	for _, d := range devs {
		names = append(names, d.Name)
	}
	return fmt.Sprintf("Connected: found %d devices: %s", len(devs), strings.Join(names, ", "))
}

// doSave writes the account to the config file, its secrets to the keyring
// when there is one.
func (f *accountForm) doSave() {
	f.check()
	if !f.save.Disabled() {
		a, note, err := f.m.save(f.editing, f.old, f.account())
		f.fixing = false
		if err != nil {
			f.status.SetText("Not saved: " + err.Error())
			return
		}
		f.status.SetText("Saved. " + note)
		if f.onSave != nil {
			f.onSave(a, note)
		}
	}
}

// stop cancels a Connect in progress and waits for it.
func (f *accountForm) stop() {
	f.testMu.Lock()
	if f.testing != nil {
		f.testing()
	}
	f.testMu.Unlock()
	f.wg.Wait()
}

// save writes a in place of the account named editing ("" adds it) and
// returns it as written, with a note saying where its secret went.
func (m *AccountManager) save(editing string, old, a config.Account) (config.Account, string, error) {
	doc, err := config.ReadDocument(m.ConfigPath)
	if err != nil {
		return a, "", err
	}
	note := ""
	if m.hasSecret(a) {
		switch {
		case m.Keyring == nil:
			note = "No OS keyring (" + m.KeyringProblem + "): the secret is written in the config file, readable only by you."
		default:
			stored, err := m.Kinds.StoreSecrets(m.Keyring, a)
			if err != nil {
				note = "The OS keyring refused the secret (" + session.Reason(err) + "): it is written in the config file, readable only by you."
			} else {
				a = stored
				note = "The secret is in the OS keyring."
			}
		}
	}
	if editing == "" {
		doc = m.Kinds.AddAccount(doc, a)
	} else if doc, err = m.Kinds.ReplaceAccount(m.ConfigPath, doc, editing, a); err != nil {
		return a, "", err
	}
	if _, err := m.Kinds.Save(m.ConfigPath, doc); err != nil {
		return a, "", err
	}
	return a, note, nil
}

// hasSecret reports whether a holds a secret value that is not a keyring
// ref yet.
func (m *AccountManager) hasSecret(a config.Account) bool {
	kind, _ := m.Kinds.Lookup(a.Kind)
	for _, s := range kind.SecretValues(a) {
		if !strings.HasPrefix(s, config.KeyringPrefix) {
			return true
		}
	}
	return false
}

// remove takes the account named name out of the file and forgets the
// keyring secrets the window stored for it; a *config.SecretNotDeletedError
// means the account left the file but a secret stayed in the keyring.
func (m *AccountManager) remove(name string) error {
	return m.Kinds.RemoveAccountFile(m.ConfigPath, name, m.Keyring)
}

// keep remembers the close function of a client the window built.
func (m *AccountManager) keep(name string, closeFn func() error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closers == nil {
		m.closers = map[string]func() error{}
	}
	if old := m.closers[name]; old != nil {
		_ = old()
	}
	m.closers[name] = closeFn
}

// drop closes the client of an account the window built.
func (m *AccountManager) drop(name string) {
	m.mu.Lock()
	c := m.closers[name]
	delete(m.closers, name)
	m.mu.Unlock()
	if c != nil {
		_ = c()
	}
}

// closeAll closes every client the window built.
func (m *AccountManager) closeAll() {
	m.mu.Lock()
	cs := m.closers
	m.closers = nil
	m.mu.Unlock()
	for _, c := range cs {
		if c != nil {
			_ = c()
		}
	}
}

// accountTools returns the toolbar's account buttons.
func (win *window) accountTools(ctx context.Context) []fyne.CanvasObject {
	m := win.opt.Manager
	if m == nil {
		return nil
	}
	manage := widget.NewButtonWithIcon("", theme.AccountIcon(), func() { win.showAccounts(ctx) })
	if !m.Demo {
		return []fyne.CanvasObject{manage}
	}
	first := widget.NewButtonWithIcon("Add your first account", theme.ContentAddIcon(), func() { win.showAccountForm(ctx, nil) })
	first.Importance = widget.HighImportance
	win.extra.firstAccount = first
	return []fyne.CanvasObject{first, manage}
}

// showAccounts lists the config file's accounts with Edit and Remove.
func (win *window) showAccounts(ctx context.Context) {
	m := win.opt.Manager
	cfg, err := m.Kinds.Load(m.ConfigPath)
	if err != nil {
		dialog.ShowError(err, win.w)
		return
	}
	rows := container.NewVBox()
	var d dialog.Dialog
	for _, a := range cfg.Accounts {
		a := a
		edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() {
			d.Hide()
			win.showAccountForm(ctx, &a)
		})
		remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
			dialog.ShowConfirm("Remove "+a.Name+"?", "The account leaves the config file and its tiles close.", func(ok bool) {
				if ok {
					d.Hide()
					win.removeAccount(a.Name)
				}
			}, win.w)
		})
		rows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(edit, remove), widget.NewLabel(a.Name+" ("+a.Kind+")")))
	}
	if len(cfg.Accounts) == 0 {
		rows.Add(widget.NewLabel("No account in " + m.ConfigPath + " yet."))
	}
	add := widget.NewButtonWithIcon("Add account", theme.ContentAddIcon(), func() {
		d.Hide()
		win.showAccountForm(ctx, nil)
	})
	add.Importance = widget.HighImportance
	d = dialog.NewCustom("Accounts", "Close", container.NewVBox(rows, add), win.w)
	d.Resize(fyne.NewSize(480, 320))
	d.Show()
}

// showAccountForm opens the form to add (edit nil) or edit an account.
func (win *window) showAccountForm(ctx context.Context, edit *config.Account) *accountForm {
	m := win.opt.Manager
	var others []string
	for _, a := range win.accounts {
		if edit == nil || a.Name != edit.Name {
			others = append(others, a.Name)
		}
	}
	if cfg, err := m.Kinds.Load(m.ConfigPath); err == nil {
		for _, a := range cfg.Accounts {
			if (edit == nil || a.Name != edit.Name) && !contains(others, a.Name) {
				others = append(others, a.Name)
			}
		}
	}
	f := newAccountForm(m, edit, others)
	if m.Demo {
		// The window shows the built-in demo: its accounts' names are
		// taken while it runs, and the form says why.
		for _, a := range win.accounts {
			f.demoNames = append(f.demoNames, a.Name)
		}
		f.check()
	}
	title := "Add an account"
	if edit != nil {
		title = "Edit " + edit.Name
	}
	d := dialog.NewCustom(title, "Close", f.box, win.w)
	d.SetOnClosed(f.stop)
	f.onSave = func(a config.Account, note string) {
		d.Hide()
		win.accountSaved(ctx, edit, a, note)
	}
	d.Resize(fyne.NewSize(620, 560))
	d.Show()
	win.extra.form = f
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// accountSaved puts a saved account in the sidebar (replacing the edited
// one) and says where its secret went.
func (win *window) accountSaved(ctx context.Context, edit *config.Account, a config.Account, note string) {
	m := win.opt.Manager
	if edit != nil {
		win.dropAccount(edit.Name)
	}
	acc, closeFn, err := m.Build(a)
	if err != nil {
		dialog.ShowError(fmt.Errorf("saved %s, but cannot use it: %s", a.Name, session.Reason(err)), win.w)
		return
	}
	m.keep(a.Name, closeFn)
	win.accounts = append(win.accounts, acc)
	win.sidebar.AddAccount(ctx, acc)
	if win.extra.firstAccount != nil {
		win.extra.firstAccount.Hide()
	}
	msg := "Saved " + a.Name + " to " + m.ConfigPath + "."
	if note != "" {
		msg += "\n" + note
	}
	if win.status != nil {
		win.status.SetText(strings.ReplaceAll(msg, "\n", " "))
	}
	// The status bar is rewritten every second: the confirmation stays
	// until the user has read it.
	dialog.ShowInformation("Account saved", msg, win.w)
}

// removeAccount takes an account out of the file, the sidebar and the wall.
func (win *window) removeAccount(name string) {
	err := win.opt.Manager.remove(name)
	var left *config.SecretNotDeletedError
	if err != nil && !errors.As(err, &left) {
		dialog.ShowError(err, win.w)
		return
	}
	win.dropAccount(name)
	if left != nil {
		// The account is gone; its secret is not: say so.
		dialog.ShowError(err, win.w)
	}
}

// dropAccount closes an account's tiles and client and forgets it.
func (win *window) dropAccount(name string) {
	for _, src := range win.wall.Sources() {
		if strings.HasPrefix(src, name+"/") {
			win.wall.Remove(src)
		}
	}
	kept := win.accounts[:0]
	for _, a := range win.accounts {
		if a.Name != name {
			kept = append(kept, a)
		}
	}
	win.accounts = kept
	win.sidebar.RemoveAccount(name)
	win.opt.Manager.drop(name)
}
