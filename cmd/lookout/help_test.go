package main

import (
	"context"
	"strings"
	"testing"
)

// helpFlags are the flags each command's help must name.
var helpFlags = map[string][]string{
	"lookout":  {"--demo", "--audio", "--config", "--log-level"},
	"list":     {"--json"},
	"snapshot": {"-o", "--timeout", "--quality"},
	"record":   {"-o", "--duration", "--timeout", "--quality"},
	"talk":     {"--in", "--out", "--timeout"},
	"check":    {"--json", "--capacity", "--account", "--no-devices", "--no-network", "--audio"},
	"demo":     {"--listen", "--write-config", "--cameras", "--loss", "--delay"},
	"account":  {"--config", "--log-level"},
}

func TestHelpForEveryCommandAndFlag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	full := [][]string{{"--help"}, {"-h"}, {"help"}, {"--log-level", "info", "--help"}}
	for _, args := range full {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errs := lookout(t, ctx, args...)
			if code != exitOK || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			for cmd, flags := range helpFlags {
				if cmd != "lookout" && !strings.Contains(out, "usage: lookout "+cmd) {
					t.Errorf("the help lacks the command %s", cmd)
				}
				for _, f := range flags {
					if !strings.Contains(out, "  "+f+" ") {
						t.Errorf("the help lacks %s of %s", f, cmd)
					}
				}
			}
		})
	}
	for cmd, flags := range helpFlags {
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {"help", cmd}} {
			if cmd == "lookout" {
				args = []string{"--demo", "--help"}
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := lookout(t, ctx, args...)
				if code != exitOK || errs != "" {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				for _, f := range flags {
					if !strings.Contains(out, "  "+f+" ") {
						t.Errorf("%v: no %s in\n%s", args, f, out)
					}
				}
				if !strings.Contains(out, "--config FILE") {
					t.Errorf("%v: the global flags are missing:\n%s", args, out)
				}
			})
		}
	}
}

func TestVersionAndBadUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"version flag", []string{"--version"}, exitOK, "lookout ", ""},
		{"version command", []string{"version"}, exitOK, "lookout ", ""},
		{"unknown flag", []string{"list", "--nope"}, exitUsage, "", "lookout: list: flag provided but not defined: -nope"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", "unknown command"},
		{"help of an unknown command", []string{"help", "frobnicate"}, exitUsage, "", "no help for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := lookout(t, ctx, tc.args...)
			if code != tc.code || !strings.HasPrefix(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errs, tc.code, tc.out, tc.err)
			}
		})
	}
}
