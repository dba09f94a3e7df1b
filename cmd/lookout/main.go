// Command lookout watches and talks to cloud cameras. With no sub-command it
// opens the desktop window; the sub-commands of INTERFACE.md work headless.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/lookout-app/lookout/cmd/lookout/internal/posixlocale" // must init before Fyne's lang
	"github.com/lookout-app/lookout/player/ffmpeg"
)

// Exit statuses of the contract.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is bad usage: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// failure is a command's failure about one source, printed as
// "lookout: <command> <source>: <reason>".
type failure struct {
	source string
	err    error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line until done or ctx is cancelled and returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g, rest, err := parseGlobal(args, stderr)
	cmd := "lookout"
	if err == nil {
		switch {
		case len(rest) > 0 && isHelpFlag(rest[0]):
			_, _ = io.WriteString(stdout, fullHelp(ctx, g))
			return exitOK
		case len(rest) > 0 && (rest[0] == "--version" || rest[0] == "-version"):
			_, _ = io.WriteString(stdout, versionText())
			return exitOK
		}
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			cmd, rest = rest[0], rest[1:]
		}
		err = dispatch(ctx, g, cmd, rest, stdout, stderr)
	}
	var h *helpShown
	if errors.As(err, &h) {
		_, _ = io.WriteString(stdout, h.text)
		return exitOK
	}
	return report(stderr, cmd, err)
}

func dispatch(ctx context.Context, g *globals, cmd string, args []string, stdout, stderr io.Writer) error {
	switch cmd {
	case "list":
		return cmdList(ctx, g, args, stdout, stderr)
	case "snapshot":
		return cmdSnapshot(ctx, g, args, stdout, stderr)
	case "record":
		return cmdRecord(ctx, g, args, stdout, stderr)
	case "check":
		return cmdCheck(ctx, g, args, stdout, stderr)
	case "talk":
		return cmdTalk(ctx, g, args, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, g, args, stdout, stderr)
	case "account":
		return cmdAccount(ctx, g, args, stdout, stderr)
	case "help":
		switch {
		case len(args) == 0:
			_, _ = io.WriteString(stdout, fullHelp(ctx, g))
		case len(args) == 1 && args[0] != "help" && commandHelpFor(ctx, g, args[0]) != "":
			_, _ = io.WriteString(stdout, commandHelpFor(ctx, g, args[0]))
		default:
			return usagef("no help for %q: the commands are list, snapshot, record, talk, check, demo and account", strings.Join(args, " "))
		}
		return nil
	case "version":
		_, _ = io.WriteString(stdout, versionText())
		return nil
	case "lookout":
		return cmdWindow(ctx, g, args, stderr)
	default:
		return usagef("unknown command %q (try 'lookout help')", cmd)
	}
}

// report prints err as the contract's one line and returns the exit status.
func report(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return exitOK
	}
	if err == errReported {
		return exitFail
	}
	var ue *usageError
	var ce *configError
	var f *failure
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "lookout: config %s\n", ce.err.Error())
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s%s\n", prefix(cmd), ue.msg)
		return exitUsage
	case errors.As(err, &f):
		fmt.Fprintf(stderr, "lookout: %s %s: %s\n", cmd, f.source, oneLine(reasonOf(f.err)))
		return exitFail
	default:
		fmt.Fprintf(stderr, "%s%s\n", prefix(cmd), oneLine(reasonOf(err)))
		return exitFail
	}
}

// prefix starts a failure line: "lookout: <command>: ", or just
// "lookout: " for the window, which has no command name.
func prefix(cmd string) string {
	if cmd == "lookout" {
		return "lookout: "
	}
	return "lookout: " + cmd + ": "
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// globals are the flags every command takes.
type globals struct {
	configFlag string
	logLevel   string
	log        *slog.Logger
	logOut     io.Writer // where logs go: the command's stderr
}

// parseGlobal takes the global flags that come before the command.
func parseGlobal(args []string, logOut io.Writer) (*globals, []string, error) {
	g := &globals{logLevel: "warn", logOut: logOut}
	for len(args) > 0 {
		a := args[0]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "--") && !strings.HasPrefix(a, "-") {
			break
		}
		switch name {
		case "config", "log-level":
			if !hasVal {
				if len(args) < 2 {
					return nil, nil, usagef("flag --%s needs a value", name)
				}
				val, args = args[1], args[1:]
			}
			if name == "config" {
				g.configFlag = val
			} else {
				g.logLevel = val
			}
			args = args[1:]
		default:
			return g, args, g.setLogger()
		}
	}
	return g, args, g.setLogger()
}

func (g *globals) setLogger() error {
	var lvl slog.Level
	switch g.logLevel {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return usagef("--log-level must be debug, info, warn or error, not %q", g.logLevel)
	}
	out := g.logOut
	if out == nil {
		out = os.Stderr
	}
	g.log = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: lvl}))
	ffmpeg.SetVerbose(lvl <= slog.LevelDebug)
	return nil
}
