package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/demo"
)

// syncBuffer is a bytes.Buffer many goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDebugLogsCarryNoSecret runs the demo site, snapshot, talk and check at
// --log-level debug and looks for every credential the demo site issued or
// saw in all their logs: the Access Secret, access and refresh tokens, MQTT
// passwords, TURN credentials, camera auth, request signatures and the ICE
// passwords of both sides (what pion calls remotePwd).
func TestDebugLogsCarryNoSecret(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	secrets := map[string]bool{}
	var siteLogs syncBuffer
	_, cfg := siteConfig(t, demo.Config{
		Logger: slog.New(slog.NewTextHandler(&siteLogs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Secrets: func(s string) {
			mu.Lock()
			secrets[s] = true
			mu.Unlock()
		},
	})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	f := audio.Format{SampleRate: 8000, Channels: 1}
	writeWAV(t, in, audio.Tone(440, -12, f, time.Second), f)

	runs := []struct {
		name string
		args []string
	}{
		{"snapshot", []string{"snapshot", "demo/cam1", "-o", filepath.Join(dir, "s.png")}},
		{"talk", []string{"talk", "demo/cam2", "--in", in}},
		{"check", []string{"check", "--no-devices"}},
	}
	logs := map[string]string{}
	for _, r := range runs {
		code, _, stderr := lookout(t, context.Background(), append([]string{"--config", cfg, "--log-level", "debug"}, r.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", r.name, code, stderr)
		}
		logs[r.name] = stderr
	}
	logs["demo site"] = siteLogs.String()

	// The logs must be debug logs that include pion's ICE agent, or the
	// test proves nothing.
	for name, l := range logs {
		if !strings.Contains(l, "level=DEBUG") {
			t.Errorf("%s: no debug log at all", name)
		}
	}
	if !strings.Contains(logs["snapshot"]+logs["demo site"], "pion=ice") {
		t.Error("no log of pion's ICE agent")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(secrets) < 12 {
		t.Fatalf("the demo site reported only %d secrets", len(secrets))
	}
	for name, l := range logs {
		for s := range secrets {
			if i := strings.Index(l, s); i >= 0 {
				start := strings.LastIndexByte(l[:i], '\n') + 1
				end := i + strings.IndexByte(l[i:]+"\n", '\n')
				t.Errorf("%s log carries a secret:\n%s", name, strings.ReplaceAll(l[start:end], s, "<SECRET>"))
			}
		}
	}
}
