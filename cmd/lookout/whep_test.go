package main

import (
	"context"
	"encoding/json"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/check"
	"github.com/lookout-app/lookout/session/demo"
)

// ffmpegDecode decodes one Annex-B access unit with the ffmpeg CLI into a
// PNG and returns it.
func ffmpegDecode(t *testing.T, au []byte) image.Image {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI to decode the reference picture:", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "ref.h264"), filepath.Join(dir, "ref.png")
	if err := os.WriteFile(in, au, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-loglevel", "error", "-y", "-f", "h264", "-i", in, "-frames:v", "1", "-pix_fmt", "rgb24", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	return decodePNG(t, out)
}

// imagePSNR is the PSNR of two pictures' RGB samples, in dB.
func imagePSNR(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	var sum float64
	n := 0
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				sum += d * d
				n++
			}
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

func TestWHEPSnapshotMatchesServedPicture(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{Cameras: 1, RoomPeriod: time.Hour})
	dir := t.TempDir()
	for _, tc := range []struct {
		name, source, feed string
	}{
		{"whep stream", "media/lobby", "lobby"},
		{"whep stream without trickle", "media/garage", "garage"},
		{"trtc room", "meet/8080", "Room 8080"},
		{"trtc member", "meet/8080/bob", "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.source, "/", "-")+".png")
			code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", tc.source, "-o", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := decodePNG(t, out)
			ref := ffmpegDecode(t, site.WHEP().FirstPicture(tc.feed))
			p := imagePSNR(t, got, ref)
			t.Logf("%s: %v, PSNR %.1f dB against ffmpeg's decode of the IDR served", tc.source, got.Bounds().Size(), p)
			if p < 30 {
				t.Fatalf("PSNR %.1f dB, want at least 30", p)
			}
		})
	}
}

func TestTalkIntoWHIPAndRoom(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{Cameras: 1, RoomPeriod: time.Hour})
	dir := t.TempDir()
	inFormat := audio.Format{SampleRate: 44100, Channels: 2}
	for _, tc := range []struct {
		name, source, publish string
		hz                    float64
	}{
		{"whip stream", "media/lobby", "lobby", 440},
		{"trtc room", "meet/8080", "8080", 660},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, tc.publish+".wav")
			writeWAV(t, in, audio.Tone(tc.hz, -12, inFormat, 2*time.Second), inFormat)
			code, _, stderr := lookout(t, context.Background(), "--config", cfg, "talk", tc.source, "--in", in)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := site.WHEP().Received(tc.publish)
			if len(got) < 48000 {
				t.Fatalf("server received %d samples, want about 2 s at 48 kHz", len(got))
			}
			body := got[len(got)/4 : len(got)*3/4]
			if f := audio.DominantFrequency(body, 48000); math.Abs(f-tc.hz)/tc.hz > 0.02 {
				t.Fatalf("server heard %.1f Hz, want %.0f Hz within 2%%", f, tc.hz)
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for site.WHEP().Resources() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := site.WHEP().Resources(); n != 0 {
		t.Fatalf("%d sessions left on the server: hang-up (DELETE) missing", n)
	}
}

func TestTRTCWrongSecretKey(t *testing.T) {
	t.Parallel()
	_, cfg := siteConfig(t, demo.Config{Cameras: 1})
	bad := rewrite(t, cfg, "secret_key", "not-the-sdk-secret-key")
	for _, args := range [][]string{
		{"snapshot", "meet/8080", "-o", filepath.Join(t.TempDir(), "x.png")},
		{"talk", "meet/8080", "--in", filepath.Join(t.TempDir(), "none.wav")},
	} {
		t.Run(args[0], func(t *testing.T) {
			if args[0] == "talk" {
				f := audio.Format{SampleRate: 16000, Channels: 1}
				writeWAV(t, args[3], audio.Tone(440, -12, f, time.Second), f)
			}
			start := time.Now()
			code, _, stderr := lookout(t, context.Background(), append([]string{"--config", bad}, args...)...)
			took := time.Since(start)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, stderr)
			}
			if !strings.Contains(stderr, "UserSig") || !strings.Contains(stderr, "meet/8080") {
				t.Fatalf("message does not name UserSig and the source: %q", stderr)
			}
			if took > 10*time.Second {
				t.Fatalf("took %s, want under 10 s", took)
			}
			t.Logf("%s in %s", strings.TrimSpace(stderr), took.Round(time.Millisecond))
		})
	}
}

