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
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

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

// feed publishes a test picture (and a 440 Hz tone unless audio is nil)
// to MediaMTX with the ffmpeg CLI over RTSP/TCP until the test ends.
func feed(t *testing.T, rtsp, name string, video, audio []string) {
	t.Helper()
	args := []string{"-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"}
	if audio != nil {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440")
	}
	args = append(args, video...)
	if audio != nil {
		args = append(args, audio...)
	}
	args = append(args, "-f", "rtsp", "-rtsp_transport", "tcp", rtsp+"/"+name)
	cmd := exec.Command("ffmpeg", args...)
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

// mediaTap records the negotiated codecs.
type mediaTap struct {
	mu           sync.Mutex
	video, audio string
}

func (m *mediaTap) VideoUnit(c webrtc.RTPCodecParameters, _ []byte, _ bool, _ time.Time) {
	m.mu.Lock()
	m.video = c.MimeType
	m.mu.Unlock()
}

func (m *mediaTap) AudioPacket(c webrtc.RTPCodecParameters, _ []byte, _ time.Time) {
	m.mu.Lock()
	m.audio = c.MimeType
	m.mu.Unlock()
}

func TestMediaMTXInterop(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI to feed MediaMTX:", err)
	}
	bin := mediamtx(t)
	web, api, rtsp := startMediaMTX(t, bin)
	for _, tc := range []struct {
		name         string
		video, audio []string
		wantVideo    string
		wantAudio    string
		talk         bool
	}{
		{"h264 opus talk", []string{"-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-g", "30"},
			[]string{"-c:a", "libopus"}, webrtc.MimeTypeH264, webrtc.MimeTypeOpus, true},
		{"vp8 pcmu", []string{"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "1M"},
			[]string{"-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1"}, webrtc.MimeTypeVP8, webrtc.MimeTypePCMU, false},
		{"vp9 pcma", []string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "1M", "-strict", "experimental"},
			[]string{"-c:a", "pcm_alaw", "-ar", "8000", "-ac", "1"}, webrtc.MimeTypeVP9, webrtc.MimeTypePCMA, false},
		{"h265 no audio", []string{"-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-bf", "0"},
			nil, webrtc.MimeTypeH265, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := strings.ReplaceAll(tc.name, " ", "-")
			feed(t, rtsp, path, tc.video, tc.audio)
			waitReady(t, api, path)
			playMediaMTX(t, web, api, rtsp, path, tc.wantVideo, tc.wantAudio, tc.talk)
		})
	}
}

// playMediaMTX plays one path through a real session and checks the
// codecs and the picture; with talk, it also publishes a tone over WHIP
// and reads it back from MediaMTX.
func playMediaMTX(t *testing.T, web, api, rtsp, path, wantVideo, wantAudio string, talk bool) {
	c, err := whep.New(whep.Config{Streams: []whep.Stream{
		{Name: path, URL: web + "/" + path + "/whep", PublishURL: web + "/" + path + "-talk/whip"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	latest := player.NewLatest()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	liveCh := make(chan struct{})
	var (
		pcmMu     sync.Mutex
		pcm       []int16
		pcmFormat audio.Format
	)
	played := func() int {
		pcmMu.Lock()
		defer pcmMu.Unlock()
		return len(pcm)
	}
	tap := &mediaTap{}
	s, err := session.New(session.Config{
		Source: "media/" + path, ID: path, Opener: c, Sink: latest, Tap: tap,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		NewAudioDecoder: func(m string, rate, ch int, out audio.Format) (session.AudioDecoder, error) {
			return ffmpeg.NewAudioDecoder(m, rate, ch, out)
		},
		Audio: audioSinkFunc(func(p []int16, f audio.Format) {
			pcmMu.Lock()
			pcm = append(pcm, p...)
			pcmFormat = f
			pcmMu.Unlock()
		}),
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
	// Live is announced as the first picture is handed over.
	select {
	case <-latest.Ready():
	case <-time.After(5 * time.Second):
	}
	f := latest.Load()
	if f == nil || f.Image.Rect.Dx() != 640 || f.Image.Rect.Dy() != 360 {
		t.Fatalf("first picture %+v, want 640x360", f)
	}

	if talk {
		// Publish a 660 Hz tone to MediaMTX over WHIP and read it back over
		// RTSP with the ffmpeg CLI meanwhile.
		talkCtx, stopTalk := context.WithCancel(ctx)
		tone := audio.Tone(660, -12, audio.Format{SampleRate: 48000, Channels: 1}, 10*time.Second)
		talked := make(chan error, 1)
		go func() {
			talked <- s.Talk(talkCtx, audio.NewWAVCapturer(tone, audio.Format{SampleRate: 48000, Channels: 1}, false))
		}()
		waitReady(t, api, path+"-talk")
		read := exec.CommandContext(ctx, "ffmpeg", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", rtsp+"/"+path+"-talk",
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
	}
	if wantAudio != "" {
		// A second of the stream's audio (48 kHz after decoding).
		for deadline := time.Now().Add(10 * time.Second); played() < 48000 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	cancel()
	<-done
	tap.mu.Lock()
	gotVideo, gotAudio := tap.video, tap.audio
	tap.mu.Unlock()
	if !strings.EqualFold(gotVideo, wantVideo) || !strings.EqualFold(gotAudio, wantAudio) {
		t.Fatalf("negotiated %q and %q, want %q and %q", gotVideo, gotAudio, wantVideo, wantAudio)
	}
	if wantAudio != "" {
		if len(pcm) < pcmFormat.SampleRate/2 {
			t.Fatalf("%d samples of %s audio played", len(pcm), wantAudio)
		}
		if hz := audio.DominantFrequency(pcm[len(pcm)/2:], pcmFormat.SampleRate); math.Abs(hz-440)/440 > 0.02 {
			t.Fatalf("MediaMTX's %s audio is %.1f Hz, want ffmpeg's 440 Hz", wantAudio, hz)
		}
	}
	t.Logf("played %dx%d %s with %q audio from MediaMTX", f.Image.Rect.Dx(), f.Image.Rect.Dy(), gotVideo, gotAudio)
}

type audioSinkFunc func([]int16, audio.Format)

func (f audioSinkFunc) PlayAudio(p []int16, fm audio.Format) { f(p, fm) }
