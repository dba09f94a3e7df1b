package whep_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/whep"
)

// mediamtxVersion names the source tarball of ../shared/thirdparty.
const mediamtxVersion = "v1.20.1-6-3e09466c"

// mediamtx returns the MediaMTX binary, built once from the shared source
// tarball into the user's cache folder; it skips the test, saying why,
// where that cannot be done.
func mediamtx(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no cache folder to build MediaMTX into:", err)
	}
	dir := filepath.Join(cache, "lookout-test", "mediamtx-"+mediamtxVersion)
	bin := filepath.Join(dir, "mediamtx")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	tarball, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "thirdparty", "mediamtx-src-"+mediamtxVersion+".tar.gz"))
	if err != nil {
		t.Skip(err)
	}
	if _, err := os.Stat(tarball); err != nil {
		t.Skipf("MediaMTX source tarball not found (%v): interoperability test skipped", err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			t.Skip("no go command to build MediaMTX with")
		}
	}
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xzf", tarball, "-C", src).CombinedOutput(); err != nil {
		t.Skipf("cannot unpack %s: %v: %s", tarball, err, out)
	}
	t.Log("building MediaMTX once into", dir)
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", bin+".tmp", ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build MediaMTX (its modules come from the module proxy): %v: %s", err, lastLines(out))
	}
	if err := os.Rename(bin+".tmp", bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func lastLines(b []byte) string {
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(l[max(0, len(l)-5):], "\n")
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMediaMTX runs MediaMTX on loopback until the test ends and returns
// its WebRTC base URL, API base URL and RTSP base URL.
func startMediaMTX(t *testing.T, bin string) (web, api, rtsp string) {
	t.Helper()
	api = fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	rtsp = fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	web = fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	udp := fmt.Sprintf("127.0.0.1:%d", freePort(t, "udp"))
	conf := fmt.Sprintf(`logLevel: info
api: true
apiAddress: %s
rtsp: true
rtspTransports: [tcp]
rtspAddress: %s
rtmp: false
hls: false
srt: false
moq: false
playback: false
webrtc: true
webrtcAddress: %s
webrtcLocalUDPAddress: %s
webrtcLocalTCPAddress: ""
webrtcIPsFromInterfaces: false
webrtcAdditionalHosts: [127.0.0.1]
webrtcICEServers2: []
paths:
  all_others:
`, api, rtsp, web, udp)
	dir := t.TempDir()
	path := filepath.Join(dir, "mediamtx.yml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, path)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("MediaMTX log:\n%s", logs.String())
		}
	})
	return "http://" + web, "http://" + api, "rtsp://" + rtsp
}

// feed publishes a test picture and a 440 Hz tone to MediaMTX with the
// ffmpeg CLI (H.264 baseline + Opus over RTSP/TCP) until the test ends.
func feed(t *testing.T, rtsp, name string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
		"-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-g", "30",
		"-c:a", "libopus", "-f", "rtsp", "-rtsp_transport", "tcp", rtsp+"/"+name)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

func waitReady(t *testing.T, api, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(api + "/v3/paths/get/" + name)
		if err == nil {
			var p struct {
				Ready bool `json:"ready"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if p.Ready {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("MediaMTX path %s not ready within 20 s", name)
}

func TestMediaMTXInterop(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI to feed MediaMTX:", err)
	}
	bin := mediamtx(t)
	web, api, rtsp := startMediaMTX(t, bin)
	feed(t, rtsp, "cam1")
	waitReady(t, api, "cam1")

	c, err := whep.New(whep.Config{Streams: []whep.Stream{
		{Name: "cam1", URL: web + "/cam1/whep", PublishURL: web + "/talk1/whip"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	latest := player.NewLatest()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	liveCh := make(chan struct{})
	var pcm []int16
	var pcmFormat audio.Format
	var audioMime string
	s, err := session.New(session.Config{
		Source: "media/cam1", ID: "cam1", Opener: c, Sink: latest,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		NewAudioDecoder: func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			audioMime = m
			return ffmpeg.NewAudioDecoder(m, rate, ch, out)
		},
		Audio:       audioSinkFunc(func(p []int16, f audio.Format) { pcm = append(pcm, p...); pcmFormat = f }),
		AudioFormat: audio.Format{SampleRate: 48000, Channels: 1},
		MaxAttempts: 1, ConnectTimeout: 15 * time.Second,
		OnStatus: func(st session.Status) {
			if st.State == session.StateLive {
				close(liveCh)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-liveCh:
	case err := <-done:
		t.Fatalf("session ended before a picture: %v", err)
	}
	f := latest.Load()
	if f == nil || f.Image.Rect.Dx() != 640 || f.Image.Rect.Dy() != 360 {
		t.Fatalf("first picture %+v, want 640x360", f)
	}

	// Talk: publish a 660 Hz tone to MediaMTX over WHIP and read it back
	// over RTSP with the ffmpeg CLI meanwhile.
	talkCtx, stopTalk := context.WithCancel(ctx)
	tone := audio.Tone(660, -12, audio.Format{SampleRate: 48000, Channels: 1}, 10*time.Second)
	talked := make(chan error, 1)
	go func() {
		talked <- s.Talk(talkCtx, audio.NewWAVCapturer(tone, audio.Format{SampleRate: 48000, Channels: 1}, false))
	}()
	waitReady(t, api, "talk1")
	read := exec.CommandContext(ctx, "ffmpeg", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", rtsp+"/talk1",
		"-t", "2", "-f", "s16le", "-ac", "1", "-ar", "48000", "-")
	out, err := read.Output()
	stopTalk()
	if terr := <-talked; terr != nil {
		t.Fatalf("talk: %v", terr)
	}
	if err != nil {
		t.Fatalf("reading the published talk back: %v", err)
	}
	back := make([]int16, len(out)/2)
	for i := range back {
		back[i] = int16(uint16(out[2*i]) | uint16(out[2*i+1])<<8)
	}
	if len(back) < 48000 {
		t.Fatalf("read back %d samples of talk", len(back))
	}
	if hz := audio.DominantFrequency(back[len(back)/4:], 48000); math.Abs(hz-660)/660 > 0.02 {
		t.Fatalf("MediaMTX holds %.1f Hz of talk, want 660 Hz", hz)
	}
	cancel()
	<-done
	if audioMime == "" || len(pcm) == 0 {
		t.Fatalf("no audio played from MediaMTX (codec %q)", audioMime)
	}
	if hz := audio.DominantFrequency(pcm[len(pcm)/2:], pcmFormat.SampleRate); math.Abs(hz-440)/440 > 0.02 {
		t.Fatalf("MediaMTX's audio is %.1f Hz, want ffmpeg's 440 Hz", hz)
	}
	t.Logf("played %dx%d video and %s audio from MediaMTX; talk read back at 660 Hz", f.Image.Rect.Dx(), f.Image.Rect.Dy(), audioMime)
}

type audioSinkFunc func([]int16, audio.Format)

func (f audioSinkFunc) PlayAudio(p []int16, fm audio.Format) { f(p, fm) }
