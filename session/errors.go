package session

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors shared by every protocol package. Protocol clients wrap them
// (often inside a *RemoteError) so callers can branch with errors.Is.
var (
	// ErrUnauthorized means the service refused the credentials or signature.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrOffline means the device exists but is not connected to its cloud.
	ErrOffline = errors.New("device offline")
	// ErrNotFound means the account has no such device, stream or room.
	ErrNotFound = errors.New("not found")
	// ErrBusy means the device or server refused because it is busy.
	ErrBusy = errors.New("busy")
	// ErrHangup means the remote side ended the call.
	ErrHangup = errors.New("remote hung up")
	// ErrUnsupportedCodec means no codec both sides support was negotiated.
	ErrUnsupportedCodec = errors.New("unsupported codec")
	// ErrProtocol means the remote side sent a message that breaks the protocol.
	ErrProtocol = errors.New("protocol error")
	// ErrClosed is returned by operations on something already closed.
	ErrClosed = errors.New("closed")
	// ErrTimeout means a phase of the connection took longer than allowed.
	ErrTimeout = errors.New("timed out")
	// ErrNoTalk means the device cannot take talk audio now.
	ErrNoTalk = errors.New("cannot talk")
	// ErrNoPath means ICE found no network path between the peers.
	ErrNoPath = errors.New("no network path to the device (ICE failed)")
)

// RemoteError is a refusal reported by a service in its own words. Code and
// Reason are what the service said; Err is a sentinel of this package (or nil)
// that classifies it.
type RemoteError struct {
	Op     string // short operation name, e.g. "token"
	Code   string // the service's code, e.g. "1004"; may be empty
	Reason string // the service's message, e.g. "sign invalid"
	Err    error  // classifying sentinel such as ErrUnauthorized; may be nil
}

// Error returns "op: reason (code N)".
func (e *RemoteError) Error() string {
	s := e.Reason
	if s == "" && e.Err != nil {
		s = e.Err.Error()
	}
	if e.Code != "" {
		s = fmt.Sprintf("%s (code %s)", s, e.Code)
	}
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	return s
}

// Unwrap returns the classifying sentinel.
func (e *RemoteError) Unwrap() error { return e.Err }

// Reason returns the most useful words for a person: the service's own reason
// when err carries a *RemoteError, otherwise err's text.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var re *RemoteError
	if errors.As(err, &re) && re.Reason != "" {
		return re.Reason
	}
	return err.Error()
}

// ErrTooManyRedirects is returned by CheckRedirect after 10 redirects.
var ErrTooManyRedirects = errors.New("stopped after 10 redirects")

// OfflineError is what a Gate's Open returns, without dialling, while the
// account's directory has not listed the device online since its last
// dial found it offline. It matches ErrOffline (errors.Is); Next is when
// the gate asks the directory again, so a session waits until then.
type OfflineError struct {
	ID   string
	Next time.Time
	// Err is what the last dial said (the service's own words), or nil
	// when only the directory said so.
	Err error
}

// Error says the device is offline, in the service's words when it gave
// them.
func (e *OfflineError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return ErrOffline.Error() + " (the account lists " + e.ID + " offline)"
}

// Unwrap returns the last dial's error, or ErrOffline.
func (e *OfflineError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return ErrOffline
}
