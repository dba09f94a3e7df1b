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

// publishing is the talk path of a call that implements Publisher.
type publishing struct {
	pub  Publisher
	done <-chan struct{} // closed when the attempt ends
}

// enablePublish makes a connected attempt's publisher available to Talk.
func (s *Session) enablePublish(call Call, plan Plan, done <-chan struct{}) {
	pub, ok := call.(Publisher)
	if !ok || plan.Talk == TalkNone {
		return
	}
	s.pub.Store(&publishing{pub: pub, done: done})
}

// talkPublished opens the publish call, connects a send-only peer for the
// microphone, sends until released, then hangs the publish call up. The
// play connection is untouched throughout.
func (s *Session) talkPublished(ctx context.Context, c audio.Capturer, pb *publishing) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-pb.done:
			cancel()
		case <-stop:
		}
	}()
	timeout := s.cfg.ConnectTimeout
	cctx, ccancel := context.WithTimeout(ctx, timeout)
	defer ccancel()
	call, err := pb.pub.Publish(cctx)
	if err != nil {
		if ctx.Err() != nil {
			return s.releasedOrHungUp(pb)
		}
		return fmt.Errorf("talk: publish: %w", err)
	}
	plan := call.Plan()
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
	trickler, trickle := call.(Trickler)
	var offer string
	if trickle {
		offer, err = p.Offer()
	} else {
		offer, err = p.GatheredOffer(cctx)
	}
	if err != nil {
		return fmt.Errorf("talk: publish: %w", err)
	}
	answer, err := call.Exchange(cctx, offer)
	if err != nil {
		if ctx.Err() != nil {
			return s.releasedOrHungUp(pb)
		}
		return fmt.Errorf("talk: publish: %w", err)
	}
	if err := p.SetAnswer(answer); err != nil {
		return fmt.Errorf("talk: publish: %w: %w", ErrProtocol, err)
	}
	if trickle {
		s.trickle(ctx, p, trickler)
	}
	for connected := false; !connected; {
		select {
		case <-cctx.Done():
			if ctx.Err() != nil {
				return s.releasedOrHungUp(pb)
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
	return s.sendTalk(ctx, c, &talker{track: track, codec: codec, frame: 20 * time.Millisecond, done: pb.done}, nil)
}

// releasedOrHungUp is the result of a talk cancelled before it connected:
// nil when the button was released, ErrHangup when the call ended.
func (*Session) releasedOrHungUp(pb *publishing) error {
	select {
	case <-pb.done:
		return fmt.Errorf("talk: %w", ErrHangup)
	default:
		return nil
	}
}
