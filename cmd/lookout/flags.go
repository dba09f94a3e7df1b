package main

import (
	"errors"
	"flag"
	"io"
)

// newFlags returns a FlagSet for a sub-command that also takes the global
// flags, so "lookout snapshot --config c.toml ..." works too.
func newFlags(g *globals, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.configFlag, "config", g.configFlag, "read the config from `FILE` (default: $XDG_CONFIG_HOME/lookout/config.toml or $LOOKOUT_CONFIG)")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "log `LEVEL` on stderr: debug, info, warn or error")
	return fs
}

// parseFlags parses flags and positional arguments in any order and returns
// the positional ones.
func parseFlags(g *globals, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpShown{text: commandHelp(fs)}
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, g.setLogger()
}
