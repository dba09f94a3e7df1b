//go:build linux && !android && !wayland

package x11

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv marks the test binary run as TestCatchLoss's child process.
const childEnv = "LOOKOUT_X11_LOSS_CHILD"

// TestCatchLoss: a process that caught the loss (CatchLoss) outlives the
// death of its X server. A real Xvfb is killed (SIGKILL) under a child test
// process that holds a connection; the child's next Xlib call meets the
// broken connection and, instead of Xlib's default (print "X connection to
// :N broken" and exit(1)), its thread parks, the channel closes, LossErr
// names the display, and Close returns at once without touching the dead
// connection. The child then ends normally, which proves the process
// survived.
func TestCatchLoss(t *testing.T) {
	tool(t, "Xvfb")
	display, stopXvfb := startXvfb(t, "320x240x24")

	child := exec.Command(os.Args[0], "-test.run=^TestCatchLossChild$", "-test.v", "-test.timeout=30s")
	child.Env = append(os.Environ(), childEnv+"=1", "DISPLAY="+display)
	in, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var got []string
	next := func(want string) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the child ended before %q: %q\n%s", want, got, stderr.String())
				}
				got = append(got, l)
				if strings.HasPrefix(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q from the child within 20 s: %q\n%s", want, got, stderr.String())
			}
		}
	}
	next("connected")
	stopXvfb()
	if _, err := fmt.Fprintln(in, "go"); err != nil {
		t.Fatal(err)
	}
	next("lost: ")
	for l := range lines {
		got = append(got, l)
	}
	go func() { exited <- child.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the child failed (%v): %q\n%s", err, got, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = child.Process.Kill()
		t.Fatalf("the child did not end: %q", got)
	}
	if s := stderr.String(); strings.Contains(s, "X connection") {
		t.Errorf("Xlib's default handler ran: %s", s)
	}
	want := "lost: x11: the connection to the X server broke (display " + display + ")"
	found := false
	for _, l := range got {
		found = found || l == want
	}
	if !found {
		t.Errorf("child said %q, want the line %q", got, want)
	}
}

// TestCatchLossChild is TestCatchLoss's child process; it is skipped
// otherwise.
func TestCatchLossChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestCatchLoss")
	}
	w, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	lost := CatchLoss()
	if err := LossErr(); err != nil {
		t.Fatalf("LossErr before any loss: %v", err)
	}
	// A round trip to the server (no window 1: the server says so).
	if _, err := w.Minimised(1); !errors.Is(err, ErrNoWindow) {
		t.Fatalf("Minimised on a live connection: %v, want ErrNoWindow", err)
	}
	fmt.Println("connected")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	// This goroutine's thread meets the broken connection and stays in
	// Xlib's IO error handler for good, holding the Watcher.
	go func() { _, _ = w.Minimised(1) }()
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the loss was not told within 10 s")
	}
	err = LossErr()
	if !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("LossErr: %v, want ErrConnectionLost", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	select {
	case cerr := <-closed:
		if cerr != nil {
			t.Fatalf("Close after the loss: %v", cerr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocks after the loss")
	}
	if _, merr := w.Minimised(1); !errors.Is(merr, ErrNoDisplay) {
		t.Fatalf("Minimised after Close: %v, want ErrNoDisplay", merr)
	}
	fmt.Println("lost: " + err.Error())
}
