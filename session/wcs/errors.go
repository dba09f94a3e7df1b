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
	// ErrPlayFailed means the server ended a playStream with status
	// FAILED: it cannot serve the stream now. Spec 004 documents no
	// FAILED; real servers send it with free text ("Stream not found",
	// "Failed by ICE timeout", "Restricted access"), most often because
	// nobody publishes the stream, so it is session.ErrNotFound: a media
	// server's stream that may come back, retried as a publisher away.
	ErrPlayFailed = fmt.Errorf("the WCS server failed the stream: %w", session.ErrNotFound)
	// ErrPublishFailed means the server ended a publishStream (talk)
	// with status FAILED ("Stream with this name is already published",
	// "Failed by ICE timeout"): the device cannot take talk now.
	ErrPublishFailed = fmt.Errorf("the WCS server refused the talk stream: %w", session.ErrNoTalk)
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
// by the status, and whose sentinel the status alone decides: STOPPED and
// UNPUBLISHED end the stream (session.ErrHangup), FAILED is failed, the
// sentinel of the request that failed (ErrPlayFailed, ErrPublishFailed).
// Spec 004 gives the info only as "a text description of the status", so
// it is shown, never read.
func statusError(op string, st StreamStatus, failed error) error {
	reason := st.Info
	if reason == "" {
		reason = strings.ToLower(st.Status)
	}
	err := failed
	if st.Status == StatusStopped || st.Status == StatusUnpublished {
		err = session.ErrHangup
	}
	return &session.RemoteError{Op: op, Reason: fmt.Sprintf("%s (%s)", reason, st.Status), Err: err}
}
