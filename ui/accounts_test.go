package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/kinds"
	"github.com/lookout-app/lookout/session/tuya"
)

// memKeyring is the fake OS keyring of the tests.
type memKeyring struct {
	mu      sync.Mutex
	secrets map[string]string
}

func (k *memKeyring) Get(key string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.secrets[key]
	if !ok {
		return "", config.ErrSecretNotFound
	}
	return s, nil
}

func (k *memKeyring) Set(key, s string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.secrets[key] = s
	return nil
}

func (k *memKeyring) Delete(key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.secrets, key)
	return nil
}

// demoBuilder builds Tuya clients trusting the demo site's CA, resolving
// keyring refs from kr, as cmd/lookout's builder does with the OS keyring.
func demoBuilder(site *demo.Site, kr config.Keyring) func(a config.Account) (Account, func() error, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return func(a config.Account) (Account, func() error, error) {
		secret, err := config.Resolve(a.Secret, kr)
		if err != nil {
			return Account{}, nil, err
		}
		c, err := tuya.New(tuya.Config{Endpoint: a.Endpoint, ClientID: a.ClientID, Secret: secret, UID: a.UID,
			SignMethod: tuya.SignMethod(a.SignMethod), Devices: a.Devices,
			HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
		if err != nil {
			return Account{}, nil, err
		}
		return Account{Name: a.Name, Kind: a.Kind, Directory: c, Opener: c}, c.Close, nil
	}
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var b *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && x.Text == text && b == nil {
			b = x
		}
	})
	return b
}

// TestAddTuyaAccountThroughTheForm is the first start on the demo site: the
// user presses "Add your first account", types a Tuya account of the demo
// site into the form (checked as it is typed), connects, and saves. The
// config file keeps its comments and gains the account with the secret as
// a keyring reference (the secret itself is in the keyring, not the file),
// and the sidebar lists the account's devices.
func TestAddTuyaAccountThroughTheForm(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1200, 800))
	site, err := demo.Start(context.Background(), demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	path := filepath.Join(t.TempDir(), "lookout", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	const header = "# Lookout's accounts\n# (the demo site shows while there are none)\n"
	if err := os.WriteFile(path, []byte(header), 0o644); err != nil {
		t.Fatal(err)
	}
	kr := &memKeyring{secrets: map[string]string{}}
	m := &AccountManager{ConfigPath: path, Kinds: kinds.List().Config(), Keyring: kr, Build: demoBuilder(site, kr), Demo: true}
	demoAcc, closeDemo, err := m.Build(config.Account{Name: "demo", Kind: "tuya", Endpoint: site.TuyaEndpoint(),
		ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID()})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDemo()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{Manager: m}}
	win.build(ctx, []Account{demoAcc})

	first := findButton(w.Content(), "Add your first account")
	if first == nil || !first.Visible() {
		t.Fatal("the demo site's window offers no 'Add your first account'")
	}
	test.Tap(first)
	f := win.extra.form
	if f == nil || f.kindName() != "tuya" {
		t.Fatal("the form did not open on a Tuya account")
	}
	// The demo's own account name is taken while it runs, and the form
	// says why.
	test.Type(f.name, "demo")
	if p := f.Problems()["name"]; !strings.Contains(p, "built-in demo") {
		t.Fatalf("the demo's name: problem %q", p)
	}
	f.name.SetText("")
	test.Type(f.name, "home")
	test.Type(f.entry("endpoint"), site.TuyaEndpoint())
	if p := f.Problems()["client_id"]; p != "Access ID is required" || !f.save.Disabled() {
		t.Fatalf("half-typed account: client_id problem %q, save disabled %v", p, f.save.Disabled())
	}
	test.Type(f.entry("client_id"), site.ClientID())
	test.Type(f.entry("secret"), site.Secret())
	test.Type(f.entry("uid"), site.UID())
	if len(f.Problems()) != 0 || f.save.Disabled() {
		t.Fatalf("complete account still has problems: %v", f.Problems())
	}
	test.Tap(f.connect)
	waitText(t, "Connect", func() string { return f.status.Text }, "Connected: found 5 devices: ")
	test.Tap(f.save)
	drainUI()
	// A confirmation that stays until read (the status bar is rewritten
	// every second).
	confirmed := false
	if top := w.Canvas().Overlays().Top(); top != nil {
		walk(top, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "Saved home to "+path) && strings.Contains(l.Text, "OS keyring") {
				confirmed = true
			}
		})
	}
	if !confirmed {
		t.Error("no confirmation after Save")
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, header) {
		t.Errorf("the file's comments were not kept:\n%s", text)
	}
	if !strings.Contains(text, `secret = "keyring:home-secret"`) || strings.Contains(text, site.Secret()) {
		t.Errorf("the secret is not a keyring reference:\n%s", text)
	}
	if got, _ := kr.Get("home-secret"); got != site.Secret() {
		t.Errorf("the keyring holds %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	cfg, err := kinds.List().Config().Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if acc, ok := cfg.Account("home"); !ok || acc.ClientID != site.ClientID() || acc.Endpoint != site.TuyaEndpoint() {
		t.Fatalf("config has %+v", cfg.Accounts)
	}
	waitFor(t, "the sidebar to list home's devices", func() bool {
		ids := win.sidebar.children("a:home")
		return len(ids) == 5 && contains(ids, "d:home/cam1")
	})
	if first.Visible() {
		t.Error("'Add your first account' still shows")
	}
	cancel()
	win.shutdown()
}