func TestListDemoWHEPAndTRTC(t *testing.T) {
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
	want := []listEntry{
		{Source: "media/lobby", Account: "media", Kind: "whep", Type: "stream", Name: "lobby", Online: true, Talk: "full"},
		{Source: "media/garage", Account: "media", Kind: "whep", Type: "stream", Name: "garage", Online: true, Talk: "none"},
		{Source: "meet/8080", Account: "meet", Kind: "trtc", Type: "room", Name: "8080", Online: true, Talk: "full"},
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no entry %+v in\n%s", w, out)
		}
	}
}

func TestCheckWHEPAndTRTCAccounts(t *testing.T) {
	t.Parallel()
	site, cfg := siteConfig(t, demo.Config{Cameras: 1})
	code, rep, stderr := runCheck(t, "--config", cfg, "--no-devices", "--account", "media", "--account", "meet", "--account", demo.WCSAccount)
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, ok %v: %s", code, rep.OK, stderr)
	}
	if len(rep.Accounts) != 3 {
		t.Fatalf("%d accounts checked, want media, meet and %s", len(rep.Accounts), demo.WCSAccount)
	}
	// Each measured the path to its own server: a real session played
	// (and published to), its host named.
	for _, a := range rep.Accounts {
		want := map[string]string{"media": "played stream lobby and published a probe to it at ",
			"meet":          "played room " + site.WHEP().Room() + " and published a probe to it at ",
			demo.WCSAccount: "played stream " + demo.WCSStreams[0] + " and published a probe to it at "}[a.Account]
		if !strings.HasPrefix(a.Measured, want+a.Host) || !strings.HasPrefix(a.Host, "127.0.0.1:") || a.Quality != check.QualityExcellent {
			t.Errorf("%s: measured %q to host %q, quality %d; want %q", a.Account, a.Measured, a.Host, a.Quality, want+"127.0.0.1:PORT")
		}
		if a.Account == demo.WCSAccount {
			continue // WCS hands out no ICE servers
		}
		for _, name := range []string{"api", "https", "stun", "candidates", "probe"} {
			s := step(t, a, name)
			if !s.OK || s.Detail == "" {
				t.Errorf("%s: step %+v: want ok with a detail", a.Account, s)
			}
		}
		// The STUN server checked is the one the endpoints' Link headers
		// handed out.
		if s := step(t, a, "stun"); !strings.Contains(s.Detail, strings.TrimPrefix(site.STUNURL(), "stun:")) {
			t.Errorf("%s: stun step %q, want the site's %s", a.Account, s.Detail, site.STUNURL())
		}
	}
	bad := rewrite(t, cfg, "secret_key", "wrong")
	code, rep, _ = runCheck(t, "--config", bad, "--no-devices", "--account", "meet")
	if code != 1 || rep.OK {
		t.Fatalf("wrong SDKSecretKey: exit %d ok %v, want 1 and false", code, rep.OK)
	}
	if s := step(t, rep.Accounts[0], "api"); s.OK || !strings.Contains(s.Detail, "UserSig") {
		t.Fatalf("api step %+v, want a failure naming UserSig", s)
	}
}

func TestTRTCExpiredUserSig(t *testing.T) {
	t.Parallel()
	// The room's clock runs two days ahead: the 24 h UserSig the client
	// computes now has expired by its reckoning.
	_, cfg := siteConfig(t, demo.Config{Cameras: 1, RoomClockSkew: 48 * time.Hour})
	start := time.Now()
	code, _, stderr := lookout(t, context.Background(), "--config", cfg, "snapshot", "meet/8080", "-o", filepath.Join(t.TempDir(), "x.png"))
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if want := "lookout: snapshot meet/8080: UserSig refused: UserSig has expired (70001)\n"; stderr != want {
		t.Fatalf("stderr %q, want %q", stderr, want)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %s, want under 10 s", took)
	}
}
