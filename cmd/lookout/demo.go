package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/lookout-app/lookout/session/config"
	"github.com/lookout-app/lookout/session/demo"
)

// cmdDemo runs the demo site alone until interrupted and prints (or writes)
// a config whose accounts point at it.
func cmdDemo(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(g, "demo")
	listen := fs.String("listen", "127.0.0.1:0", "address of the demo site's HTTPS API (loopback only)")
	write := fs.String("write-config", "", "write the config to FILE instead of printing it")
	cameras := fs.Int("cameras", 4, "number of online cameras, 1 to 16")
	loss := fs.Float64("loss", 0, "drop this fraction (0-1) of relayed packets each way at the demo TURN server")
	delay := fs.Duration("delay", 0, "add this one-way delay to relayed packets at the demo TURN server")
	pos, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("demo takes no arguments")
	}
	if *cameras < 1 || *cameras > 16 {
		return usagef("--cameras must be 1 to 16")
	}
	if *loss < 0 || *loss > 1 || *delay < 0 {
		return usagef("--loss must be 0 to 1 and --delay not negative")
	}
	host, port, err := net.SplitHostPort(*listen)
	if err != nil {
		return usagef("--listen %q: %v", *listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--listen must be a loopback address, not %q", host)
	}
	site, err := demo.Start(ctx, demo.Config{Listen: host, APIPort: port, Cameras: *cameras, Logger: g.log})
	if err != nil {
		return fmt.Errorf("demo site: %w", err)
	}
	defer func() { _ = site.Close() }()
	site.TURN().SetImpairment(*loss, *delay)
	if *write == "" {
		// ca_file names a file, so the CA of this run goes to a temporary
		// one that lives as long as the site.
		caFile, err := writeCA(filepath.Join(os.TempDir(), fmt.Sprintf("lookout-demo-%d-ca.pem", os.Getpid())), site.CAPEM())
		if err != nil {
			return err
		}
		defer func() { _ = os.Remove(caFile) }()
		_, _ = io.WriteString(stdout, site.ConfigTOML(caFile))
	} else {
		caFile, err := writeCA(strings.TrimSuffix(*write, filepath.Ext(*write))+"-ca.pem", site.CAPEM())
		if err != nil {
			return err
		}
		if err := config.WriteFile(*write, []byte(site.ConfigTOML(caFile))); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "lookout: demo site running; config written to %s (Ctrl-C to stop)\n", *write)
	}
	<-ctx.Done()
	return nil
}

func writeCA(path string, pem []byte) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if err := config.WriteFile(abs, pem); err != nil {
		return "", err
	}
	return abs, nil
}
