package whep

import "errors"

// Errors of the WHEP/WHIP client. HTTP refusals are *session.RemoteError
// values classified by the sentinels of package session; these cover what
// the server sent that breaks RFC 9725 or the WHEP draft.
var (
	// ErrNoLocation means a 201 answer named no resource (Location missing).
	ErrNoLocation = errors.New("whep: 201 without a Location header")
	// ErrNotSDP means the answer's body is not an SDP answer.
	ErrNotSDP = errors.New("whep: answer is not application/sdp")
	// ErrLink means a Link header does not parse.
	ErrLink = errors.New("whep: malformed Link header")
	// ErrNoTrickle means the resource refused trickle or ICE restart PATCHes.
	ErrNoTrickle = errors.New("whep: the server does not take PATCH")
	// ErrNoResource means PATCH or DELETE came before a resource exists.
	ErrNoResource = errors.New("whep: no resource yet")
)
