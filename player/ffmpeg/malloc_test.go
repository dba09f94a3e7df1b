package ffmpeg

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
)

// mallocChildEnv names what TestMallocChild does in a child process: "bound"
// calls BoundCHeap first, "plain" leaves glibc as it starts.
const mallocChildEnv = "LOOKOUT_TEST_MALLOC_CHILD"

// runMallocChild runs TestMallocChild in a fresh process (glibc's arenas
// and thresholds are process-wide and only ever grow) with mode and extra
// environment, and returns its output and error.
func runMallocChild(t *testing.T, mode string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMallocChild$", "-test.v", "-test.count=1")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "MALLOC_ARENA_MAX" || k == "MALLOC_MMAP_THRESHOLD_" || k == "GLIBC_TUNABLES" || k == mallocChildEnv {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, append(env, mallocChildEnv+"="+mode)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBoundCHeap checks, each in a fresh process, that BoundCHeap keeps
// sixteen threads allocating at once to at most two arenas, and that a
// thread that frees what it allocated leaves its arena trimmed even after a
// 1 MB block was freed (glibc's default then raises its trim threshold to
// 2 MB and keeps the freed memory); that without BoundCHeap the same steps
// do make more arenas and keep the memory (so the check can fail); and that
// BoundCHeap leaves glibc alone when the environment tunes it.
func TestBoundCHeap(t *testing.T) {
	for _, tc := range []struct {
		mode string
		env  []string
	}{
		{"bound", nil},
		{"plain", nil},
		{"env", []string{"MALLOC_ARENA_MAX=4"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			out, err := runMallocChild(t, tc.mode, tc.env...)
			if err != nil || !strings.Contains(out, "--- PASS: TestMallocChild") {
				t.Fatalf("child (%s): %v\n%s", tc.mode, err, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "arenas before") {
					t.Log(strings.TrimSpace(l))
				}
			}
		})
	}
}

// TestMallocChild is TestBoundCHeap's child; it skips unless run by it.
func TestMallocChild(t *testing.T) {
	mode := os.Getenv(mallocChildEnv)
	switch mode {
	case "":
		t.Skip("run by TestBoundCHeap in a child process")
	case "env":
		changed, err := BoundCHeap()
		if changed || err != nil {
			t.Fatalf("BoundCHeap with MALLOC_ARENA_MAX set = %v, %v; want false, nil", changed, err)
		}
		return
	case "bound":
		changed, err := BoundCHeap()
		if !changed || err != nil {
			t.Fatalf("BoundCHeap = %v, %v; want true, nil", changed, err)
		}
	}
	before := mallocArenasInUse()
	if err := mallocFromThreads(16); err != nil {
		t.Fatal(err)
	}
	after := mallocArenasInUse()
	kept := mallocKeptAfterFree()
	t.Logf("%s: %d arenas before 16 threads, %d after; %d kB kept after a thread freed 2 MB", mode, before, after, kept/1024)
	if before < 1 || kept < 0 {
		t.Fatalf("malloc_info reported %d arenas; kept %d", before, kept)
	}
	if mode == "bound" {
		if after > max(before, mallocArenas) {
			t.Errorf("%d arenas after 16 threads (%d before), want at most %d", after, before, max(before, mallocArenas))
		}
		if kept >= 512<<10 {
			t.Errorf("the arenas kept %d kB after a thread freed everything it allocated, want under 512 kB", kept/1024)
		}
		return
	}
	// Without the bound, glibc behaves as BoundCHeap's reasons say.
	if after <= max(before, mallocArenas) {
		t.Errorf("plain glibc: %d arenas after 16 threads (%d before); the bound would not show", after, before)
	}
	if kept < 768<<10 {
		t.Errorf("plain glibc kept only %d kB after a thread freed 1 MB of blocks; the trim threshold would not show", kept/1024)
	}
}

// BenchmarkSixteenDecodersCHeap opens 16 H.264 decoders on a 640x360 stream
// coded as the demo cameras code theirs (libx264 ultrafast, zerolatency:
// one reference picture), scales to a 4x4 wall's tile (250x140) and reports
// the C heap each decoder holds once open (kB-open/decoder: FFmpeg's
// H264Context) and after two seconds of pictures (kB/decoder: with its
// picture pool, its tables for the picture size and the scaler).
func BenchmarkSixteenDecodersCHeap(b *testing.B) {
	requireFFmpeg(b)
	clip := makeClip(b, b.TempDir(), "clip.h264", "640x360", 2,
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0", "-g", "50",
		"-pix_fmt", "yuv420p", "-f", "h264")
	aus := h264AccessUnits(b, clip)
	const n = 16
	var open, held float64
	for b.Loop() {
		start := mallocInUse()
		decs := make([]*Decoder, 0, n)
		for range n {
			d, err := NewDecoder(player.MimeTypeH264)
			if err != nil {
				b.Fatal(err)
			}
			d.SetOutputSize(250, 140)
			decs = append(decs, d)
		}
		opened := mallocInUse()
		sink := player.NewLatest()
		for i, au := range aus {
			for _, d := range decs {
				if err := d.Decode(player.AccessUnit{Data: au, PTS: time.Duration(i) * time.Second / 30}, sink.PutFrame); err != nil {
					b.Fatal(err)
				}
			}
		}
		end := mallocInUse()
		for _, d := range decs {
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
		}
		open += float64(opened-start) / n / 1024
		held += float64(end-start) / n / 1024
	}
	b.ReportMetric(open/float64(b.N), "kB-open/decoder")
	b.ReportMetric(held/float64(b.N), "kB/decoder")
}

// rssAnon returns the process's resident anonymous memory.
func rssAnon(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("RssAnon %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no RssAnon in /proc/self/status")
	return 0
}

// TestTrimCHeap: 32 MB freed in a thread's arena below a block still in use
// stay resident (glibc trims only an arena's free top), and TrimCHeap gives
// them back.
func TestTrimCHeap(t *testing.T) {
	const blocks, size = 2048, 16 << 10 // 32 MB
	base := rssAnon(t)
	if err := fragmentCHeap(blocks); err != nil {
		t.Fatal(err)
	}
	defer releaseFragment()
	held := rssAnon(t)
	if held-base < blocks*size*3/4 {
		t.Fatalf("after freeing 32 MB below a block in use the RSS grew by %d kB only: glibc gave it back itself, nothing left to show", (held-base)>>10)
	}
	if !TrimCHeap() {
		t.Error("TrimCHeap reported that glibc gave nothing back")
	}
	after := rssAnon(t)
	t.Logf("anonymous RSS %d kB, %d kB with the hole, %d kB after TrimCHeap", base>>10, held>>10, after>>10)
	if held-after < blocks*size*3/4 {
		t.Errorf("TrimCHeap gave back %d kB of the 32 MB hole", (held-after)>>10)
	}
}
