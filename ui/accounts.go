package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
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

	mu      sync.Mutex
	closers map[string]func() error
}

// fieldSpec is one input of the account form.
type fieldSpec struct {
	key, label, help string
	secret           bool
	multiline        bool
}

// kindFields are the inputs of each kind, in the order of the contract's
// example config.
var kindFields = map[string][]fieldSpec{
	config.KindTuya: {
		{key: "endpoint", label: "Endpoint", help: "OpenAPI base URL of your project's data center, e.g. https://openapi.tuyaus.com"},
		{key: "client_id", label: "Access ID", help: "Cloud project → Overview → Access ID"},
		{key: "secret", label: "Access Secret", help: "Kept in the OS keyring", secret: true},
		{key: "uid", label: "User ID", help: "UID of the app account linked to the project"},
		{key: "sign_method", label: "Sign method", help: "hmac (default) or md5 for legacy projects"},
		{key: "devices", label: "Devices", help: "Optional device ids, comma separated; empty lists all"},
		{key: "ca_file", label: "CA file", help: "Optional PEM bundle trusted besides the system roots"},
	},
	config.KindEEN: {
		{key: "endpoint", label: "Endpoint", help: "REST base, e.g. https://api.c000.eagleeyenetworks.com"},
		{key: "token", label: "Access token", help: "OAuth access token (JWT); kept in the OS keyring", secret: true},
		{key: "ca_file", label: "CA file", help: "Optional PEM bundle trusted besides the system roots"},
	},
	config.KindWCS: {
		{key: "url", label: "URL", help: "WebSocket API, e.g. wss://wcs.example.com:8443"},
		{key: "app_key", label: "App key", help: "Optional; defaultApp when empty"},
		{key: "streams", label: "Streams", help: "Stream names shown as tiles, comma separated"},
		{key: "rooms", label: "Rooms", help: "Optional groups: ops=cam1,cam2; lobby=cam3"},
		{key: "ca_file", label: "CA file", help: "Optional PEM bundle trusted besides the system roots"},
	},
	config.KindWHEP: {
		{key: "stream", label: "Streams", help: "One per line: NAME WHEP-URL [WHIP-URL for talk]", multiline: true},
		{key: "token", label: "Bearer token", help: "Optional, for every stream; kept in the OS keyring", secret: true},
	},
	config.KindTRTC: {
		{key: "endpoint", label: "Endpoint", help: "Signaling base, e.g. https://signaling.rtc-web.com"},
		{key: "sdk_app_id", label: "SDKAppID", help: "From the TRTC console, a number"},
		{key: "secret_key", label: "SDKSecretKey", help: "Used to sign UserSig locally; kept in the OS keyring", secret: true},
		{key: "user_id", label: "User ID", help: "The user this desk joins rooms as"},
		{key: "rooms", label: "Rooms", help: "Room ids, comma separated"},
		{key: "ca_file", label: "CA file", help: "Optional PEM bundle trusted besides the system roots"},
	},
}

// accountKinds lists the kinds in menu order.
var accountKinds = []string{config.KindTuya, config.KindEEN, config.KindWCS, config.KindWHEP, config.KindTRTC}

// accountForm is the form of one account: per-kind inputs with help text,
// checked with the config validator on every keystroke.
type accountForm struct {
	m        *AccountManager
	editing  string         // the name of the account edited; "" adds
	old      config.Account // the account as it was, when editing
	others   []string       // the other accounts' names
	kind     *widget.Select
	name     *widget.Entry
	entries  map[string]*widget.Entry
	problems map[string]string
	form     *widget.Form
	status   *widget.Label
	connect  *widget.Button
	save     *widget.Button
	box      *fyne.Container // the form scrolls; buttons and status stay below

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
	f := &accountForm{m: m, others: others, entries: map[string]*widget.Entry{}, problems: map[string]string{}}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("home")
	f.kind = widget.NewSelect(accountKinds, nil)
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.connect = widget.NewButtonWithIcon("Connect", theme.MediaPlayIcon(), f.test)
	f.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), f.doSave)
	f.save.Importance = widget.HighImportance
	f.form = widget.NewForm()
	f.box = container.NewBorder(nil, container.NewVBox(container.NewHBox(f.connect, f.save), f.status), nil, nil,
		container.NewVScroll(f.form))
	kind := config.KindTuya
	if edit != nil {
		f.editing, f.old, kind = edit.Name, *edit, edit.Kind
	}
	f.kind.OnChanged = func(string) { f.rebuild() }
	f.kind.SetSelected(kind)
	if edit != nil {
		f.fill(*edit)
		f.kind.Disable()
	}
	f.name.OnChanged = func(string) { f.check() }
	f.check()
	return f
}

