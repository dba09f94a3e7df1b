package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session/peer"
)

// AudioDecoder turns RTP audio payloads into PCM; player/ffmpeg implements it.
type AudioDecoder interface {
	Decode(payload []byte) ([]int16, error)
	Close() error
}

// AudioEncoder turns PCM into frames of the negotiated codec; player/ffmpeg
// implements it.
type AudioEncoder interface {
	Encode(pcm []int16) ([][]byte, error)
	FrameDuration() time.Duration
	Close() error
}

// AudioSink receives the device's decoded audio. PlayAudio must not block
// (a speaker queues into its ring buffer, a recorder writes a file).
type AudioSink interface {
	PlayAudio(pcm []int16, f audio.Format)
}

// Listener is an AudioSink that knows whether anybody hears the source now
// (a wall plays one tile's audio at a time). While nobody does, the session
// decodes none of the source's audio; the packets still reach the
// recording tap.
type Listener interface {
	Listening() bool
}

// listening reports whether the session's audio sink hears it now.
func (s *Session) listening() bool {
	if l, ok := s.cfg.Audio.(Listener); ok {
		return l.Listening()
	}
	return true
}

// talker is the sending side of a connected attempt: the play connection's
// own audio sender, or the send-only peer of a held published talk.
type talker struct {
	track peer.TalkWriter
	codec webrtc.RTPCodecParameters
	frame time.Duration
	done  <-chan struct{} // closed when the attempt ends
}

// CanTalk reports whether the device takes talk audio now, and why not.
func (s *Session) CanTalk() (bool, string) {
	if s.talk.Load() != nil || s.pub.Load() != nil {
		return true, ""
	}
	if s.planTalk.Load() == string(TalkNone) {
		return false, "this device has no speaker"
	}
	return false, "not connected"
}

// Talking reports whether Talk is sending.
func (s *Session) Talking() bool { return s.talking.Load() }

// Talk sends audio read from c to the device, as a held push-to-talk button
// does, until ctx ends (the button is released: it returns nil and stops
// within one read of 10 ms), c runs out (io.EOF: nil) or the connection
// ends. Half-duplex devices' audio is ducked meanwhile (Ducker).
func (s *Session) Talk(ctx context.Context, c audio.Capturer) error {
	t := s.talk.Load()
	pub := s.pub.Load()
	if t == nil && pub == nil {
		_, why := s.CanTalk()
		return fmt.Errorf("%w: %s", ErrNoTalk, why)
	}
	if s.cfg.NewAudioEncoder == nil {
		return fmt.Errorf("%w: no audio encoder configured", ErrNoTalk)
	}
	if !s.talking.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: already talking", ErrBusy)
	}
	defer s.talking.Store(false)
	undo, _ := s.duckWhileTalking()
	defer undo()
	c = s.cleanMic(c)
	if t == nil {
		return s.talkPublished(ctx, c, pub)
	}
	return s.sendTalk(ctx, c, t)
}

// sendTalk encodes what c captures and writes it to t until released or
// the attempt ends.
func (s *Session) sendTalk(ctx context.Context, c audio.Capturer, t *talker) error {
	frameSamples := int(int64(t.codec.ClockRate) * int64(t.frame) / int64(time.Second))
	enc, err := s.cfg.NewAudioEncoder(t.codec.MimeType, c.Format(), frameSamples)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnsupportedCodec, t.codec.MimeType, err)
	}
	defer func() { _ = enc.Close() }()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer cancelOn(t.done, cancel)()
	buf := make([]int16, c.Format().Samples(10*time.Millisecond))
	for {
		n, rerr := c.Read(ctx, buf)
		if n > 0 {
			frames, err := enc.Encode(buf[:n])
			if err != nil {
				return fmt.Errorf("talk: encode: %w", err)
			}
			for _, f := range frames {
				if err := t.track.WriteSample(media.Sample{Data: f, Duration: enc.FrameDuration()}); err != nil {
					return fmt.Errorf("talk: send: %w", err)
				}
			}
		}
		switch {
		case rerr == nil:
		case errors.Is(rerr, io.EOF):
			return nil
		case ctx.Err() != nil:
			select {
			case <-t.done:
				return fmt.Errorf("talk: %w", ErrHangup)
			default:
				return nil // released
			}
		default:
			return fmt.Errorf("talk: microphone: %w", rerr)
		}
	}
}

