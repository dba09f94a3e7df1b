package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/kinds"
	"github.com/lookout-app/lookout/session/whep"
)

// probeKind is a kind of account only this test knows: one camera behind
// a WHEP endpoint, with keys no other kind has (whep_url, label), kept in
// Account.Values. It is the whole of what adding a kind takes: a
// descriptor, and one line in the list the test hands the form.
var probeKind = session.Kind{
	Config: config.Kind{
		Name:  "probecam",
		Title: "test-only WHEP camera",
		Fields: []config.Field{
			{Key: "whep_url", Label: "WHEP URL", Help: "The camera's WHEP endpoint", Required: true, Example: "https://example.com/whep"},
			{Key: "label", Label: "Label", Help: "What its tile is called", Example: "x"},
		},
		Validate: func(c *config.Check, a *config.Account) error {
			return errors.Join(c.URL(c.String("whep_url"), "https", "http", "whep_url"), c.NonEmpty("label"))
		},
	},
	Build: func(a config.Account, env session.Env) (*session.Client, error) {
		url, _ := a.Values["whep_url"].(string)
		label, _ := a.Values["label"].(string)
		c, err := whep.New(whep.Config{Streams: []whep.Stream{{Name: "cam", URL: url}}, HTTPClient: env.HTTPClient, Logger: env.Logger})
		if err != nil {
			return nil, err
		}
		return &session.Client{Directory: probeDirectory{label}, Opener: c, Close: c.Close}, nil
	},
}

// probeDirectory lists the one camera of a probecam account.
type probeDirectory struct{ label string }

func (d probeDirectory) Devices(context.Context) ([]session.Device, error) {
	return []session.Device{{ID: "cam", Name: d.label, Type: session.TypeCamera, Online: true}}, nil
}

// TestTestOnlyKindInTheFormAndOnTheWall registers probeKind into the list
// of kinds: the account form offers it with its own fields, labels and
// help, puts the validator's typed errors under the field they concern,
// saves it; the file parses with it; and its camera (the demo's WHEP
// garage stream) goes live on the wall under its label.
func TestTestOnlyKindInTheFormAndOnTheWall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	test.NewTempApp(t)
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, site.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	list := append(kinds.List(), probeKind)
	m := &AccountManager{ConfigPath: path, Kinds: list.Config(), Keyring: &memKeyring{secrets: map[string]string{}}}

	f := newAccountForm(m, nil, nil)
	w := test.NewTempWindow(t, f.box)
	w.Resize(fyne.NewSize(700, 600))
	if !contains(f.kind.Options, kindTitle(m.Kinds, "probecam")) {
		t.Fatalf("the form offers kinds %v, not the registered probecam", f.kind.Options)
	}
	f.kind.SetSelected(kindTitle(m.Kinds, "probecam"))
	hints := map[string]string{}
	for _, it := range f.form.Items {
		hints[it.Text] = it.HintText
	}
	if hints["WHEP URL"] != "The camera's WHEP endpoint" || hints["Label"] != "What its tile is called" || hints["CA file"] == "" {
		t.Fatalf("the form's inputs for probecam: %v", hints)
	}
	test.Type(f.name, "probe")
	if p := f.Problems()["whep_url"]; p != "WHEP URL is required" || !f.save.Disabled() {
		t.Fatalf("no whep_url: problem %q, save disabled %v", p, f.save.Disabled())
	}
	w.Canvas().Focus(f.entry("whep_url"))
	test.Type(f.entry("whep_url"), "ftp://cams.example.com/gate")
	const bad = "WHEP URL must be an absolute https:// url"
	if p := f.Problems()["whep_url"]; p != bad {
		t.Fatalf("ftp url: problem %q, want %q", p, bad)
	}
	if err := f.entry("whep_url").Validate(); err == nil || err.Error() != bad {
		t.Fatalf("the whep_url input says %v, want %q", err, bad)
	}
	w.Canvas().Focus(f.entry("label")) // the form shows an input's error once the user leaves it
	if !shows(f.form, bad) {
		t.Fatalf("the form does not show %q under its field", bad)
	}
	f.entry("whep_url").SetText(site.WHEP().URL() + "/whep/garage")
	f.entry("label").SetText("Gate")
	f.entry("ca_file").SetText(ca)
	if len(f.Problems()) != 0 || f.save.Disabled() {
		t.Fatalf("complete probecam account has problems %v", f.Problems())
	}
	test.Tap(f.save)
	drainUI()
	if !strings.HasPrefix(f.status.Text, "Saved.") {
		t.Fatalf("status %q after Save", f.status.Text)
	}

	cfg, err := list.Config().Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := cfg.Account("probe")
	if !ok || a.Kind != "probecam" || a.Values["label"] != "Gate" || a.CAFile != ca {
		t.Fatalf("the saved config holds %+v", cfg.Accounts)
	}
	if _, err := kinds.List().Config().Load(path); err == nil {
		t.Fatal("the file parses without probecam registered")
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	kind, _ := list.Lookup(a.Kind)
	c, err := kind.Build(a, session.Env{HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	devs, err := c.Directory.Devices(context.Background())
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v, %v", devs, err)
	}
	factory := func(source string, q session.Quality) (session.Config, error) {
		_, id, _ := strings.Cut(source, "/")
		return session.Config{Source: source, ID: id, Opener: c.Opener, Quality: q,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
			NewAudioDecoder: func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
				return ffmpeg.NewAudioDecoder(m, rate, ch, out)
			},
			AudioFormat: SpeakerFormat}, nil
	}
	wall := NewWall(context.Background(), factory, nil)
	ww := test.NewTempWindow(t, wall.Object())
	ww.Resize(fyne.NewSize(800, 500))
	wall.Add("probe/"+devs[0].ID, devs[0].Name)
	tile := wall.Tiles()[0]
	waitFor(t, "the probecam tile live with a picture", func() bool {
		return tile.Status().State == session.StateLive && tile.picture.Visible()
	})
	if !shows(wall.Object(), "Gate") {
		t.Error("the tile is not titled with the account's label")
	}
	wall.Close()
}

// shows reports whether a text reading s is drawn in o.
func shows(o fyne.CanvasObject, s string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text == s && x.Visible() {
			found = true
		}
	})
	return found
}
