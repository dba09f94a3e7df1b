package session

import "time"

// State is where a session is in its lifecycle.
type State int

// The states a tile shows, in the order a connection passes through them.
const (
	StateIdle      State = iota // not started
	StateSignaling              // opening the call and exchanging offer and answer
	StateICE                    // looking for a network path
	StateDTLS                   // securing the media path
	StateWaiting                // connected, waiting for the first picture
	StateLive                   // pictures are arriving
	StateRetrying               // the last attempt failed; the next starts at RetryAt
	StateFailed                 // gave up: MaxAttempts reached, or a permanent error with Config.FailFast
	StateClosed                 // stopped by its owner
	// StateStalled means a connected session decoded no picture for its
	// StallTimeout; a new attempt follows at once. The last picture is old
	// and must not be shown as live.
	StateStalled
)

var stateNames = [...]string{"idle", "signaling", "ICE", "DTLS", "waiting for picture", "live", "retrying", "failed", "closed", "no picture"}

// String returns the phase as a person reads it.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Status is a value describing a session at one moment.
type Status struct {
	State   State
	Err     error     // why the last attempt failed (Retrying, Failed)
	Attempt int       // 1 for the first attempt
	RetryAt time.Time // when the next attempt starts (Retrying)
	// Wait is the retry policy that set RetryAt (Retrying): why the
	// session waits, for the tile to say ("publisher away").
	Wait Wait
	// LastPicture is when the session last decoded a picture, in this or an
	// earlier attempt; zero if never. In any state but Live the picture of
	// that moment is old.
	LastPicture time.Time
}

// Reason is the failure reason a person should read, or "".
func (s Status) Reason() string { return Reason(s.Err) }
