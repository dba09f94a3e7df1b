package een

import (
	"errors"
	"fmt"

	"github.com/lookout-app/lookout/session"
)

// Errors of the 2-Way Audio Signaling Service, one per eventData.detail.reason
// the spec lists (section 7, "Handling Errors and Disconnects"), plus the
// tokenIsNotValid of its authorization example. Each wraps the session
// sentinel a caller branches on, so errors.Is works with either.
var (
	// ErrSpeakerBusy is reason "busy": someone else is talking through it.
	ErrSpeakerBusy = fmt.Errorf("speaker busy: %w", session.ErrBusy)
	// ErrInvalidRequest is reason "invalidRequest".
	ErrInvalidRequest = fmt.Errorf("invalid request: %w", session.ErrProtocol)
	// ErrServiceUnavailable is reason "serviceUnavailable"; retrying later
	// may help.
	ErrServiceUnavailable = errors.New("talk service unavailable")
	// ErrAuthorizationFailed is reason "authorizationFailed".
	ErrAuthorizationFailed = fmt.Errorf("authorization failed: %w", session.ErrUnauthorized)
	// ErrTokenNotValid is reason "tokenIsNotValid": the access token was
	// refused, or it was not sent within 5 s of opening the socket.
	ErrTokenNotValid = fmt.Errorf("token not valid: %w", session.ErrUnauthorized)
	// ErrPermissionDenied is reason "permissionDenied".
	ErrPermissionDenied = fmt.Errorf("permission denied: %w", session.ErrUnauthorized)
	// ErrResourceNotFound is reason "resourceNotFound".
	ErrResourceNotFound = fmt.Errorf("resource not found: %w", session.ErrNotFound)
	// ErrService is any other reason; the RemoteError keeps it verbatim.
	ErrService = errors.New("talk service error")
	// ErrDisconnected means the service sent "disconnect" or closed the
	// socket: the call is over.
	ErrDisconnected = fmt.Errorf("the talk service ended the session: %w", session.ErrHangup)
	// ErrEndedWithError means the service sent an error event during a
	// call it had set up: the session is over (spec section 6, "Note": after
	// 10 minutes the session is disconnected with an error; section 7:
	// disconnect and reset on any error). It is a hang-up, so a held talk
	// goes on in a new session; the event's own reason is wrapped too.
	ErrEndedWithError = fmt.Errorf("the talk service ended the session with an error: %w", session.ErrHangup)
	// ErrNoTalkdown means the device has no talkdown feed: it is not a
	// speaker, or the token's account cannot see it.
	ErrNoTalkdown = fmt.Errorf("no talkdown feed for this device: %w", session.ErrNotFound)
)

// reasons maps each reason of the spec to its sentinel and a sentence a
// person understands.
var reasons = map[string]struct {
	err      error
	sentence string
}{
	"busy":               {ErrSpeakerBusy, "the speaker is busy: someone else is talking"},
	"invalidRequest":     {ErrInvalidRequest, "the talk service refused the request as invalid"},
	"serviceUnavailable": {ErrServiceUnavailable, "the talk service is unavailable: try again later"},
	"authorizationFailed": {ErrAuthorizationFailed,
		"the talk service refused the access token: get a new token and update the config"},
	"tokenIsNotValid": {ErrTokenNotValid,
		"the talk service refused the access token: get a new token and update the config"},
	"permissionDenied": {ErrPermissionDenied, "this account may not talk through this speaker"},
	"resourceNotFound": {ErrResourceNotFound, "the talk service does not know this speaker"},
}

// stageCall is the stage of a call once sessionCreated arrived.
const stageCall = "call"

// remoteError turns an error event into a *session.RemoteError whose
// Reason holds the sentence, the service's reason and its message. During
// a call (op stageCall) it is also ErrEndedWithError, whatever the reason.
func remoteError(op string, d *ErrorData) error {
	reason := d.Detail.Reason
	r, known := reasons[reason]
	re := &session.RemoteError{Op: "een: " + op, Code: reason}
	switch {
	case known:
		re.Err = r.err
		re.Reason = r.sentence
	case d.Status == "unauthorized":
		re.Err = fmt.Errorf("%w: %w", ErrService, session.ErrUnauthorized)
		re.Reason = "the talk service refused the access token"
	case op == stageCall:
		re.Err = ErrService
		re.Reason = "the talk service ended the session"
	default:
		re.Err = ErrService
		re.Reason = "the talk service reported an error"
	}
	if op == stageCall {
		re.Err = fmt.Errorf("%w: %w", ErrEndedWithError, re.Err)
	}
	said := reason
	switch {
	case said == "" && d.Message != "":
		said = d.Message
	case d.Message != "" && d.Message != reason:
		said += ": " + d.Message
	}
	if said == "" {
		said = d.Status
	}
	if said != "" {
		re.Reason += " (" + said + ")"
	}
	return re
}
