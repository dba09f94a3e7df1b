package wcs

import (
	"context"
	"log/slog"

	"github.com/lookout-app/lookout/session"
)

// publishCall publishes the audio-only talk stream of a held talk
// (publishStream). It implements session.Call, and its plan tells of the
// server ending the stream; the session builds its send-only peer
// connection.
type publishCall struct {
	*mediaSession
	log  *slog.Logger
	plan session.Plan
}

var _ session.Call = (*publishCall)(nil)

// Plan implements session.Call: one send-only audio section, Opus
// preferred, G.711 accepted; the server ends the stream (Hangup).
func (pc *publishCall) Plan() session.Plan {
	p := pc.plan
	p.Hangup = &session.Hangup{Done: pc.Done, Err: pc.Err}
	return p
}

// Exchange sends publishStream with the offer (every candidate gathered)
// and returns the SDP of setRemoteSDP.
func (pc *publishCall) Exchange(ctx context.Context, offer string) (string, error) {
	zero := 0
	return pc.exchange(ctx, MsgPublishStream, streamMsg{
		MediaSessionID: pc.id, Name: pc.name, Published: true, HasVideo: false, HasAudio: true,
		Status: StatusPending, MediaProvider: "WebRTC", SDP: offer,
		Bitrate: &zero, MinBitrate: &zero, MaxBitrate: &zero,
	})
}

// deliver implements handler.
func (pc *publishCall) deliver(in Inbound) {
	switch {
	case in.Name == MsgSetRemoteSDP:
		if !pc.answer(in.SDP) {
			pc.log.Debug("wcs: second setRemoteSDP ignored", "stream", pc.name)
		}
	case in.Status != nil:
		st := *in.Status
		switch {
		case st.Status == StatusPublishing:
			pc.log.Info("wcs: publishing talk", "stream", pc.name)
		case Terminal(st.Status):
			pc.log.Info("wcs: talk stream ended by the server", "stream", pc.name, "status", st.Status, "info", st.Info)
			pc.end(statusError("publish "+pc.name, st, ErrPublishFailed))
		default:
			pc.log.Debug("wcs: talk stream status", "stream", pc.name, "status", st.Status, "info", st.Info)
		}
	}
}

// Close sends unPublishStream (when the stream was published and is
// still running) and forgets the call. Later calls return
// session.ErrClosed.
func (pc *publishCall) Close() error {
	return pc.close(MsgUnPublishStream, streamMsg{
		MediaSessionID: pc.id, Name: pc.name, Published: true, HasAudio: true, Status: StatusPublishing,
	})
}
