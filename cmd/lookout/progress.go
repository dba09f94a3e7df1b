package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// progressOut returns where a long command shows its progress: stderr when
// it is a terminal, else nowhere (scripts read one line per failure there).
var progressOut = func(stderr io.Writer) io.Writer {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

// progressLine shows the current step on one terminal line, rewritten in
// place; done clears it. Steps may come from several goroutines.
type progressLine struct {
	mu  sync.Mutex
	out io.Writer
}

func (p *progressLine) step(s string) {
	if p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	fmt.Fprintf(p.out, "\r\033[Klookout check: %s…", s)
}

func (p *progressLine) done() {
	if p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.out, "\r\033[K")
}
