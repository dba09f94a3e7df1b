package een

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// NetworkCheck is what the pre-check learns of an EEN account: how the
// REST directory and the Signaling Service's authorize went, and the ICE
// servers getIceServers hands out.
type NetworkCheck struct {
	Endpoint      string // the REST base URL
	SignalingURL  string // the first talkdown feed's webRtcUrl
	Speakers      int
	DirectoryTime time.Duration
	AuthorizeTime time.Duration
	ICEServers    []webrtc.ICEServer
	// DirectoryErr and AuthorizeErr say why a step failed; a failed
	// directory leaves the authorize step unrun (AuthorizeErr nil, no
	// SignalingURL).
	DirectoryErr, AuthorizeErr error
}

// CheckNetwork lists the talkdown feeds, then opens the first feed's
// Signaling Service socket, authorizes, asks for ICE servers and closes it
// without creating a session. The error is the first step's failure.
func (c *Client) CheckNetwork(ctx context.Context) (NetworkCheck, error) {
	nc := NetworkCheck{Endpoint: c.base.String()}
	start := time.Now()
	feeds, err := c.Feeds(ctx, "")
	nc.DirectoryTime = time.Since(start)
	if err == nil && len(feeds) == 0 {
		err = fmt.Errorf("een: feeds: %w: the account has no talkdown feed (no speaker)", session.ErrNotFound)
	}
	if err != nil {
		nc.DirectoryErr = err
		return nc, err
	}
	nc.Speakers = len(feeds)
	nc.SignalingURL = feeds[0].WebRTCURL
	call, err := c.dial(ctx, feeds[0])
	if err != nil {
		nc.AuthorizeErr = err
		return nc, err
	}
	nc.AuthorizeTime = call.authorizeTime
	nc.ICEServers = call.plan.ICEServers
	return nc, call.Close()
}
