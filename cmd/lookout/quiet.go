package main

import (
	"bufio"
	"context"
	"io"
	"log"
	"log/slog"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

// noise matches what libraries below the window print on stderr that tells
// a user nothing: the sound systems miniaudio probes (JACK, ALSA), the video
// drivers FFmpeg probes (VDPAU, VA-API).
var noise = regexp.MustCompile(`^(ALSA lib |Cannot connect to server |jack server is not running|Jack[A-Za-z]*::|` +
	`JackShm|Failed to open VDPAU|libva (info|error)|\[AVHWDeviceContext)|(?i)vdpau`)

// isNoise reports whether a stderr line is library noise.
func isNoise(line string) bool { return noise.MatchString(strings.TrimSpace(line)) }

// fSetPipeSize is Linux's F_SETPIPE_SZ (fcntl.h); pipeSize is the size
// asked for the filter's pipe, the most an unprivileged process gets by
// default (/proc/sys/fs/pipe-max-size).
const (
	fSetPipeSize = 1031
	pipeSize     = 1 << 20
)

// quietStderr filters the process's stderr (file descriptor 2, which C
// libraries write to directly) through isNoise until restore is called;
// everything else, a Go panic included, passes through. Go's log package,
// which Fyne writes its errors to, goes to the debug log instead.
func quietStderr(logger *slog.Logger) (restore func()) {
	log.SetOutput(slogWriter{logger})
	orig, err := syscall.Dup(2)
	if err != nil {
		return func() {}
	}
	r, w, err := os.Pipe()
	if err != nil {
		_ = syscall.Close(orig)
		return func() {}
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		_ = syscall.Close(orig)
		_ = r.Close()
		_ = w.Close()
		return func() {}
	}
	_ = w.Close() // fd 2 holds the write end now
	// A crash report is written to fd 2 with every goroutine stopped, this
	// filter's reader too: a blocking write end would park the report, and
	// the process with it, once the pipe filled (64 KiB, a panic's stacks
	// of a busy window). Never blocking, the report goes on to the crash
	// output below, whole; what the pipe cannot take then is lost with the
	// process anyway. The larger pipe keeps a burst of lines while the
	// reader waits for a processor from dropping any in normal running.
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, 2, fSetPipeSize, pipeSize)
	_ = syscall.SetNonblock(2, true)
	out := os.NewFile(uintptr(orig), "stderr")
	// A crash ends the process before the filter could pass its report on:
	// the runtime writes it straight to the real stderr too.
	_ = debug.SetCrashOutput(out, debug.CrashOptions{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); !isNoise(line) {
				_, _ = io.WriteString(out, line+"\n")
			}
		}
		_, _ = io.Copy(out, r) // a line too long for the scanner
	}()
	return func() {
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
		_ = syscall.Dup3(orig, 2, 0) // closes the pipe's last write end, unless a library kept a copy
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
		}
		_ = r.Close()
	}
}

// slogWriter turns Go log lines into debug records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.log.Log(context.Background(), slog.LevelDebug, "library", "line", strings.TrimSpace(line))
	}
	return len(p), nil
}
