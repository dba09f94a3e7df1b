package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitGrace is how long a window has to end after an interrupt.
const exitGrace = 20 * time.Second

// interrupt sends SIGINT to the process of cmd and waits for it on exited.
// It returns the process's exit error, or, when the process is still
// running after exitGrace, a report of where it hangs: SIGQUIT has Go print
// every goroutine's stack to logs, and the report condenses them (hangReport)
// so that a CI summary, which keeps the start and the end of a test's
// output, still shows them.
func interrupt(cmd *exec.Cmd, exited <-chan error, logs func() string) (exitErr error, hung string) {
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		return err, ""
	case <-time.After(exitGrace):
	}
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return nil, hangReport(logs())
}

// stopOrReport interrupts cmd and fails t when it does not end in time.
func stopOrReport(t *testing.T, cmd *exec.Cmd, exited <-chan error, logs func() string) error {
	t.Helper()
	err, hung := interrupt(cmd, exited, logs)
	if hung != "" {
		t.Errorf("lookout did not exit within %v of an interrupt.\n%s", exitGrace, hung)
	}
	return err
}

// hangReport turns the output of a process that was sent SIGQUIT into its
// goroutines grouped by stack, the main goroutine and Lookout's own first,
// each group once with its count, then the last lines logged before the
// dump.
func hangReport(out string) string {
	log, dump, ok := strings.Cut(out, "SIGQUIT: quit")
	if !ok {
		return "no goroutine dump; the log's end:\n" + lastLines(out, 40)
	}
	type group struct {
		head   string // the first goroutine's header line
		frames []string
		n      int
		rank   int
	}
	var groups []*group
	byStack := map[string]*group{}
	for _, block := range strings.Split(dump, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		var funcs []string
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "created by") {
				if i := strings.LastIndexByte(l, '('); i > 0 {
					l = l[:i] // the arguments differ between goroutines
				}
				funcs = append(funcs, l)
			}
		}
		key := strings.Join(funcs, "\n")
		if g := byStack[key]; g != nil {
			g.n++
			continue
		}
		g := &group{head: lines[0], frames: lines[1:], n: 1, rank: 2}
		switch {
		case strings.HasPrefix(lines[0], "goroutine 1 "):
			g.rank = 0
		case strings.Contains(block, "lookout-app/lookout"):
			g.rank = 1
		}
		byStack[key] = g
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return a.rank - b.rank })
	var b strings.Builder
	fmt.Fprintf(&b, "its goroutines at SIGQUIT, %d kinds, the main one and Lookout's first:\n", len(groups))
	const maxFrames = 14
	for i, g := range groups {
		if i == 12 {
			fmt.Fprintf(&b, "… and %d more kinds\n", len(groups)-i)
			break
		}
		fmt.Fprintf(&b, "%s ×%d\n", g.head, g.n)
		frames := g.frames
		if len(frames) > maxFrames {
			frames = frames[:maxFrames]
		}
		for _, f := range frames {
			if !strings.HasPrefix(f, "\t") {
				b.WriteString("  " + f + "\n")
			}
		}
	}
	b.WriteString("the log's last lines before it:\n")
	b.WriteString(lastLines(log, 25))
	return b.String()
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestHangReportPutsOurGoroutinesFirst: a dump as Go prints it on SIGQUIT
// becomes a short report with the main goroutine first, then Lookout's, the
// same stack counted once, the runtime's own after them.
func TestHangReportPutsOurGoroutinesFirst(t *testing.T) {
	out := "time=1 msg=early\ntime=2 msg=late\nSIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\n" +
		"goroutine 7 gp=0x1 m=nil [select]:\nnet/http.(*persistConn).writeLoop(0xc0)\n\t/usr/lib/go/src/net/http/transport.go:2519 +0xe7\n\n" +
		"goroutine 9 gp=0x2 m=nil [chan receive]:\ngithub.com/lookout-app/lookout/ui.(*window).tick(0xc1)\n\t/w/ui/app.go:400 +0x1\n\n" +
		"goroutine 1 gp=0x3 m=0 [syscall, locked to thread]:\ngithub.com/go-gl/glfw/v3.3/glfw._Cfunc_glfwWaitEvents()\n\t_cgo_gotypes.go:1 +0x1\n\n" +
		"goroutine 11 gp=0x4 m=nil [select]:\nnet/http.(*persistConn).writeLoop(0xc2)\n\t/usr/lib/go/src/net/http/transport.go:2519 +0xe7\n\n" +
		"rax    0x0\nrbx    0x1\n"
	r := hangReport(out)
	main := strings.Index(r, "goroutine 1 ")
	ours := strings.Index(r, "ui.(*window).tick")
	theirs := strings.Index(r, "writeLoop")
	if main < 0 || ours < 0 || theirs < 0 || !(main < ours && ours < theirs) {
		t.Fatalf("want the main goroutine, then ours, then the runtime's:\n%s", r)
	}
	if strings.Count(r, "writeLoop") != 1 || !strings.Contains(r, "[select]: ×2") {
		t.Errorf("the same stack twice should read once with ×2:\n%s", r)
	}
	if !strings.Contains(r, "msg=late") || strings.Contains(r, "rax") {
		t.Errorf("want the log's end and no registers:\n%s", r)
	}
	if got := hangReport("time=1 msg=only\n"); !strings.Contains(got, "no goroutine dump") {
		t.Errorf("without a dump: %q", got)
	}
}
