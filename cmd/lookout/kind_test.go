package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/whep"
)

// probeKind is a kind of account only this test knows: one camera behind
// a WHEP endpoint, with keys no other kind has (whep_url, label), kept in
// Account.Values.
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
	return []session.Device{{ID: "cam", Name: d.label, Type: session.TypeCamera, Online: true, Talk: session.TalkNone}}, nil
}

// TestTestOnlyKindInListAndSnapshot adds a probecam account to the demo
// site's config. Before probecam is in the list of kinds the file is a bad
// config (exit 2: no kind has the key whep_url); once a
// line registers it, `lookout list` shows its camera under its label and
// `lookout snapshot` takes its picture (the demo's WHEP garage stream).
func TestTestOnlyKindInListAndSnapshot(t *testing.T) {
	site, cfg := siteConfig(t, demo.Config{Cameras: 1, RoomPeriod: time.Hour})
	ca := filepath.Join(filepath.Dir(cfg), "ca.pem")
	doc, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, "\n[[account]]\nname = \"probe\"\nkind = \"probecam\"\nwhep_url = "+config.Quote(site.WHEP().URL()+"/whep/garage")+
		"\nlabel = \"Gate\"\nca_file = "+config.Quote(ca)+"\n"...)
	if err := os.WriteFile(cfg, doc, 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "list", "--json")
	if want := `unknown key "whep_url" in [[account]]`; code != 2 || !strings.Contains(stderr, want) {
		t.Fatalf("before registering: exit %d, stderr %q; want 2 and %q", code, stderr, want)
	}

	saved := kindList
	kindList = append(kindList[:len(kindList):len(kindList)], probeKind)
	t.Cleanup(func() { kindList = saved })

	code, out, stderr := lookout(t, context.Background(), "--config", cfg, "list", "--json")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	var got []listEntry
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	want := listEntry{Source: "probe/cam", Account: "probe", Kind: "probecam", Type: "camera", Name: "Gate", Online: true, Talk: "none"}
	found := false
	for _, e := range got {
		if e.Account == "probe" {
			if e != want {
				t.Errorf("list has %+v, want %+v", e, want)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("list does not show the probecam account:\n%s", out)
	}

	png := filepath.Join(t.TempDir(), "probe.png")
	if code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "probe/cam", "-o", png); code != 0 {
		t.Fatalf("snapshot: exit %d: %s", code, stderr)
	}
	p := imagePSNR(t, decodePNG(t, png), ffmpegDecode(t, site.WHEP().FirstPicture("garage")))
	t.Logf("probe/cam: PSNR %.1f dB against ffmpeg's decode of the IDR served", p)
	if p < 30 {
		t.Fatalf("PSNR %.1f dB, want at least 30", p)
	}
}
