package wcs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/peer"
)

// publishTimeout bounds publishing the talk stream, from publishStream to
// a connected peer.
const publishTimeout = 10 * time.Second

// Call plays one stream over the account's shared WebSocket. It implements
// session.Call, session.Hangup, session.Reporter and session.TalkPublisher.
type Call struct {
	c      *Client
	l      *link
	id     string // mediaSessionId
	stream string
	talk   string // the stream published while talking
	plan   session.Plan

	answers chan string
	sent    atomic.Bool
	closed  atomic.Bool

	endOnce sync.Once
	done    chan struct{}
	errMu   sync.Mutex
	err     error

	repMu  sync.Mutex
	report session.ServerReport
}

var (
	_ session.Call          = (*Call)(nil)
	_ session.Hangup        = (*Call)(nil)
	_ session.Reporter      = (*Call)(nil)
	_ session.TalkPublisher = (*Call)(nil)
)

// Open returns a call that plays id: a stream name, "ROOM/STREAM" (the
// room's stream, talking into the room's talk stream), or a room (its
// first stream, talking into the room's talk stream). It waits for the
// account's connection (see Config.ReconnectWait).
func (c *Client) Open(ctx context.Context, id string, _ session.Quality) (session.Call, error) {
	stream, talkFor, err := c.resolve(id)
	if err != nil {
		return nil, err
	}
	l, err := c.ensure(ctx)
	if err != nil {
		return nil, err
	}
	call := &Call{
		c:       c,
		l:       l,
		id:      newID(),
		stream:  stream,
		talk:    c.TalkStreamName(talkFor),
		answers: make(chan string, 1),
		done:    make(chan struct{}),
		plan: session.Plan{
			ICEServers:  c.cfg.ICEServers,
			Audio:       webrtc.RTPTransceiverDirectionRecvonly,
			Video:       webrtc.RTPTransceiverDirectionRecvonly,
			AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMA, webrtc.MimeTypePCMU},
			VideoCodecs: []string{webrtc.MimeTypeH264, webrtc.MimeTypeVP8},
			Talk:        session.TalkFull,
		},
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

// Plan implements session.Call.
func (call *Call) Plan() session.Plan { return call.plan }

// Stream returns the name of the stream the call plays.
func (call *Call) Stream() string { return call.stream }

// Exchange sends playStream with the offer (every candidate gathered: WCS
// does not trickle) and returns the SDP of setRemoteSDP.
func (call *Call) Exchange(ctx context.Context, offer string) (string, error) {
	zero := 0
	call.sent.Store(true)
	err := call.l.send(MsgPlayStream, streamMsg{
		MediaSessionID: call.id, Name: call.stream, HasVideo: true, HasAudio: true,
		Status: StatusPending, Width: &zero, Height: &zero, MediaProvider: "WebRTC", SDP: offer,
		Bitrate: &zero, MinBitrate: &zero, MaxBitrate: &zero, Quality: &zero,
	})
	if err != nil {
		return "", err
	}
	select {
	case sdp := <-call.answers:
		return sdp, nil
	case <-call.done:
		// An answer that came before the end is still the answer; the
		// session then learns of the end through Done.
		select {
		case sdp := <-call.answers:
			return sdp, nil
		default:
		}
		return "", call.Err()
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// deliver implements handler.
func (call *Call) deliver(in Inbound) {
	switch {
	case in.Name == MsgSetRemoteSDP:
		select {
		case call.answers <- in.SDP:
		default:
			call.c.log.Debug("wcs: second setRemoteSDP ignored", "stream", call.stream)
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
			call.c.log.Info("wcs: stream ended by the server", "stream", call.stream, "status", st.Status, "info", st.Info)
			call.end(statusError("play "+call.stream, st))
		case st.Status == StatusPlaybackProblem || st.Status == StatusNotEnoughBW:
			call.c.log.Warn("wcs: server reports a problem", "stream", call.stream, "status", st.Status, "info", st.Info)
		default:
			call.c.log.Debug("wcs: stream status", "stream", call.stream, "status", st.Status, "info", st.Info)
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

// Report implements session.Reporter.
func (call *Call) Report() session.ServerReport {
	call.repMu.Lock()
	defer call.repMu.Unlock()
	return call.report
}

// linkDown implements handler.
func (call *Call) linkDown(err error) { call.end(err) }

func (call *Call) end(err error) {
	call.endOnce.Do(func() {
		call.errMu.Lock()
		call.err = err
		call.errMu.Unlock()
		close(call.done)
	})
}

// Done implements session.Hangup: closed when the server ends the stream
// (STOPPED, UNPUBLISHED, FAILED) or the connection drops.
func (call *Call) Done() <-chan struct{} { return call.done }

// Err says why Done was closed.
func (call *Call) Err() error {
	call.errMu.Lock()
	defer call.errMu.Unlock()
	return call.err
}

// Close sends stopStream (when the stream was asked for and is still
// running) and forgets the call. Later calls return session.ErrClosed.
func (call *Call) Close() error {
	if !call.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	call.l.unregister(call.id)
	var err error
	select {
	case <-call.done:
	default:
		if call.sent.Load() {
			err = call.l.send(MsgStopStream, streamMsg{
				MediaSessionID: call.id, Name: call.stream, HasVideo: true, HasAudio: true,
				Status: StatusPlaying,
			})
		}
	}
	call.end(fmt.Errorf("wcs: %w", session.ErrClosed))
	if errors.Is(err, ErrConnectionLost) {
		err = nil // nothing left to stop
	}
	return err
}

// PublishTalk implements session.TalkPublisher: it publishes an audio-only
// stream named by the account's talk_stream template over a peer
// connection of its own (Opus preferred, G.711 accepted), and returns once
// that connection is up.
func (call *Call) PublishTalk(ctx context.Context) (session.TalkStream, error) {
	select {
	case <-call.done:
		return nil, call.Err()
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	p, err := peer.New(peer.Config{
		ICEServers:  call.c.cfg.ICEServers,
		Audio:       webrtc.RTPTransceiverDirectionSendonly,
		AudioCodecs: []string{webrtc.MimeTypeOpus, webrtc.MimeTypePCMU, webrtc.MimeTypePCMA},
		Logger:      call.c.log,
	})
	if err != nil {
		return nil, err
	}
	ts := &talkStream{call: call, p: p, id: newID(), answers: make(chan string, 1), done: make(chan struct{}), published: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			_ = ts.Close()
		}
	}()
	offer, err := p.GatheredOffer(ctx)
	if err != nil {
		return nil, err
	}
	call.l.register(ts.id, ts)
	zero := 0
	ts.sent.Store(true)
	err = call.l.send(MsgPublishStream, streamMsg{
		MediaSessionID: ts.id, Name: call.talk, Published: true, HasVideo: false, HasAudio: true,
		Status: StatusPending, MediaProvider: "WebRTC", SDP: offer,
		Bitrate: &zero, MinBitrate: &zero, MaxBitrate: &zero,
	})
	if err != nil {
		return nil, err
	}
	var answer string
	select {
	case answer = <-ts.answers:
	case <-ts.done:
		return nil, ts.Err()
	case <-ctx.Done():
		return nil, fmt.Errorf("wcs: publish %s: no answer: %w", call.talk, ctx.Err())
	}
	if err := p.SetAnswer(answer); err != nil {
		return nil, fmt.Errorf("%w: publish %s: %w", session.ErrProtocol, call.talk, err)
	}
	for connected := false; !connected; {
		select {
		case st := <-p.States():
			switch st {
			case webrtc.PeerConnectionStateConnected:
				connected = true
			case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
				return nil, fmt.Errorf("wcs: publish %s: %w", call.talk, session.ErrNoPath)
			}
		case <-ts.done:
			return nil, ts.Err()
		case <-ctx.Done():
			return nil, fmt.Errorf("wcs: publish %s: not connected: %w", call.talk, ctx.Err())
		}
	}
	w, codec, err := p.TalkTrack()
	if err != nil {
		return nil, err
	}
	ts.w, ts.codec = w, codec
	call.c.log.Info("wcs: publishing talk", "stream", call.talk, "codec", codec.MimeType)
	ok = true
	return ts, nil
}

// talkStream is one published talk stream.
type talkStream struct {
	call  *Call
	p     *peer.Peer
	id    string
	w     peer.TalkWriter
	codec webrtc.RTPCodecParameters

	answers   chan string
	published chan struct{}
	pubOnce   sync.Once
	sent      atomic.Bool
	closed    atomic.Bool

	endOnce sync.Once
	done    chan struct{}
	errMu   sync.Mutex
	err     error
}

// WriteSample implements peer.TalkWriter.
func (ts *talkStream) WriteSample(s media.Sample) error { return ts.w.WriteSample(s) }

// Codec returns the negotiated talk codec.
func (ts *talkStream) Codec() webrtc.RTPCodecParameters { return ts.codec }

// Done is closed when the server ends the talk stream or the connection
// drops.
func (ts *talkStream) Done() <-chan struct{} { return ts.done }

// Err says why Done was closed.
func (ts *talkStream) Err() error {
	ts.errMu.Lock()
	defer ts.errMu.Unlock()
	return ts.err
}

func (ts *talkStream) end(err error) {
	ts.endOnce.Do(func() {
		ts.errMu.Lock()
		ts.err = err
		ts.errMu.Unlock()
		close(ts.done)
	})
}

func (ts *talkStream) deliver(in Inbound) {
	switch {
	case in.Name == MsgSetRemoteSDP:
		select {
		case ts.answers <- in.SDP:
		default:
		}
	case in.Status != nil:
		st := *in.Status
		switch {
		case st.Status == StatusPublishing:
			ts.pubOnce.Do(func() { close(ts.published) })
		case Terminal(st.Status):
			ts.call.c.log.Info("wcs: talk stream ended by the server", "stream", ts.call.talk, "status", st.Status, "info", st.Info)
			ts.end(statusError("publish "+ts.call.talk, st))
		}
	}
}

func (ts *talkStream) linkDown(err error) { ts.end(err) }

// Close sends unPublishStream and closes the talk connection.
func (ts *talkStream) Close() error {
	if !ts.closed.CompareAndSwap(false, true) {
		return session.ErrClosed
	}
	ts.call.l.unregister(ts.id)
	var err error
	select {
	case <-ts.done:
	default:
		if ts.sent.Load() {
			err = ts.call.l.send(MsgUnPublishStream, streamMsg{
				MediaSessionID: ts.id, Name: ts.call.talk, Published: true, HasAudio: true, Status: StatusPublishing,
			})
			if errors.Is(err, ErrConnectionLost) {
				err = nil
			}
		}
	}
	ts.end(fmt.Errorf("wcs: talk: %w", session.ErrClosed))
	return errors.Join(err, ts.p.Close())
}
