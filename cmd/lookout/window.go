package main

import (
	"context"
	"io"
)

// cmdWindow opens the desktop window.
func cmdWindow(ctx context.Context, g *globals, args []string, stderr io.Writer) error {
	fs := newFlags(g, "lookout")
	forceDemo := fs.Bool("demo", false, "open the demo site even when a config exists")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unknown command %q (try 'lookout help')", pos[0])
	}
	return runWindow(ctx, g, *forceDemo, stderr)
}
