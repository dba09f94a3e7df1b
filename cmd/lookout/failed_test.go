package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session/demo"
)

// brokenConfig is the demo site's config plus an account "vault" whose
// client cannot be built: its secret names a keyring entry, and no keyring
// is reachable (TestMain points the session bus address at nothing).
func brokenConfig(t *testing.T) string {
	t.Helper()
	_, cfg := siteConfig(t, demo.Config{})
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("\n[[account]]\nname = \"vault\"\nkind = \"tuya\"\nendpoint = \"https://127.0.0.1:1\"\n"+
		"client_id = \"id\"\nsecret = \"keyring:vault-secret\"\nuid = \"u\"\n")...)
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestFailedAccountDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	cfg := brokenConfig(t)
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // a substring of stdout
		wantStderr string // a substring of stderr ("" = empty stderr)
	}{
		{name: "list prints the others and reports the failed one", args: []string{"list", "--json"},
			wantCode: 1, wantStdout: `"source": "demo/cam1"`, wantStderr: "lookout: list vault: "},
		{name: "snapshot of another account works", args: []string{"snapshot", "demo/cam1", "-o", filepath.Join(dir, "a.png")}},
		{name: "snapshot of the failed account says why", args: []string{"snapshot", "vault/cam1", "-o", filepath.Join(dir, "b.png")},
			wantCode: 1, wantStderr: "lookout: snapshot vault/cam1: "},
		{name: "check tests the others and fails the failed one", args: []string{"check", "--json", "--no-devices"},
			wantCode: 1, wantStdout: `"account": "demo"`, wantStderr: "lookout: check: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, stderr := lookout(t, ctx, append([]string{"--config", cfg}, tc.args...)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.wantCode, stderr)
			}
			if !strings.Contains(out, tc.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantStdout, out)
			}
			if tc.wantStderr == "" && stderr != "" || !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tc.wantStderr)
			}
			if tc.wantCode != 0 && !strings.Contains(stderr, "keyring") {
				t.Errorf("stderr does not give the reason (the keyring): %q", stderr)
			}
		})
	}

	t.Run("check reports each account", func(t *testing.T) {
		t.Parallel()
		checkEachAccount(t, ctx, cfg)
	})
}

// checkEachAccount: the check of brokenConfig reports the demo account
// passed and the vault account failed.
func checkEachAccount(t *testing.T, ctx context.Context, cfg string) {
	code, out, _ := lookout(t, ctx, "--config", cfg, "check", "--json", "--no-devices")
	var rep struct {
		Accounts []struct {
			Account string `json:"account"`
			OK      bool   `json:"ok"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("check: exit %d, %v", code, err)
	}
	got := map[string]bool{}
	for _, a := range rep.Accounts {
		got[a.Account] = a.OK
	}
	if ok, seen := got["demo"]; !seen || !ok {
		t.Errorf("check: demo account ok=%v (reported %v), want ok", ok, seen)
	}
	if ok, seen := got["vault"]; !seen || ok {
		t.Errorf("check: vault account ok=%v (reported %v), want a failed account", ok, seen)
	}
}

// TestFailedAccountInTheWindow checks what the window is handed: both
// accounts, the failed one's directory giving the reason its sidebar row
// shows (ui's sidebar tests show such an error row).
func TestFailedAccountInTheWindow(t *testing.T) {
	t.Parallel()
	cfg := brokenConfig(t)
	var errb syncBuffer
	g, _, err := parseGlobal([]string{"--config", cfg}, &errb)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := openWorkspace(context.Background(), g, false)
	if err != nil {
		t.Fatalf("openWorkspace: %v", err)
	}
	defer ws.Close()
	accs := uiAccounts(ws)
	if len(accs) < 2 || accs[0].Name != "demo" || accs[len(accs)-1].Name != "vault" {
		t.Fatalf("window accounts %+v, want demo first and vault last", accs)
	}
	if _, err := accs[len(accs)-1].Directory.Devices(context.Background()); err == nil || !strings.Contains(err.Error(), "keyring") {
		t.Errorf("vault's row reason %v, want the keyring problem", err)
	}
	if devs, err := accs[0].Directory.Devices(context.Background()); err != nil || len(devs) == 0 {
		t.Errorf("demo devices %d, %v", len(devs), err)
	}
}
