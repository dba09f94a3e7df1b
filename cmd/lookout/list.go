package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/lookout-app/lookout/session"
)

// listEntry is one row of "lookout list --json".
type listEntry struct {
	Source  string `json:"source"`
	Account string `json:"account"`
	Kind    string `json:"kind"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Online  bool   `json:"online"`
	Talk    string `json:"talk"`
}

// cmdList prints every account's devices. An account that fails is reported
// on stderr and makes the exit status 1, but the others are still listed.
func cmdList(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(g, "list")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("list takes no arguments")
	}
	ws, err := openWorkspace(ctx, g, false)
	if err != nil {
		return err
	}
	defer func() { _ = ws.Close() }()
	entries := []listEntry{}
	var firstErr error
	for _, a := range ws.accounts {
		devs, err := a.dir.Devices(ctx)
		if err != nil {
			f := &failure{source: a.name, err: err}
			if firstErr == nil {
				firstErr = f
			} else {
				fmt.Fprintf(stderr, "lookout: list %s: %s\n", a.name, oneLine(reasonOf(err)))
			}
			continue
		}
		for _, d := range devs {
			talk := d.Talk
			if talk == "" {
				talk = session.TalkNone
			}
			entries = append(entries, listEntry{
				Source: a.name + "/" + d.ID, Account: a.name, Kind: a.kind,
				Type: string(d.Type), Name: d.Name, Online: d.Online, Talk: string(talk),
			})
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(entries); err != nil {
			return err
		}
		return firstErr
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTYPE\tONLINE\tTALK\tNAME")
	for _, e := range entries {
		online := "no"
		if e.Online {
			online = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Source, e.Type, online, e.Talk, e.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return firstErr
}