// rebuild lays out the inputs of the selected kind.
func (f *accountForm) rebuild() {
	kind := f.kind.Selected
	f.form.Items = nil
	f.form.Append("Kind", f.kind)
	f.form.AppendItem(&widget.FormItem{Text: "Name", Widget: f.name, HintText: "a-z, 0-9, _ and -; sources are NAME/DEVICE"})
	for _, fs := range kindFields[kind] {
		e := f.entries[kind+"/"+fs.key]
		if e == nil {
			switch {
			case fs.secret:
				e = widget.NewPasswordEntry()
			case fs.multiline:
				e = widget.NewMultiLineEntry()
				e.SetMinRowsVisible(3)
			default:
				e = widget.NewEntry()
			}
			key := fs.key
			e.OnChanged = func(string) { f.check() }
			e.Validator = func(string) error {
				if p := f.problems[key]; p != "" {
					return errors.New(p)
				}
				return nil
			}
			f.entries[kind+"/"+fs.key] = e
		}
		f.form.AppendItem(&widget.FormItem{Text: fs.label, Widget: e, HintText: fs.help})
	}
	f.form.Refresh()
	f.check()
}

// entry returns the input of key for the selected kind, or nil.
func (f *accountForm) entry(key string) *widget.Entry { return f.entries[f.kind.Selected+"/"+key] }

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
	f.set("endpoint", a.Endpoint)
	f.set("client_id", a.ClientID)
	f.set("uid", a.UID)
	f.set("sign_method", a.SignMethod)
	f.set("devices", strings.Join(a.Devices, ", "))
	f.set("url", a.URL)
	f.set("app_key", a.AppKey)
	f.set("streams", strings.Join(a.Streams, ", "))
	f.set("ca_file", a.CAFile)
	f.set("user_id", a.UserID)
	if a.SDKAppID != 0 {
		f.set("sdk_app_id", strconv.FormatInt(a.SDKAppID, 10))
	}
	switch a.Kind {
	case config.KindTRTC:
		f.set("rooms", strings.Join(a.TRTCRooms, ", "))
	case config.KindWCS:
		var rooms []string
		for _, r := range a.WCSRooms {
			rooms = append(rooms, r.Name+"="+strings.Join(r.Streams, ","))
		}
		f.set("rooms", strings.Join(rooms, "; "))
	case config.KindWHEP:
		var lines []string
		for _, s := range a.WHEPStreams {
			lines = append(lines, strings.TrimSpace(s.Name+" "+s.URL+" "+s.PublishURL))
		}
		f.set("stream", strings.Join(lines, "\n"))
	}
	for _, k := range config.SecretKeys(a.Kind) {
		if e := f.entry(k); e != nil {
			e.SetPlaceHolder("unchanged (leave empty to keep)")
		}
	}
}

// account builds the account the inputs describe. Empty secret inputs of
// an edited account keep its old values (or keyring refs).
func (f *accountForm) account() config.Account {
	a := config.Account{Name: strings.TrimSpace(f.name.Text), Kind: f.kind.Selected}
	list := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	secret := func(key, old string) string {
		if v := f.value(key); v != "" {
			return v
		}
		return old
	}
	switch a.Kind {
	case config.KindTuya:
		a.Endpoint, a.ClientID, a.UID = f.value("endpoint"), f.value("client_id"), f.value("uid")
		a.Secret = secret("secret", f.old.Secret)
		a.SignMethod = f.value("sign_method")
		a.Devices = list(f.value("devices"))
	case config.KindEEN:
		a.Endpoint = f.value("endpoint")
		a.Token = secret("token", f.old.Token)
	case config.KindWCS:
		a.URL, a.AppKey = f.value("url"), f.value("app_key")
		a.Streams = list(f.value("streams"))
		for _, r := range strings.Split(f.value("rooms"), ";") {
			name, streams, _ := strings.Cut(r, "=")
			if name = strings.TrimSpace(name); name != "" {
				a.WCSRooms = append(a.WCSRooms, config.WCSRoom{Name: name, Streams: list(streams)})
			}
		}
	case config.KindWHEP:
		oldTok := map[string]string{}
		for _, s := range f.old.WHEPStreams {
			oldTok[s.Name] = s.Token
		}
		tok := f.value("token")
		for _, line := range strings.Split(f.value("stream"), "\n") {
			p := strings.Fields(line)
			if len(p) == 0 {
				continue
			}
			s := config.WHEPStream{Name: p[0], Token: tok}
			if len(p) > 1 {
				s.URL = p[1]
			}
			if len(p) > 2 {
				s.PublishURL = p[2]
			}
			if s.Token == "" {
				s.Token = oldTok[s.Name]
			}
			a.WHEPStreams = append(a.WHEPStreams, s)
		}
	case config.KindTRTC:
		a.Endpoint, a.UserID = f.value("endpoint"), f.value("user_id")
		a.SecretKey = secret("secret_key", f.old.SecretKey)
		if v := f.value("sdk_app_id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				id = -1 // the validator words it
			}
			a.SDKAppID = id
		}
		a.TRTCRooms = list(f.value("rooms"))
	}
	a.CAFile = f.value("ca_file")
	return a
}

