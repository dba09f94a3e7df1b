package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session/peer"
)

// publishing is the talk path of a call whose plan publishes talk
// (Plan.Publish).
type publishing struct {
	publish func(ctx context.Context) (Call, error)
	done    <-chan struct{} // closed when the attempt ends
}

// enablePublish makes a connected attempt's publishing available to Talk.
func (s *Session) enablePublish(plan Plan, done <-chan struct{}) {
	if plan.Publish == nil || plan.Talk == TalkNone {
		return
	}
	s.pub.Store(&publishing{publish: plan.Publish, done: done})
}

// talkPublished opens the publish call, connects a send-only peer for the
// microphone, sends until released, then hangs the publish call up. The
// play connection is untouched throughout. A publish call whose plan has
// Hangup ends the talk when the server ends the published stream.
func (s *Session) talkPublished(ctx context.Context, c audio.Capturer, pb *publishing) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer cancelOn(pb.done, cancel)()
	timeout := s.cfg.ConnectTimeout
	cctx, ccancel := context.WithTimeout(ctx, timeout)
	defer ccancel()
	call, err := pb.publish(cctx)
	if err != nil {
		return publishRefused(ctx, pb, nil, err)
	}
	plan := call.Plan()
	hangup := plan.Hangup
	if hangup != nil {
		defer cancelOn(hangup.Done(), cancel)()
	}
	p, err := peer.New(peer.Config{
		ICEServers: plan.ICEServers, Audio: plan.Audio, AudioCodecs: plan.AudioCodecs,
		DisconnectedTimeout: 5 * time.Second, Logger: s.log,
	})
	if err != nil {
		return errors.Join(fmt.Errorf("talk: publish: %w", err), call.Close())
	}
	defer func() {
		cancel()
		if cerr := errors.Join(p.Close(), call.Close()); cerr != nil {
			s.log.Debug("session: publish cleanup", "err", cerr)
		}
	}()
	var offer string
	if plan.Trickle != nil {
		offer, err = p.Offer()
	} else {
		offer, err = p.GatheredOffer(cctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return talkEnded(pb, hangup)
		}
		return fmt.Errorf("talk: publish: %w", err)
	}
	answer, err := call.Exchange(cctx, offer)
	if err != nil {
		return publishRefused(ctx, pb, hangup, err)
	}
	if err := p.SetAnswer(answer); err != nil {
		return fmt.Errorf("talk: publish: %w: %w", ErrProtocol, err)
	}
	if plan.Trickle != nil {
		s.trickle(ctx, p, plan.Trickle)
	}
	for connected := false; !connected; {
		select {
		case <-cctx.Done():
			if ctx.Err() != nil {
				return talkEnded(pb, hangup)
			}
			return fmt.Errorf("talk: publish: %w: not connected within %s", ErrTimeout, timeout)
		case st := <-p.States():
			switch st {
			case webrtc.PeerConnectionStateConnected:
				connected = true
			case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
				return fmt.Errorf("talk: publish: %w", ErrNoPath)
			}
		}
	}
	track, codec, err := p.TalkTrack()
	if err != nil {
		return fmt.Errorf("talk: publish: %w", err)
	}
	s.log.Debug("session: publishing talk", "codec", codec.MimeType)
	err = s.sendTalk(ctx, c, &talker{track: track, codec: codec, frame: talkFrame(plan, codec), done: pb.done})
	if err == nil && ctx.Err() != nil {
		return talkEnded(pb, hangup)
	}
	return err
}

// cancelOn calls cancel when ch is closed, until the returned stop is
// called.
func cancelOn(ch <-chan struct{}, cancel context.CancelFunc) (stop func()) {
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-stopped:
		}
	}()
	return func() { close(stopped) }
}

// publishRefused is the result of a failed publish exchange: the server's
// reason when it ended the publish call (a refusal, not a hangup),
// ErrHangup when the attempt ended, nil when the button was released.
func publishRefused(ctx context.Context, pb *publishing, hangup *Hangup, err error) error {
	select {
	case <-pb.done:
		return fmt.Errorf("talk: %w", ErrHangup)
	default:
	}
	if hangup != nil {
		select {
		case <-hangup.Done():
			if why := hangup.Err(); why != nil {
				return fmt.Errorf("talk: publish: %w", why)
			}
		default:
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("talk: publish: %w", err)
}

// talkEnded is the result of a published talk whose context ended: nil
// when the button was released, ErrHangup when the attempt ended or the
// publish call (hangup, when its plan has one) was ended by the
// server, with the server's reason.
func talkEnded(pb *publishing, hangup *Hangup) error {
	select {
	case <-pb.done:
		return fmt.Errorf("talk: %w", ErrHangup)
	default:
	}
	if hangup == nil {
		return nil
	}
	select {
	case <-hangup.Done():
	default:
		return nil
	}
	why := hangup.Err()
	switch {
	case why == nil:
		return fmt.Errorf("talk: the published stream ended: %w", ErrHangup)
	case errors.Is(why, ErrHangup):
		return fmt.Errorf("talk: the published stream ended: %w", why)
	default:
		return fmt.Errorf("talk: the published stream ended: %w: %w", ErrHangup, why)
	}
}
