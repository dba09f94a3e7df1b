package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/kinds"
)

// refusingKeyring is the tests' keyring whose Delete fails, as a locked
// Secret Service does.
type refusingKeyring struct{ *memKeyring }

func (refusingKeyring) Delete(key string) error {
	return fmt.Errorf("%w: the collection is locked", config.ErrKeyringUnavailable)
}

// shownText returns every text drawn in o and below it.
func shownText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.RichText:
			b.WriteString(x.String() + "\n")
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// TestRemoveAccountKeyringRefuses: when the keyring cannot delete the
// removed account's secret, the window still takes the account out of the
// file and the sidebar, and shows an error naming the keyring entry left
// and how to delete it.
func TestRemoveAccountKeyringRefuses(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1200, 800))
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	path := filepath.Join(t.TempDir(), "config.toml")
	doc := "# desk config\n\n[[account]]\nname = \"shop\"\nkind = \"tuya\"\nendpoint = " + config.Quote(site.TuyaEndpoint()) +
		"\nclient_id = " + config.Quote(site.ClientID()) + "\nsecret = \"keyring:shop-secret\"\nuid = " + config.Quote(site.UID()) + "\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	mem := &memKeyring{secrets: map[string]string{"shop-secret": site.Secret()}}
	kr := refusingKeyring{mem}
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

	win.removeAccount("shop")
	data, _ := os.ReadFile(path)
	if string(data) != "# desk config\n" {
		t.Fatalf("after removal the file holds:\n%s", data)
	}
	if win.sidebar.node("shop") != nil {
		t.Error("the sidebar still lists the removed account")
	}
	if _, err := mem.Get("shop-secret"); err != nil {
		t.Fatal("the double deleted the secret")
	}
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog says the secret stayed in the keyring")
	}
	text := shownText(top)
	for _, want := range []string{"shop-secret", "secret-tool clear service lookout username shop-secret"} {
		if !strings.Contains(text, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, site.Secret()) {
		t.Fatal("the dialog shows the secret")
	}
}
