package wcs

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// Call plays one stream over the account's shared WebSocket. It implements
// session.Call; its plan tells of the server ending the stream, reports
// the server's word on it, and publishes talk.
type Call struct {
	*mediaSession
	c    *Client
	talk string // the stream published while talking
	plan session.Plan
	// width and height are the picture size playStream asks for (0: as
	// published).
	width, height int

	repMu  sync.Mutex
	report session.ServerReport
}

var _ session.Call = (*Call)(nil)

// Open returns a call that plays id: a stream name, "ROOM/STREAM" (the
// room's stream, talking into the room's talk stream), or a room (its
// first stream, talking into the room's talk stream). It waits for the
// account's connection (see Config.ReconnectWait).
//
// The server scales the stream to the size asked (playStream's width and
// height): a tile's size at session.QualitySub (Config.SubWidth and
// SubHeight), the stream as published at Main; another quality is another
// stream (Plan.Qualities).
func (c *Client) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	stream, talkFor, err := c.resolve(id)
	if err != nil {
		return nil, err
	}
	l, err := c.ensure(ctx)
	if err != nil {
		return nil, err
	}
	call := &Call{
		mediaSession: newMediaSession(l, stream),
		c:            c,
		talk:         c.TalkStreamName(talkFor),
		plan: session.Plan{
			ICEServers:  c.cfg.ICEServers,
			Audio:       webrtc.RTPTransceiverDirectionRecvonly,
			Video:       webrtc.RTPTransceiverDirectionRecvonly,
			AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMA, webrtc.MimeTypePCMU},
			VideoCodecs: []string{webrtc.MimeTypeH264, webrtc.MimeTypeVP8},
			Talk:        session.TalkFull,
			Qualities:   true,
		},
	}
	if q == session.QualitySub {
		call.width, call.height = c.cfg.SubWidth, c.cfg.SubHeight
	}
	l.register(call.id, call)
	return call, nil
}

// resolve maps a source id to the stream to play and the name the talk
// stream template is filled with.
func (c *Client) resolve(id string) (stream, talkFor string, err error) {
	if room, member, ok := strings.Cut(id, "/"); ok {
		r, found := c.room(room)
		if !found {
			return "", "", &session.RemoteError{Op: "wcs: open", Reason: fmt.Sprintf("no room %q in this account", room), Err: session.ErrNotFound}
		}
		for _, s := range r.Streams {
			if s == member {
				return s, r.Name, nil
			}
		}
		return "", "", &session.RemoteError{Op: "wcs: open", Reason: fmt.Sprintf("room %q has no stream %q", room, member), Err: session.ErrNotFound}
	}
	if r, ok := c.room(id); ok {
		return r.Streams[0], r.Name, nil
	}
	for _, s := range c.cfg.Streams {
		if s == id {
			return s, s, nil
		}
	}
	return id, id, nil // a stream the config does not list: the server decides
}

// Plan implements session.Call: every candidate is gathered into the
// offer (WCS does not trickle); the server ends the stream (Hangup),
// reports on it (Report), and takes talk on a published stream (Publish).
func (call *Call) Plan() session.Plan {
	p := call.plan
	p.Hangup = &session.Hangup{Done: call.Done, Err: call.Err}
	p.Report = call.Report
	p.Publish = call.Publish
	return p
}

// Stream returns the name of the stream the call plays.
func (call *Call) Stream() string { return call.name }

// Exchange sends playStream with the offer (every candidate gathered: WCS
// does not trickle) and returns the SDP of setRemoteSDP.
func (call *Call) Exchange(ctx context.Context, offer string) (string, error) {
	zero, w, h := 0, call.width, call.height
	return call.exchange(ctx, MsgPlayStream, streamMsg{
		MediaSessionID: call.id, Name: call.name, HasVideo: true, HasAudio: true,
		Status: StatusPending, Width: &w, Height: &h, MediaProvider: "WebRTC", SDP: offer,
		Bitrate: &zero, MinBitrate: &zero, MaxBitrate: &zero, Quality: &zero,
	})
}

// deliver implements handler.
func (call *Call) deliver(in Inbound) {
	switch {
	case in.Name == MsgSetRemoteSDP:
		if !call.answer(in.SDP) {
			call.c.log.Debug("wcs: second setRemoteSDP ignored", "stream", call.name)
		}
	case in.Status != nil:
		st := *in.Status
		call.update(func(r *session.ServerReport) {
			r.Status, r.Info = st.Status, st.Info
			if st.AudioCodec != "" {
				r.AudioCodec = st.AudioCodec
			}
			if st.VideoCodec != "" {
				r.VideoCodec = st.VideoCodec
			}
			if st.Width > 0 && st.Height > 0 {
				r.Width, r.Height = st.Width, st.Height
			}
		})
		switch {
		case Terminal(st.Status):
			call.c.log.Info("wcs: stream ended by the server", "stream", call.name, "status", st.Status, "info", st.Info)
			call.end(statusError("play "+call.name, st, ErrPlayFailed))
		case st.Status == StatusPlaybackProblem || st.Status == StatusNotEnoughBW:
			call.c.log.Warn("wcs: server reports a problem", "stream", call.name, "status", st.Status, "info", st.Info)
		default:
			call.c.log.Debug("wcs: stream status", "stream", call.name, "status", st.Status, "info", st.Info)
		}
	case in.Name == MsgAudioCodec:
		call.update(func(r *session.ServerReport) { r.AudioCodec = in.Codec })
	case in.Format != nil:
		f := *in.Format
		call.update(func(r *session.ServerReport) { r.Width, r.Height = f.Width, f.Height })
	case in.Rate != nil:
		v := *in.Rate
		call.update(func(r *session.ServerReport) {
			r.VideoKbps, r.FPS = float64(v.VideoRate)/1000, float64(v.FPS)
			r.NACK, r.PLI, r.Lost = v.NACK, v.PLI, v.LostPackets
			if v.Width > 0 && v.Height > 0 {
				r.Width, r.Height = v.Width, v.Height
			}
		})
	}
}

func (call *Call) update(f func(*session.ServerReport)) {
	call.repMu.Lock()
	f(&call.report)
	call.repMu.Unlock()
}

// Report is what the server last said about the stream (Plan.Report).
func (call *Call) Report() session.ServerReport {
	call.repMu.Lock()
	defer call.repMu.Unlock()
	return call.report
}

// Close sends stopStream (when the stream was asked for and is still
// running) and forgets the call. Later calls return session.ErrClosed.
func (call *Call) Close() error {
	return call.close(MsgStopStream, streamMsg{
		MediaSessionID: call.id, Name: call.name, HasVideo: true, HasAudio: true,
		Status: StatusPlaying,
	})
}

// Publish opens the talk's publishing call (Plan.Publish): it publishes an
// audio-only stream named by the account's talk_stream template over the
// account's WebSocket. The session makes its peer connection.
func (call *Call) Publish(context.Context) (session.Call, error) {
	select {
	case <-call.done:
		return nil, call.Err()
	default:
	}
	pc := &publishCall{
		mediaSession: newMediaSession(call.l, call.talk),
		log:          call.c.log,
		plan: session.Plan{
			ICEServers:  call.c.cfg.ICEServers,
			Audio:       webrtc.RTPTransceiverDirectionSendonly,
			AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMU, webrtc.MimeTypePCMA},
			Talk:        session.TalkFull,
		},
	}
	call.l.register(pc.id, pc)
	return pc, nil
}