// check validates the inputs and shows the problems at their fields.
func (f *accountForm) check() {
	if f.kind == nil || f.kind.Selected == "" {
		return
	}
	a := f.account()
	f.problems = map[string]string{}
	var general []string
	for _, p := range config.CheckAccount(f.m.ConfigPath, a, f.others) {
		key := p.Key
		if a.Kind == config.KindWHEP && (key == "stream" || key == "name" && !strings.Contains(p.Msg, "account name")) {
			key = "stream"
		}
		if key == "name" || f.entry(key) != nil {
			f.problems[key] = p.Msg
		} else {
			general = append(general, p.Msg)
		}
	}
	for _, e := range f.entries {
		_ = e.Validate()
	}
	if p := f.problems["name"]; p != "" {
		f.name.SetValidationError(errors.New(p))
	} else {
		f.name.SetValidationError(nil)
	}
	if len(f.problems) == 0 && len(general) == 0 {
		f.save.Enable()
		f.connect.Enable()
		if strings.HasPrefix(f.status.Text, "Fix: ") {
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
	f.status.SetText("Fix: " + strings.Join(all, "; "))
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
	if hasSecret(a) {
		switch {
		case m.Keyring == nil:
			note = "No OS keyring (" + m.KeyringProblem + "): the secret is written in the config file, readable only by you."
		default:
			stored, err := config.StoreSecrets(m.Keyring, a)
			if err != nil {
				note = "The OS keyring refused the secret (" + session.Reason(err) + "): it is written in the config file, readable only by you."
			} else {
				a = stored
				note = "The secret is in the OS keyring."
			}
		}
	}
	if editing == "" {
		doc = config.AddAccount(doc, a)
	} else if doc, err = config.ReplaceAccount(m.ConfigPath, doc, editing, a); err != nil {
		return a, "", err
	}
	if _, err := config.Save(m.ConfigPath, doc); err != nil {
		return a, "", err
	}
	return a, note, nil
}

// hasSecret reports whether a holds a secret value that is not a keyring
// ref yet.
func hasSecret(a config.Account) bool {
	plain := func(s string) bool { return s != "" && !strings.HasPrefix(s, config.KeyringPrefix) }
	for _, s := range a.WHEPStreams {
		if plain(s.Token) {
			return true
		}
	}
	return plain(a.Secret) || plain(a.Token) || plain(a.SecretKey)
}

// remove takes the account named name out of the file and forgets the
// keyring secrets the window stored for it; a *config.SecretNotDeletedError
// means the account left the file but a secret stayed in the keyring.
func (m *AccountManager) remove(name string) error {
	return config.RemoveAccountFile(m.ConfigPath, name, m.Keyring)
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
	cfg, err := config.Load(m.ConfigPath)
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
	if cfg, err := config.Load(m.ConfigPath); err == nil {
		for _, a := range cfg.Accounts {
			if (edit == nil || a.Name != edit.Name) && !contains(others, a.Name) {
				others = append(others, a.Name)
			}
		}
	}
	f := newAccountForm(m, edit, others)
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
	if win.status != nil {
		win.status.SetText("Saved " + a.Name + " to " + m.ConfigPath + ". " + note)
	}
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
