package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/demo"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
)

// TestTalkEENLoopback sends a 700 Hz tone to each talking demo speaker and
// checks the frequency the speaker decoded; through the full-duplex one,
// --out records the speaker's own 440 Hz tone.
func TestTalkEENLoopback(t *testing.T) {
	// Not parallel: its checks count real-time media (audio heard, a
	// watchdog's reason), which the other tests' probes could delay.
	site, cfg := siteConfig(t, demo.Config{Cameras: 1})
	dir := t.TempDir()
	in := filepath.Join(dir, "tone.wav")
	f := audio.Format{SampleRate: 44100, Channels: 2}
	writeWAV(t, in, audio.Tone(700, -12, f, 2*time.Second), f)
	for _, tc := range []struct {
		name, id, codec, direction string
		out                        bool
	}{
		{"half duplex", "lobby", "audio/opus", "recvonly", false},
		{"full duplex", "gate", "audio/opus", "sendrecv", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--config", cfg, "talk", "site/" + tc.id, "--in", in}
			out := filepath.Join(dir, tc.id+".wav")
			if tc.out {
				args = append(args, "--out", out)
			}
			code, _, stderr := lookout(t, context.Background(), args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			recs := site.EEN().Speaker(tc.id).Sessions()
			if len(recs) != 1 {
				t.Fatalf("%d sessions", len(recs))
			}
			r := recs[0]
			if r.Codec != tc.codec || r.Direction != tc.direction {
				t.Errorf("codec %s direction %s, want %s %s", r.Codec, r.Direction, tc.codec, tc.direction)
			}
			if len(r.Audio) < r.Rate {
				t.Fatalf("the speaker heard %d samples at %d Hz", len(r.Audio), r.Rate)
			}
			body := r.Audio[len(r.Audio)/4 : len(r.Audio)*3/4]
			got := audio.DominantFrequency(body, r.Rate)
			t.Logf("the speaker heard %.1f Hz (sent 700 Hz) in %d packets", got, r.Packets)
			if math.Abs(got-700)/700 > 0.02 {
				t.Errorf("the speaker heard %.1f Hz, want 700 Hz ±2%%", got)
			}
			if tc.out {
				rec, rf := readWAV(t, out)
				rec = audio.Mono(rec, rf.Channels)
				if len(rec) < rf.SampleRate {
					t.Fatalf("--out holds %d samples at %v", len(rec), rf)
				}
				if fr := audio.DominantFrequency(rec[len(rec)/4:len(rec)*3/4], rf.SampleRate); math.Abs(fr-eendemo.ToneHz)/eendemo.ToneHz > 0.02 {
					t.Errorf("--out holds %.1f Hz, want the speaker's %d Hz", fr, eendemo.ToneHz)
				}
			}
		})
	}
}

// eenConfig writes a config with the demo site's EEN edge and token.
func eenConfig(t *testing.T, site *demo.Site, token string) string {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, site.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.toml")
	toml := "[[account]]\nname = \"site\"\nkind = \"een\"\nendpoint = \"" + site.EEN().Endpoint() + "\"\ntoken = \"" + token + "\"\nca_file = \"" + ca + "\"\n"
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTalkEENRefused(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{Cameras: 1})
	good := filepath.Join(t.TempDir(), "good.wav")
	f := audio.Format{SampleRate: 8000, Channels: 1}
	writeWAV(t, good, audio.Tone(440, -12, f, time.Second), f)
	for _, tc := range []struct {
		name, cfg, source string
		prefix, contains  string
	}{
		{"bad token", eenConfig(t, site, "not-a-valid-token"), "site/lobby", "lookout: talk site/lobby: ", "Token not valid"},
		{"busy", cfg, "site/dock", "lookout: talk site/dock: the speaker is busy", "(busy: Speaker is busy)"},
		{"no such speaker", cfg, "site/attic", "lookout: talk site/attic: ", "no talkdown feed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := lookout(t, context.Background(), "--config", tc.cfg, "talk", tc.source, "--in", good)
			took := time.Since(start)
			t.Logf("exit %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(stderr))
			if code != 1 || !strings.HasPrefix(stderr, tc.prefix) || !strings.Contains(stderr, tc.contains) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d stderr %q, want 1, one line starting %q with %q", code, stderr, tc.prefix, tc.contains)
			}
			if took > 6*time.Second {
				t.Errorf("failed after %s, want within 6 s", took)
			}
		})
	}
}