// TestEditAndRemoveAccount edits a saved account through the form (the
// secret left empty stays in the keyring, the comments stay) and removes
// it: it leaves the file, the keyring and the sidebar.
func TestEditAndRemoveAccount(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1200, 800))
	site, err := demo.Start(context.Background(), demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	path := filepath.Join(t.TempDir(), "config.toml")
	doc := "# desk config\n\n# the shop\n[[account]]\nname = \"shop\"  # downtown\nkind = \"tuya\"\nendpoint = " +
		config.Quote(site.TuyaEndpoint()) + "\nclient_id = " + config.Quote(site.ClientID()) +
		"\nsecret = \"keyring:shop-secret\"\nuid = \"nobody\"\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	kr := &memKeyring{secrets: map[string]string{"shop-secret": site.Secret()}}
	m := &AccountManager{ConfigPath: path, Kinds: kinds.List().Config(), Keyring: kr, Build: demoBuilder(site, kr)}
	cfg, err := kinds.List().Config().Load(path)
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := cfg.Account("shop")
	acc, closeFn, err := m.Build(shop)
	if err != nil {
		t.Fatal(err)
	}
	m.keep("shop", closeFn)
	ctx, cancel := context.WithCancel(context.Background())
	win := &window{a: a, w: w, log: slog.New(slog.DiscardHandler), opt: Options{Manager: m}}
	win.build(ctx, []Account{acc})
	defer func() { cancel(); win.shutdown() }()
	waitFor(t, "shop's list", func() bool { return !win.sidebar.node("shop").loading })
	if win.sidebar.node("shop").err == nil {
		t.Fatal("a wrong uid listed devices")
	}

	f := win.showAccountForm(ctx, &shop)
	if f.entry("secret").Text != "" || f.entry("uid").Text != "nobody" {
		t.Fatalf("the form shows secret %q, uid %q", f.entry("secret").Text, f.entry("uid").Text)
	}
	f.entry("uid").SetText(site.UID())
	test.Tap(f.connect)
	waitText(t, "Connect", func() string { return f.status.Text }, "Connected: found 5 devices")
	test.Tap(f.save)
	data, _ := os.ReadFile(path)
	want := "# desk config\n\n# the shop\n[[account]]\nname = \"shop\"  # downtown\n"
	if !strings.HasPrefix(string(data), want) || !strings.Contains(string(data), "uid = "+config.Quote(site.UID())) ||
		!strings.Contains(string(data), `secret = "keyring:shop-secret"`) {
		t.Fatalf("edited file:\n%s", data)
	}
	waitFor(t, "the edited account's devices", func() bool { return len(win.sidebar.children("a:shop")) == 5 })

	win.removeAccount("shop")
	data, _ = os.ReadFile(path)
	if string(data) != "# desk config\n" {
		t.Fatalf("after removal the file holds:\n%s", data)
	}
	if _, err := kr.Get("shop-secret"); err == nil {
		t.Error("the removed account's secret is still in the keyring")
	}
	if win.sidebar.node("shop") != nil {
		t.Error("the sidebar still lists the removed account")
	}
}

