//go:build !linux

package main

import (
	"os"
	"testing"
)

// openTerminal needs Linux's pseudo-terminals (pty_linux_test.go).
func openTerminal(t *testing.T) (*os.File, func() string) {
	t.Helper()
	t.Skip("pseudo-terminals are opened on Linux only")
	return nil, nil
}