// TestTalkEENDisconnect ends the session from the service's side mid-talk:
// the talk goes on in a new session within 1 s (spec 003 section 7: close
// and reset, then call again). Once somebody else has the speaker the next
// session is answered busy: the command stops with the reason, and the
// speaker has no session left open.
func TestTalkEENDisconnect(t *testing.T) {
	// Not parallel: its checks count real-time media (audio heard, a
	// watchdog's reason), which the other tests' probes could delay.
	site, cfg := siteConfig(t, demo.Config{Cameras: 1})
	in := filepath.Join(t.TempDir(), "long.wav")
	f := audio.Format{SampleRate: 8000, Channels: 1}
	writeWAV(t, in, audio.Tone(440, -12, f, 20*time.Second), f)
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := lookout(t, context.Background(), "--config", cfg, "talk", "site/lobby", "--in", in)
		done <- result{code, stderr}
	}()
	sp := site.EEN().Speaker("lobby")
	// waitTalk waits until session i has carried 1.2 s of talk (a session
	// the service ends within 1 s does not get a successor).
	waitTalk := func(i int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			if recs := sp.Sessions(); len(recs) == i+1 && recs[i].Packets > 60 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no talk reached session %d of the speaker within %s", i, within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitTalk(0, 15*time.Second)
	if n := site.EEN().Disconnect("lobby"); n != 1 {
		t.Fatalf("disconnected %d sessions", n)
	}
	waitTalk(1, 2200*time.Millisecond) // within 1 s, then 1.2 s of talk
	recs := sp.Sessions()
	if gap := recs[1].First.Sub(recs[0].Last); gap >= time.Second {
		t.Errorf("the speaker heard nothing for %s between the sessions", gap)
	}
	sp.SetBusy(true) // somebody else, the moment this session ends
	if n := site.EEN().Disconnect("lobby"); n != 1 {
		t.Fatalf("disconnected %d sessions", n)
	}
	at := time.Now()
	select {
	case r := <-done:
		t.Logf("exit %d %s after the second disconnect: %s", r.code, time.Since(at).Round(time.Millisecond), strings.TrimSpace(r.stderr))
		if r.code != 1 || !strings.HasPrefix(r.stderr, "lookout: talk site/lobby: ") || !strings.Contains(r.stderr, "speaker is busy") {
			t.Fatalf("exit %d stderr %q", r.code, r.stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("talk still running 5 s after the second disconnect")
	}
	if n := sp.Active(); n != 0 {
		t.Errorf("%d sessions still open", n)
	}
}

// TestListTuyaAndEEN lists a config with a Tuya and an EEN account.
func TestListTuyaAndEEN(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{Cameras: 1})
	code, out, stderr := lookout(t, context.Background(), "--config", cfg, "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []listEntry
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]listEntry{
		"demo/cam1":  {Source: "demo/cam1", Account: "demo", Kind: "tuya", Type: "camera", Online: true, Talk: "full"},
		"site/lobby": {Source: "site/lobby", Account: "site", Kind: "een", Type: "speaker", Name: "lobby", Online: true, Talk: "half"},
		"site/gate":  {Source: "site/gate", Account: "site", Kind: "een", Type: "speaker", Name: "gate", Online: true, Talk: "full"},
		"site/dock":  {Source: "site/dock", Account: "site", Kind: "een", Type: "speaker", Name: "dock", Online: true, Talk: "half"},
	}
	seen := 0
	for _, e := range got {
		w, ok := want[e.Source]
		if !ok {
			continue
		}
		seen++
		if e.Source == "demo/cam1" {
			w.Name = e.Name
		}
		if e != w {
			t.Errorf("%s = %+v, want %+v", e.Source, e, w)
		}
	}
	if seen != len(want) {
		t.Errorf("list --json has %d of the %d expected sources: %s", seen, len(want), out)
	}
	code, out, _ = lookout(t, context.Background(), "--config", cfg, "list")
	if code != 0 || !strings.Contains(out, "site/gate") || !strings.Contains(out, "speaker") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
}

// TestCheckEEN runs the pre-check of the EEN account: its REST directory,
// its WebSocket authorize, and STUN and TURN from getIceServers.
func TestCheckEEN(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{Cameras: 1})
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices", "--account", "site")
	if code != 0 || !rep.OK || len(rep.Accounts) != 1 {
		t.Fatalf("exit %d ok %v: %s %+v", code, rep.OK, stderr, rep.Accounts)
	}
	a := rep.Accounts[0]
	if a.Kind != "een" {
		t.Errorf("kind %q", a.Kind)
	}
	for _, name := range []string{"api", "een-directory", "een-authorize", "https", "wss", "stun", "turn-udp", "turn-tcp", "probe"} {
		if s := step(t, a, name); !s.OK {
			t.Errorf("step %s failed: %s", name, s.Detail)
		}
	}
	if s := step(t, a, "een-directory"); !strings.Contains(s.Detail, "3 talkdown feeds") {
		t.Errorf("directory step %q", s.Detail)
	}
	code, rep, _ = runCheck(t, "--config", eenConfig(t, site, "bad"), "--no-devices")
	if code != 1 || rep.OK {
		t.Fatalf("bad token: exit %d ok %v", code, rep.OK)
	}
	if s := step(t, rep.Accounts[0], "een-directory"); s.OK || !strings.Contains(s.Detail, "Token not valid") {
		t.Errorf("bad token: directory step %+v", s)
	}
}

func TestSpeakersHaveNoPicture(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{Cameras: 1})
	dir := t.TempDir()
	for _, args := range [][]string{
		{"snapshot", "site/gate", "-o", filepath.Join(dir, "x.png")},
		{"record", "site/gate", "-o", filepath.Join(dir, "x.mkv"), "--duration", "1s"},
	} {
		code, _, stderr := lookout(t, context.Background(), append([]string{"--config", cfg}, args...)...)
		if code != 2 || !strings.Contains(stderr, "site/gate is a speaker") {
			t.Errorf("%s: exit %d stderr %q, want 2 and a word on speakers", args[0], code, stderr)
		}
	}
}
