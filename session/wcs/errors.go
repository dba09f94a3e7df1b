package wcs

import (
	"fmt"
	"strings"

	"github.com/lookout-app/lookout/session"
)

// Errors specific to WCS. Each wraps the session sentinel a caller branches
// on, so errors.Is works with either.
var (
	// ErrBadFrame means the server sent a WebSocket message that is not a
	// WCS frame ({"message": NAME, "data": [...]}) or whose data does not
	// have the shape the spec gives its message.
	ErrBadFrame = fmt.Errorf("malformed WCS message: %w", session.ErrProtocol)
	// ErrConnectionLost means the WebSocket to the server closed or broke.
	ErrConnectionLost = fmt.Errorf("connection to the WCS server lost: %w", session.ErrHangup)
	// ErrNotEstablished means the server did not confirm the connection
	// (getUserData with status ESTABLISHED) in time.
	ErrNotEstablished = fmt.Errorf("the WCS server did not establish the session: %w", session.ErrTimeout)
)

// Stream statuses of notifyStreamStatusEvent (spec 004: publish, unpublish,
// play and stop; FAILED and PLAYBACK_PROBLEM as real servers send them).
const (
	StatusPending         = "PENDING"
	StatusPublishing      = "PUBLISHING"
	StatusPlaying         = "PLAYING"
	StatusUnpublished     = "UNPUBLISHED"
	StatusStopped         = "STOPPED"
	StatusFailed          = "FAILED"
	StatusPlaybackProblem = "PLAYBACK_PROBLEM"
	StatusResize          = "RESIZE"
	StatusNotEnoughBW     = "NOT_ENOUGH_BANDWIDTH"
)

// Terminal reports whether a stream status ends the stream it concerns.
func Terminal(status string) bool {
	switch status {
	case StatusStopped, StatusUnpublished, StatusFailed:
		return true
	}
	return false
}

// statusError turns a terminal status event into the error of the call it
// ends: a *session.RemoteError whose Reason is the server's info followed
// by the status, classified by what the info says.
func statusError(op string, st StreamStatus) error {
	reason := st.Info
	if reason == "" {
		reason = strings.ToLower(st.Status)
	}
	return &session.RemoteError{
		Op:     op,
		Reason: fmt.Sprintf("%s (%s)", reason, st.Status),
		Err:    classify(st.Status, st.Info),
	}
}

// classify maps a terminal status and its info to a session sentinel, or
// nil. The infos are those real WCS servers send ("Stream not found",
// "Restricted access", "Stopped by publisher stop", ...).
func classify(status, info string) error {
	i := strings.ToLower(info)
	switch {
	case status == StatusStopped || status == StatusUnpublished:
		return session.ErrHangup
	case strings.Contains(i, "not found"), strings.Contains(i, "no such stream"):
		return session.ErrNotFound
	case strings.Contains(i, "restricted"), strings.Contains(i, "unauthori"), strings.Contains(i, "auth"),
		strings.Contains(i, "forbidden"), strings.Contains(i, "denied"):
		return session.ErrUnauthorized
	case strings.Contains(i, "codec"):
		return session.ErrUnsupportedCodec
	case strings.Contains(i, "busy"), strings.Contains(i, "limit"), strings.Contains(i, "already"):
		return session.ErrBusy
	}
	return nil
}