// TestSaveWithoutKeyring saves an account where no OS keyring exists: the
// secret is written into the 0600 file and the note says so.
func TestSaveWithoutKeyring(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	m := &AccountManager{ConfigPath: path, Kinds: kinds.List().Config(), KeyringProblem: "no Secret Service on the session bus"}
	a := config.Account{Name: "site", Kind: "een", Endpoint: "https://api.c000.eagleeyenetworks.com", Token: "tok-123456"}
	saved, note, err := m.save("", config.Account{}, a)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Token != "tok-123456" || !strings.HasPrefix(note, "No OS keyring (no Secret Service on the session bus)") {
		t.Fatalf("saved %+v with note %q", saved, note)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `token = "tok-123456"`) {
		t.Fatalf("file:\n%s", data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
}

// TestEditWHEPAccountKeepsItsStreams opens a whep account in the form: its
// streams show one per line from the kind's table field, the secret input
// is left empty, and the account the form gives back keeps every stream
// with its own keyring token; a token typed in applies to every stream.
func TestEditWHEPAccountKeepsItsStreams(t *testing.T) {
	test.NewTempApp(t)
	m := &AccountManager{ConfigPath: filepath.Join(t.TempDir(), "config.toml"), Kinds: kinds.List().Config()}
	old := config.Account{Name: "media", Kind: "whep", WHEPStreams: []config.WHEPStream{
		{Name: "lobby", URL: "https://m.example.com/lobby/whep", PublishURL: "https://m.example.com/lobby/whip", Token: "keyring:media-lobby-token"},
		{Name: "garage", URL: "https://m.example.com/garage/whep"},
	}}
	f := newAccountForm(m, &old, nil)
	if got, want := f.entry("stream").Text, "lobby https://m.example.com/lobby/whep https://m.example.com/lobby/whip\ngarage https://m.example.com/garage/whep"; got != want {
		t.Fatalf("streams input %q, want %q", got, want)
	}
	if e := f.entry("stream.token"); e == nil || e.Text != "" || e.PlaceHolder == "" {
		t.Fatalf("token input %+v", e)
	}
	if len(f.Problems()) != 0 {
		t.Fatalf("problems %v", f.Problems())
	}
	if got := f.account().WHEPStreams; !reflect.DeepEqual(got, old.WHEPStreams) {
		t.Fatalf("the form gives back %+v, want %+v", got, old.WHEPStreams)
	}
	f.entry("stream").SetText("lobby https://m.example.com/lobby/whep\ngarage http://m.example.com/garage/whep")
	if p := f.Problems()["stream"]; p != "WHEP URL must use https://; http:// is allowed only for 127.0.0.1, localhost or ::1" {
		t.Fatalf("plain http stream: problem %q", p)
	}
	f.entry("stream").SetText("lobby https://m.example.com/lobby/whep")
	f.entry("stream.token").SetText("tok")
	if got := f.account().WHEPStreams; len(got) != 1 || got[0].Token != "tok" || got[0].PublishURL != "" {
		t.Fatalf("the form gives back %+v", got)
	}
}