// talkFrame is the duration of one talk frame of codec: the plan's
// TalkFrame for G.711, 20 ms when unset and always for Opus.
func talkFrame(plan Plan, codec webrtc.RTPCodecParameters) time.Duration {
	if plan.TalkFrame <= 0 || strings.EqualFold(codec.MimeType, webrtc.MimeTypeOpus) {
		return 20 * time.Millisecond
	}
	return plan.TalkFrame
}

// enableTalk makes the attempt's audio sender available to Talk.
func (s *Session) enableTalk(p *peer.Peer, plan Plan, done <-chan struct{}) {
	if plan.Talk == TalkNone {
		return
	}
	if plan.Audio != webrtc.RTPTransceiverDirectionSendrecv && plan.Audio != webrtc.RTPTransceiverDirectionSendonly {
		return
	}
	track, codec, err := p.TalkTrack()
	if err != nil {
		s.log.Info("session: talk unavailable", "err", err)
		return
	}
	s.talk.Store(&talker{track: track, codec: codec, frame: talkFrame(plan, codec), done: done})
}

// playAudio decodes a remote audio track into the configured sink until the
// track ends. Half-duplex devices are ducked while we talk (muted when the
// sink is no Ducker).
func (s *Session) playAudio(tr peer.Track, half bool) error {
	channels := int(tr.Codec.Channels)
	if channels == 0 {
		channels = 1
	}
	out := s.cfg.AudioFormat
	if out.SampleRate == 0 {
		out = audio.Format{SampleRate: int(tr.Codec.ClockRate), Channels: channels}
	}
	dec, err := s.cfg.NewAudioDecoder(tr.Codec.MimeType, int(tr.Codec.ClockRate), channels, out)
	if err != nil {
		s.log.Info("session: device audio not played", "codec", tr.Codec.MimeType, "err", err)
		s.drain(tr)
		return nil
	}
	defer func() { _ = dec.Close() }()
	// Packets are put back in order over a few frames; those given up as
	// lost are played as silence of the last frame's length, up to
	// maxConcealment, so the speaker's clock and the camera's stay together
	// over a short loss and a long one is skipped past instead of played.
	reorder := player.NewReorder(audioReorderWindow)
	var last int
	r := newAudioReader(tr.Remote)
	for {
		pkt, err := r.next()
		if err != nil {
			return nil
		}
		if s.cfg.Tap != nil {
			s.cfg.Tap.AudioPacket(tr.Codec, pkt.Payload, time.Now())
		}
		ready, lost := reorder.Push(pkt)
		if !s.listening() {
			continue // reordered still, so playback resumes in order
		}
		_, ducks := s.cfg.Audio.(Ducker)
		mute := half && !ducks && s.talking.Load()
		if n := concealment(lost, last, out); n > 0 && !mute {
			s.cfg.Audio.PlayAudio(make([]int16, n), out)
		}
		for _, p := range ready {
			pcm, err := dec.Decode(p.Payload)
			if err != nil {
				s.log.Debug("session: audio decode", "err", err)
				continue
			}
			if len(pcm) == 0 {
				continue
			}
			last = len(pcm)
			if !mute {
				s.cfg.Audio.PlayAudio(pcm, out)
			}
		}
	}
}

// audioReorderWindow is how many packets may arrive after a missing one
// before it is given up: 3 frames, 60 ms of G.711 or Opus.
const audioReorderWindow = 3

// maxConcealment is the most silence played for one gap. A gap can be up
// to RFC 3550's MAX_DROPOUT (3000 packets, a minute of audio): played
// whole it would put the speaker a minute behind the camera (and queue a
// minute of samples at once); past this much the gap is skipped and
// playback goes on with the next packet.
const maxConcealment = 100 * time.Millisecond

// concealment returns how many samples of silence, in format f, stand in
// for lost frames of last samples each: their length, at most
// maxConcealment.
func concealment(lost, last int, f audio.Format) int {
	limit := f.SampleRate * max(f.Channels, 1) * int(maxConcealment/time.Millisecond) / 1000
	return min(lost*last, limit)
}

// drain reads an audio track nobody listens to, handing it to the tap.
func (s *Session) drain(tr peer.Track) {
	r := newAudioReader(tr.Remote)
	for {
		pkt, err := r.next()
		if err != nil {
			return
		}
		if s.cfg.Tap != nil {
			s.cfg.Tap.AudioPacket(tr.Codec, pkt.Payload, time.Now())
		}
	}
}
