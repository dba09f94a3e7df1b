package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// openTerminal opens a pseudo-terminal and returns its terminal side, a
// character device as a user's stderr is, and read, which closes the
// terminal and returns everything written to it. The terminal passes the
// bytes on as a console would (newlines become CR LF).
func openTerminal(t *testing.T) (tty *os.File, read func() string) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	ioctl := func(req uintptr, arg unsafe.Pointer) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), req, uintptr(arg)); e != 0 {
			return e
		}
		return nil
	}
	var unlock, n uint32
	if err := ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		ptmx.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	if err := ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		ptmx.Close()
		t.Fatalf("naming the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		t.Fatalf("opening the terminal: %v", err)
	}
	// The controlling side is drained while the command writes, so that a
	// full terminal buffer never blocks it; it reads until the terminal is
	// closed (EIO).
	var got bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(&got, ptmx)
		done <- err
	}()
	closed := false
	finish := func() {
		if closed {
			return
		}
		closed = true
		tty.Close()
		if err := <-done; err != nil && !errors.Is(err, syscall.EIO) {
			t.Errorf("reading the terminal: %v", err)
		}
		ptmx.Close()
	}
	t.Cleanup(finish)
	return tty, func() string { finish(); return got.String() }
}
