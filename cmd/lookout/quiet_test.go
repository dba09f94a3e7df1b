package main

import (
	"bytes"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestNoiseFilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line  string
		noise bool
	}{
		{"Cannot connect to server socket err = No such file or directory", true},
		{"Cannot connect to server request channel", true},
		{"jack server is not running or cannot be started", true},
		{"JackShmReadWritePtr::~JackShmReadWritePtr - Init not done for -1, skipping unlock", true},
		{"ALSA lib confmisc.c:855:(parse_card) cannot find card '0'", true},
		{"Failed to open VDPAU backend libvdpau_nvidia.so: cannot open shared object file", true},
		{"[AVHWDeviceContext @ 0x55d] Cannot open the X11 display.", true},
		{"lookout: config /x/config.toml:3: unknown kind", false},
		{`time=2026-12-01T01:00:00Z level=WARN msg="cannot save the wall layout"`, false},
		{"panic: runtime error: index out of range", false},
		{"goroutine 1 [running]:", false},
	} {
		t.Run(tc.line, func(t *testing.T) {
			if got := isNoise(tc.line); got != tc.noise {
				t.Fatalf("isNoise = %v, want %v", got, tc.noise)
			}
		})
	}
}

// TestQuietStderrKeepsPanics runs itself as a child that writes library
// noise and a line of its own to file descriptor 2 (as C code does), then
// panics: the noise is gone, the line and the panic are there.
func TestQuietStderrKeepsPanics(t *testing.T) {
	t.Parallel()
	if os.Getenv("LOOKOUT_QUIET_CHILD") == "1" {
		quietStderr(slog.New(slog.DiscardHandler))
		_, _ = syscall.Write(2, []byte("jack server is not running or cannot be started\nALSA lib pcm.c:2664: Unknown PCM\n"))
		_, _ = syscall.Write(2, []byte("a line of our own\n"))
		log.Print("Fyne error:  Preferences load error:") // Go's log goes to the debug log
		time.Sleep(100 * time.Millisecond)
		panic("boom")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuietStderrKeepsPanics$")
	cmd.Env = append(childEnv(), "LOOKOUT_QUIET_CHILD=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err == nil {
		t.Fatal("the child did not panic")
	}
	got := errb.String()
	for _, want := range []string{"a line of our own\n", "panic: boom"} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
	for _, noise := range []string{"jack server", "ALSA lib", "Fyne error"} {
		if strings.Contains(got, noise) {
			t.Errorf("stderr has %q:\n%s", noise, got)
		}
	}
}

// TestQuietStderrLongPanicExits: a crash report longer than any pipe holds
// (a panic of a window with hundreds of goroutines, or a SIGQUIT's dump)
// reaches the real stderr and the process ends. The runtime writes the
// report to file descriptor 2 with every goroutine stopped, the filter's
// reader too: had the filter's pipe blocked its writer, the report would
// have stopped where the pipe filled, and the process with it, for ever
// (the window's rare "no exit within 20 s of an interrupt" was such a
// panic, parked in its own report).
func TestQuietStderrLongPanicExits(t *testing.T) {
	t.Parallel()
	const size = 3 << 20 // beyond the largest pipe an unprivileged process gets (1 MiB)
	if os.Getenv("LOOKOUT_QUIET_CHILD") == "long" {
		quietStderr(slog.New(slog.DiscardHandler))
		panic("start " + strings.Repeat("x", size) + " end")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuietStderrLongPanicExits$")
	cmd.Env = append(childEnv(), "LOOKOUT_QUIET_CHILD=long")
	// A file, not a pipe: exec's pipe reaches the child non-blocking, and
	// the runtime drops what a full pipe refuses.
	errf, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	cmd.Stderr = errf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Fatal("the child did not panic")
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatal("the child did not exit within 20 s of its panic")
	}
	b, err := os.ReadFile(errf.Name())
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.Contains(got, "panic: start xxx") || !strings.Contains(got, "x end") {
		t.Errorf("stderr lacks the whole panic (%d bytes)", len(got))
	}
}
