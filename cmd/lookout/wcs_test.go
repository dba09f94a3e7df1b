package main

import (
	"context"
	"image"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/demo"
	demowcs "github.com/lookout-app/lookout/session/demo/wcs"
)

// wcsSource names a stream of the demo site's WCS account.
func wcsSource(stream string) string { return demo.WCSAccount + "/" + stream }

// checkNoViolations fails the test if Lookout broke the WCS protocol as the
// demo server reads it.
func checkNoViolations(t *testing.T, site *demo.Site) {
	t.Helper()
	if v := site.WCS().Violations(); len(v) > 0 {
		t.Errorf("the WCS server saw protocol violations: %q", v)
	}
}

// TestWCSSnapshotIsTheServedPicture takes a snapshot of a WCS stream and
// compares it with the FFmpeg CLI's decode of the very access unit the
// server started the stream with.
func TestWCSSnapshotIsTheServedPicture(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed; it makes the reference decode")
	}
	site, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	out := filepath.Join(dir, "lobby.png")
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", wcsSource("lobby"), "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkNoViolations(t, site)
	au := site.WCS().FirstPicture("lobby")
	if len(au) == 0 {
		t.Fatal("the server sent no picture")
	}
	h264, raw := filepath.Join(dir, "first.h264"), filepath.Join(dir, "first.rgba")
	if err := os.WriteFile(h264, au, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-y", "-f", "h264", "-i", h264, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", raw).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	ref, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := decodePNG(t, out)
	if got := m.Bounds().Size(); got != image.Pt(demo.SubWidth, demo.SubHeight) {
		t.Fatalf("snapshot is %v, want %dx%d", got, demo.SubWidth, demo.SubHeight)
	}
	if len(ref) != 4*demo.SubWidth*demo.SubHeight {
		t.Fatalf("ffmpeg decoded %d bytes, want one %dx%d RGBA picture", len(ref), demo.SubWidth, demo.SubHeight)
	}
	rgba := image.NewRGBA(m.Bounds())
	for y := 0; y < demo.SubHeight; y++ {
		for x := 0; x < demo.SubWidth; x++ {
			rgba.Set(x, y, m.At(x, y))
		}
	}
	p := psnrRGB(rgba.Pix, ref)
	t.Logf("snapshot vs FFmpeg's decode of the served picture: PSNR %.1f dB", p)
	if p < 30 {
		t.Fatalf("PSNR %.1f dB, want >= 30", p)
	}
}

// TestWCSTalkHeardOnTalkStream talks on a WCS stream: the WAV is published
// as the audio-only stream "<stream>-talk", where the server hears it,
// while the stream's own audio keeps playing (--out).
func TestWCSTalkHeardOnTalkStream(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{})
	dir := t.TempDir()
	in, out := filepath.Join(dir, "tone.wav"), filepath.Join(dir, "reply.wav")
	f := audio.Format{SampleRate: 44100, Channels: 2}
	writeWAV(t, in, audio.Tone(523.25, -12, f, 2*time.Second), f)
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "talk", wcsSource("dock"), "--in", in, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkNoViolations(t, site)
	pcm, rate := site.WCS().Recorded("dock-talk")
	if rate == 0 || len(pcm) < rate {
		t.Fatalf("the server recorded %d samples at %d Hz on dock-talk, want about 2 s", len(pcm), rate)
	}
	if other, _ := site.WCS().Recorded("dock"); len(other) != 0 {
		t.Fatal("talk audio was published under the played stream's own name")
	}
	body := pcm[len(pcm)/4 : len(pcm)*3/4]
	if fr := audio.DominantFrequency(body, rate); math.Abs(fr-523.25)/523.25 > 0.02 {
		t.Fatalf("the server heard %.1f Hz on dock-talk, want 523.25 Hz within 2%%", fr)
	}
	rec, rf := readWAV(t, out)
	if len(rec) < rf.SampleRate {
		t.Fatalf("--out holds %d samples at %v, want about 2 s of the stream's audio", len(rec), rf)
	}
	if fr := audio.DominantFrequency(rec[len(rec)/4:len(rec)*3/4], rf.SampleRate); math.Abs(fr-demowcs.ToneHz)/demowcs.ToneHz > 0.02 {
		t.Fatalf("--out holds %.1f Hz, want the stream's %d Hz tone", fr, demowcs.ToneHz)
	}
}

// TestWCSUnknownStream plays a stream the server does not have: exit 1
// with the server's info and status, well within 10 s.
func TestWCSUnknownStream(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{})
	start := time.Now()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", wcsSource("nope"), "-o", filepath.Join(t.TempDir(), "x.png"))
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s, want under 10 s", d)
	}
	want := "lookout: snapshot " + wcsSource("nope") + ": Stream not found (FAILED)\n"
	if code != 1 || stderr != want {
		t.Fatalf("exit %d stderr %q, want 1 and %q", code, stderr, want)
	}
	checkNoViolations(t, site)
}

// TestWCSListAndCheck lists the demo's WCS streams as live and checks the
// account's WebSocket endpoint.
func TestWCSListAndCheck(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{})
	code, out, stderr := lookout(t, context.Background(), "--config", cfg, "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 4 {
			rows[f[0]] = strings.Join(f[1:4], " ")
		}
	}
	for _, s := range demo.WCSStreams {
		if got := rows[wcsSource(s)]; got != "stream yes full" {
			t.Errorf("list shows %s as %q, want a live stream with talk:\n%s", wcsSource(s), got, out)
		}
	}
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices", "--account", demo.WCSAccount)
	if code != 0 || !rep.OK || len(rep.Accounts) != 1 {
		t.Fatalf("check: exit %d, ok %v, %d accounts: %s", code, rep.OK, len(rep.Accounts), stderr)
	}
	a := rep.Accounts[0]
	if a.Account != demo.WCSAccount || a.Kind != "wcs" || !a.OK {
		t.Fatalf("account %+v", a)
	}
	for _, name := range []string{"wss", "candidates"} {
		if s := step(t, a, name); !s.OK || s.Detail == "" {
			t.Errorf("step %+v: want ok with a detail", s)
		}
	}
}

// TestWCSConnectErrors: a server that refuses the application, and one
// that is not there, fail the command with a one-line reason, quickly.
func TestWCSConnectErrors(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "ws://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"wrong app_key", "app_key", "otherApp", `: connection: unknown appKey "otherApp"`},
		{"server down", "url", dead, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := lookout(t, context.Background(), "--config", rewriteIn(t, cfg, demo.WCSAccount, tc.key, tc.value), "snapshot", wcsSource("lobby"), "-o", filepath.Join(t.TempDir(), "x.png"))
			if code != 1 || !strings.HasPrefix(stderr, "lookout: snapshot "+wcsSource("lobby")+": ") || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d stderr %q, want 1 and one line with %q", code, stderr, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}
