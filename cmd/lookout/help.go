package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is the release, set with -ldflags "-X main.version=..."; empty
// means the build's module version or VCS revision.
var version = ""

// commandInfo is the synopsis and purpose of one command, in help order.
type commandInfo struct {
	name, synopsis, purpose string
}

// commands are every command of INTERFACE.md; "lookout" is the window.
var commands = []commandInfo{
	{"lookout", "lookout [--demo] [--audio auto|null|none|room|BACKEND] [--renderer auto|x11|fyne]", "open the desktop window (the demo site when there is no config)"},
	{"list", "lookout list [--json]", "list every account's devices, speakers, streams and rooms"},
	{"snapshot", "lookout snapshot SOURCE -o FILE [--timeout 20s] [--quality main|sub]", "write the first complete picture as PNG or JPEG (by extension)"},
	{"record", "lookout record SOURCE -o FILE --duration D [--quality main|sub] [--timeout 20s]", "write the audio and video to MKV or MP4 (video copied as sent)"},
	{"talk", "lookout talk SOURCE --in FILE.wav [--out FILE.wav] [--timeout 20s]", "send a WAV as talk audio in real time; record the reply"},
	{"check", "lookout check [--json] [--capacity] [--account NAME]... [--no-devices] [--no-network] [--audio null]", "the device and network pre-check (exit 1 when a call would not work)"},
	{"account", "lookout account remove NAME", "take an account out of the config file and delete the secrets Lookout kept for it in the OS keyring"},
	{"demo", "lookout demo [--listen 127.0.0.1:0] [--write-config FILE] [--cameras N] [--loss F] [--delay D]", "run the demo site alone until interrupted; print or write a config for it"},
}

// helpShown carries the help of one command; run prints it on stdout and
// exits 0.
type helpShown struct{ text string }

func (h *helpShown) Error() string { return "help requested" }

// commandHelp is the help of the command a FlagSet belongs to: synopsis,
// purpose, its own flags and then the global ones.
func commandHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	info := commandInfo{name: fs.Name(), synopsis: "lookout " + fs.Name()}
	for _, c := range commands {
		if c.name == fs.Name() {
			info = c
		}
	}
	fmt.Fprintf(&b, "usage: %s\n\n  %s\n\n", info.synopsis, info.purpose)
	var own, global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" || f.Name == "log-level" {
			global = append(global, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		b.WriteString("flags:\n")
		writeFlags(&b, own)
	}
	b.WriteString("global flags:\n")
	writeFlags(&b, global)
	return b.String()
}

func writeFlags(b *strings.Builder, fl []*flag.Flag) {
	for _, f := range fl {
		kind, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		switch kind {
		case "":
		case "string", "value":
			name += " VALUE"
		case "int":
			name += " N"
		case "float":
			name += " NUMBER"
		default:
			name += " " + strings.ToUpper(kind)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(b, "  %-22s %s\n", name, usage)
	}
}

// fullHelp asks every command for its help, so the text lists exactly the
// flags each one parses.
func fullHelp(ctx context.Context, g *globals) string {
	var b strings.Builder
	b.WriteString("Lookout watches and talks to cloud cameras.\n\n" +
		"usage: lookout [--config FILE] [--log-level LEVEL] [COMMAND] [FLAGS] [ARGS]\n" +
		"       lookout help [COMMAND] | lookout COMMAND --help | lookout --version\n\n" +
		"Exit status: 0 done, 1 the work failed, 2 bad usage or bad config.\n" +
		"Sources are ACCOUNT/ID (see 'lookout list'); the demo site's account is 'demo'.\n")
	for _, c := range commands {
		b.WriteString("\n")
		b.WriteString(commandHelpFor(ctx, g, c.name))
	}
	return b.String()
}

// commandHelpFor returns the help of a command by running it with --help.
func commandHelpFor(ctx context.Context, g *globals, cmd string) string {
	var h *helpShown
	if err := dispatch(ctx, g, cmd, []string{"--help"}, io.Discard, io.Discard); errors.As(err, &h) {
		return h.text
	}
	return ""
}

// versionText is what --version prints.
func versionText() string {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Version != "" {
				v = bi.Main.Version
			}
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += " " + s.Value[:12]
				}
			}
		}
	}
	return "lookout " + v + "\n"
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}
