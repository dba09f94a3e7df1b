package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/lookout-app/lookout/audio/miniaudio"
	"github.com/lookout-app/lookout/session/check"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// cmdCheck runs the device and network pre-check and prints the report.
func cmdCheck(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(g, "check")
	asJSON := fs.Bool("json", false, "print the whole report as JSON")
	capacity := fs.Bool("capacity", false, "measure how many tiles this PC can decode")
	noDevices := fs.Bool("no-devices", false, "skip microphones and speakers")
	noNetwork := fs.Bool("no-network", false, "skip the accounts' network checks")
	backend := fs.String("audio", "", "sound system: auto, null (silent devices) or a miniaudio backend name")
	var accounts stringList
	fs.Var(&accounts, "account", "check only this account (repeatable)")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("check takes no arguments")
	}
	prog := &progressLine{out: progressOut(stderr)}
	o := check.RunOptions{Capacity: *capacity, Logger: g.log,
		Progress: func(step string) { g.log.Info("check", "step", step); prog.step(step) },
		Network: check.Options{Logger: g.log, Progress: func(acc, step string) {
			g.log.Info("check", "account", acc, "step", step)
			prog.step("account " + acc + ": " + step)
		}}}
	if !*noDevices {
		mctx, err := miniaudio.Open(audioBackend(*backend), g.log)
		if err != nil {
			o.DevicesProblem = oneLine(err.Error())
		} else {
			defer func() { _ = mctx.Close() }()
			o.Devices = mctx
		}
	}
	if !*noNetwork {
		ws, err := openWorkspace(ctx, g, false)
		if err != nil {
			return err
		}
		defer func() { _ = ws.Close() }()
		if err := checkNames(ws, accounts); err != nil {
			return err
		}
		for _, a := range ws.accounts {
			if len(accounts) == 0 || slices.Contains(accounts, a.name) {
				o.Accounts = append(o.Accounts, check.Account{Name: a.name, Kind: a.kind, Target: a.target})
			}
		}
	}
	prog.step("starting")
	rep := check.Run(ctx, o)
	prog.done()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, rep)
	}
	if !rep.OK {
		fmt.Fprintln(stderr, "lookout: check: "+rep.FirstProblem())
		return errReported
	}
	return nil
}

// errReported is a failure already printed: exit 1, nothing more.
var errReported = &silentFailure{}

type silentFailure struct{}

func (*silentFailure) Error() string { return "" }

func checkNames(ws *workspace, names []string) error {
	for _, n := range names {
		if !slices.ContainsFunc(ws.accounts, func(a *account) bool { return a.name == n }) {
			return usagef("--account %q: no such account in %s", n, ws.path)
		}
	}
	return nil
}

func printReport(w io.Writer, rep check.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if d := rep.Devices; d != nil {
		for _, group := range []struct {
			kind string
			list []check.DeviceResult
		}{{"microphone", d.Microphones}, {"speaker", d.Speakers}} {
			for _, r := range group.list {
				level := ""
				if r.LevelDBFS != nil {
					level = fmt.Sprintf("%.1f dBFS", *r.LevelDBFS)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", group.kind, r.Name, okText(r.OK), level, r.Verdict)
			}
		}
	}
	if c := rep.Codecs; c != nil {
		fmt.Fprintf(tw, "codecs\tdecoders\t%s\n", strings.Join(c.Decoders, " "))
		fmt.Fprintf(tw, "codecs\tencoders\t%s\n", strings.Join(c.Encoders, " "))
		fmt.Fprintf(tw, "codecs\thardware\t%s\n", strings.Join(c.HWAccel, " "))
	}
	if c := rep.Capacity; c != nil {
		fmt.Fprintf(tw, "capacity\t720p\t%.0f decoded fps\t%d tiles at 720p30\n", c.DecodeFPS720p, c.Tiles720p30)
		fmt.Fprintf(tw, "capacity\t1080p\t%.0f decoded fps\t%d tiles at 1080p30\n", c.DecodeFPS1080p, c.Tiles1080p30)
	}
	for _, a := range rep.Accounts {
		state := okText(a.OK)
		if a.Failure != "" {
			state += " (" + a.Failure + ")"
		}
		fmt.Fprintf(tw, "account %s\t%s\tquality %d (%s)\trtt %.1f ms, loss %.1f%%/%.1f%%, %.0f/%.0f kbit/s\t%s\n",
			a.Account, state, a.Quality, check.QualityName(a.Quality), a.RTTMs, 100*a.LossUp, 100*a.LossDown, a.UpKbps, a.DownKbps, a.Verdict)
		if a.Measured != "" {
			fmt.Fprintf(tw, "  measured\t%s\n", a.Measured)
		}
		for _, s := range a.Steps {
			fmt.Fprintf(tw, "  %s\t%s\t%.1f ms\t%s\n", s.Name, okText(s.OK), s.Ms, s.Detail)
		}
	}
	fmt.Fprintf(tw, "overall\t%s\n", okText(rep.OK))
	_ = tw.Flush()
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}
