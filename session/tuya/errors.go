package tuya

import (
	"errors"
	"fmt"

	"github.com/lookout-app/lookout/session"
)

// Errors specific to Tuya. Each wraps the session sentinel a caller branches
// on, so errors.Is works with either.
var (
	// ErrNoWebRTC means webrtc-configs says the device does not support
	// WebRTC (supports_webrtc false): it cannot be watched with Lookout.
	ErrNoWebRTC = fmt.Errorf("device does not support WebRTC: %w", session.ErrUnsupportedCodec)
	// ErrOfferTooLarge means the offer does not fit in one MQTT message a
	// Tuya camera accepts (MaxPayload), even after shaping.
	ErrOfferTooLarge = fmt.Errorf("offer too large for the camera: %w", session.ErrProtocol)
	// ErrBadResponse means the OpenAPI answered with something that is not
	// a Tuya JSON envelope (HTML error page, oversize or truncated body).
	ErrBadResponse = fmt.Errorf("unexpected OpenAPI response: %w", session.ErrProtocol)
	// ErrInsecureBroker means the OpenAPI handed out an MQTT broker URL
	// that is not TLS (tcp://, mqtt://, ws://): the client refuses to send
	// the MQTT credentials, and then the signaling, in clear.
	ErrInsecureBroker = fmt.Errorf("MQTT broker URL is not TLS: %w", session.ErrProtocol)
	// ErrClosed is returned by Close after the first call and by the
	// methods of a closed Client; it is session.ErrClosed.
	ErrClosed = session.ErrClosed
)

// classify maps a Tuya OpenAPI error code to a session sentinel, or nil.
// Codes are from Tuya's "Global error codes" page.
func classify(code string) error {
	switch code {
	case "1001", // secret invalid
		"1002",                             // access_token is null
		"1003",                             // grant type invalid
		"1004",                             // sign invalid
		"1005",                             // clientId invalid
		"1010",                             // token invalid
		"1011",                             // token status invalid (expired)
		"1012",                             // status invalid
		"1013",                             // request time is invalid
		"1106",                             // permission deny
		"28841002", "28841101", "28841105": // API not authorized / subscription expired
		return session.ErrUnauthorized
	case "2001": // device is offline
		return session.ErrOffline
	case "1108", // uri path invalid
		"2002", // this user doesn't have any devices
		"2009": // not support this device
		return session.ErrNotFound
	case "1110": // concurrent request over limit
		return session.ErrBusy
	}
	return nil
}

// isTokenInvalid reports whether err is Tuya's "token invalid" (1010), after
// which a request is retried once with a fresh token.
func isTokenInvalid(err error) bool {
	var re *session.RemoteError
	return errors.As(err, &re) && (re.Code == "1010" || re.Code == "1011")
}
