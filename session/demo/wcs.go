package demo

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"

	"github.com/lookout-app/lookout/session/demo/videofeed"
	demowcs "github.com/lookout-app/lookout/session/demo/wcs"
)

// WCSAccount is the name of the demo site's WCS account in its config.
const WCSAccount = "demo-wcs"

// WCSStreams are the streams of the demo site's WCS server.
var WCSStreams = []string{"lobby", "dock"}

// startWCS runs the site's WCS-compatible server over TLS, its streams
// the test picture from the site's shared video.
func startWCS(host string, tlsCfg *tls.Config, video *videofeed.Hub, log *slog.Logger) (*demowcs.Server, error) {
	srv, err := demowcs.Start(demowcs.Config{
		Host:    host,
		TLS:     tlsCfg,
		Streams: WCSStreams,
		Width:   SubWidth,
		Height:  SubHeight,
		Video:   video,
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("demo: wcs: %w", err)
	}
	return srv, nil
}

// WCS returns the site's WCS-compatible server.
func (s *Site) WCS() *demowcs.Server { return s.wcs }

// wcsConfigTOML is the [[account]] of the site's WCS server.
func (s *Site) wcsConfigTOML(caFile string) string {
	var b strings.Builder
	b.WriteString("\n[[account]]\n")
	fmt.Fprintf(&b, "name = %s\nkind = \"wcs\"\nurl = %s\napp_key = %s\n", tomlString(WCSAccount), tomlString(s.wcs.URL()), tomlString(s.wcs.AppKey()))
	quoted := make([]string, 0, len(WCSStreams))
	for _, n := range WCSStreams {
		quoted = append(quoted, tomlString(n))
	}
	fmt.Fprintf(&b, "streams = [%s]\ntalk_stream = \"{stream}-talk\"\nca_file = %s\n", strings.Join(quoted, ", "), tomlString(caFile))
	return b.String()
}
