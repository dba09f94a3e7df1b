package demo

import (
	"errors"

	"github.com/lookout-app/lookout/session"
)

// Sentinel errors of the demo site.
var (
	// ErrBrokerURL means Config.BrokerURL is not an MQTT URL the simulated
	// cameras can connect to (ssl://, tls://, mqtts://, tcp:// or mqtt://).
	ErrBrokerURL = errors.New("demo: unsupported broker URL")
	// ErrNotReady means the simulated cameras did not all reach the MQTT
	// broker in time.
	ErrNotReady = errors.New("demo: cameras not connected to the broker")
	// ErrClosed is returned by Site.Close after the first call; it is
	// session.ErrClosed.
	ErrClosed = session.ErrClosed
)
